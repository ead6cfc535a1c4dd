"""Settings from environment variables.

mono sets them from libs/config's sales-dash section (config/*.yaml, the
secrets resolved), with the names libs/config itself uses for overrides:
SALES_DASH__<KEY>, nested keys joined by a double underscore.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "SALES_DASH__"

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def parse_duration(text: str) -> float:
    """Parse a Go duration such as 1m, 90s or 1h30m into seconds."""
    s = text.strip()
    if not s:
        raise ValueError("empty duration")
    pos, total = 0, 0.0
    for m in _DURATION.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if pos != len(s):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 1m, 1h30m)")
    return total


@dataclass(frozen=True)
class Settings:
    """What the app needs to run."""

    host: str
    port: int
    orders_api_url: str
    refresh_seconds: float
    jwt_signing_key: str
    jwt_issuer: str
    jwt_ttl_seconds: float

    def __repr__(self) -> str:  # never print the key
        return (
            f"Settings(host={self.host!r}, port={self.port}, orders_api_url={self.orders_api_url!r}, "
            f"refresh_seconds={self.refresh_seconds}, jwt_issuer={self.jwt_issuer!r}, jwt_signing_key=[redacted])"
        )


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings; a ConfigError lists every problem at once."""
    env = os.environ if environ is None else environ
    problems: list[str] = []

    def get(key: str, default: str | None = None) -> str:
        v = env.get(PREFIX + key, "").strip()
        if v:
            return v
        if default is None:
            problems.append(f"{PREFIX}{key} is not set")
            return ""
        return default

    listen = get("LISTEN", ":8050")
    host, _, port_text = listen.rpartition(":")
    port = 0
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        problems.append(f"{PREFIX}LISTEN={listen!r} is not host:port")
    else:
        port = int(port_text)
    host = host.strip("[]") or "0.0.0.0"

    url = get("ORDERS_API_URL").rstrip("/")
    if url and not re.match(r"^https?://[^/]+", url):
        problems.append(f"{PREFIX}ORDERS_API_URL={url!r} is not an http(s) URL")

    durations: dict[str, float] = {}
    for key, default in (("REFRESH_INTERVAL", "1m"), ("JWT__TTL", "5m")):
        try:
            durations[key] = parse_duration(get(key, default))
        except ValueError as e:
            problems.append(f"{PREFIX}{key}: {e}")

    key = get("JWT__SIGNING_KEY")
    if key and len(key.encode()) < 32:
        problems.append(f"{PREFIX}JWT__SIGNING_KEY is shorter than 32 bytes")
    issuer = get("JWT__ISSUER", "acme-orders")

    if problems:
        raise ConfigError("sales-dash configuration: " + "; ".join(problems))
    return Settings(
        host=host,
        port=port,
        orders_api_url=url,
        refresh_seconds=durations["REFRESH_INTERVAL"],
        jwt_signing_key=key,
        jwt_issuer=issuer,
        jwt_ttl_seconds=durations["JWT__TTL"],
    )
