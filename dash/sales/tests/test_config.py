"""Settings from the environment variables mono sets."""

from __future__ import annotations

import time

import jwt
import pytest

from conftest import ISSUER, KEY
from sales_dash.api import ReportsClient
from sales_dash.config import ConfigError, from_env, parse_duration

BASE = {
    "SALES_DASH__ORDERS_API_URL": "http://127.0.0.1:8080/",
    "SALES_DASH__JWT__SIGNING_KEY": KEY,
}


def test_defaults_and_values():
    s = from_env({**BASE, "SALES_DASH__LISTEN": "127.0.0.1:18050", "SALES_DASH__REFRESH_INTERVAL": "1m30s"})
    assert (s.host, s.port, s.orders_api_url, s.refresh_seconds) == ("127.0.0.1", 18050, "http://127.0.0.1:8080", 90)
    assert (s.jwt_issuer, s.jwt_ttl_seconds) == ("acme-orders", 300)
    assert KEY not in repr(s)


def test_listen_without_host_listens_everywhere():
    assert from_env(BASE).host == "0.0.0.0"


def test_every_problem_at_once():
    with pytest.raises(ConfigError) as e:
        from_env({"SALES_DASH__LISTEN": "nope", "SALES_DASH__JWT__SIGNING_KEY": "short", "SALES_DASH__REFRESH_INTERVAL": "soon"})
    msg = str(e.value)
    for want in ("LISTEN='nope' is not host:port", "ORDERS_API_URL is not set", "shorter than 32 bytes", "not a duration"):
        assert want in msg


@pytest.mark.parametrize(("text", "seconds"), [("5s", 5), ("1m", 60), ("1h30m", 5400), ("250ms", 0.25), ("1.5m", 90)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_token_is_a_short_lived_viewer_token_and_reused():
    c = ReportsClient("http://x", KEY, ISSUER, token_ttl=300)
    tok = c.token()
    claims = jwt.decode(tok, KEY, algorithms=["HS256"], issuer=ISSUER)
    assert claims["roles"] == ["viewer"]
    assert claims["sub"] == "sales-dash"
    assert 290 <= claims["exp"] - time.time() <= 300
    assert c.token() == tok
