"""A stand-in orders-api on a loopback port: it verifies the bearer token
the way orders-api does (HS256, issuer, expiry, viewer role) and answers
/reports/summary with whatever the test put in `report`."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KEY = "test-signing-key-0123456789abcdef0123"
ISSUER = "acme-orders"


class FakeOrdersAPI:
    def __init__(self) -> None:
        self.report: dict[str, Any] = {"daily": [], "by_status": [], "by_region": []}
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                auth = self.headers.get("Authorization", "")
                api.requests.append({"path": u.path, "query": q, "auth": auth})
                try:
                    claims = jwt.decode(auth.removeprefix("Bearer "), KEY, algorithms=["HS256"], issuer=ISSUER)
                    assert "viewer" in claims["roles"]
                except Exception as e:
                    return self._send(401, {"title": "Unauthorized", "status": 401, "detail": f"bad token: {e}"})
                if u.path != "/reports/summary":
                    return self._send(404, {"title": "Not Found", "status": 404})
                if api.status != 200:
                    return self._send(api.status, {"title": "Error", "status": api.status, "detail": "stand-in failure"})
                return self._send(200, {"from": q.get("from"), "to": q.get("to"), **api.report})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                ctype = "application/json" if status < 400 else "application/problem+json"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def orders_api():
    api = FakeOrdersAPI()
    yield api
    api.close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"
