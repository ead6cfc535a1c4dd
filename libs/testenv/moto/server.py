"""Runs a moto server on 127.0.0.1 for Go tests (see moto.go).

Binds port 0, prints "ready <port>" once it listens, and stops when its
standard input closes: when the Go test binary exits, however it exits, the
server goes with it.
"""
import sys

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("ready", server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
