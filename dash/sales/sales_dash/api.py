"""The client of orders-api's reporting endpoints.

Each call carries a short-lived viewer token that the app signs with
orders-api's key (HS256, the claims services/orders-api/auth verifies).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jwt
import requests


class ApiUnavailable(Exception):
    """orders-api could not be reached, or answered 5xx: try again later."""


class ApiError(Exception):
    """orders-api refused the request (4xx); the message is its detail."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Report:
    """One range's figures, as /reports/summary returns them."""

    start: str
    end: str
    daily: list[dict[str, Any]] = field(default_factory=list)
    by_status: list[dict[str, Any]] = field(default_factory=list)
    by_region: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.daily and not any(s.get("count") for s in self.by_status) and not self.by_region


class ReportsClient:
    """Reads reports from orders-api at base_url."""

    def __init__(
        self,
        base_url: str,
        signing_key: str,
        issuer: str,
        token_ttl: float = 300,
        timeout: float = 5,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._key = signing_key
        self._issuer = issuer
        self._ttl = token_ttl
        self._timeout = timeout
        self._session = session or requests.Session()
        self._token = ""
        self._token_exp = 0.0

    def token(self) -> str:
        """A viewer token, reused until a minute before it expires."""
        now = time.time()
        if self._token and now < self._token_exp - 60:
            return self._token
        exp = now + self._ttl
        claims = {
            "iss": self._issuer,
            "sub": "sales-dash",
            "roles": ["viewer"],
            "iat": int(now),
            "nbf": int(now) - 1,
            "exp": int(exp),
        }
        self._token = jwt.encode(claims, self._key, algorithm="HS256")
        self._token_exp = exp
        return self._token

    def summary(self, start: date, end: date) -> Report:
        """Daily sales, orders by status and revenue by region of [start, end]."""
        url = f"{self.base_url}/reports/summary"
        try:
            res = self._session.get(
                url,
                params={"from": start.isoformat(), "to": end.isoformat()},
                headers={"Authorization": f"Bearer {self.token()}", "Accept": "application/json"},
                timeout=self._timeout,
            )
        except requests.RequestException as e:
            raise ApiUnavailable(f"cannot reach orders-api at {self.base_url}: {type(e).__name__}") from e
        if res.status_code >= 500:
            raise ApiUnavailable(f"orders-api answered {res.status_code}: {_detail(res)}")
        if res.status_code >= 400:
            raise ApiError(res.status_code, f"orders-api refused the report ({res.status_code}): {_detail(res)}")
        body = res.json()
        return Report(
            start=body.get("from", start.isoformat()),
            end=body.get("to", end.isoformat()),
            daily=body.get("daily") or [],
            by_status=body.get("by_status") or [],
            by_region=body.get("by_region") or [],
        )


def _detail(res: requests.Response) -> str:
    try:
        body = res.json()
    except ValueError:
        return res.reason or "no detail"
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or res.reason)
    return res.reason or "no detail"
