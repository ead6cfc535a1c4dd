"""Start the dashboard: settings from the environment, then waitress."""

from __future__ import annotations

import logging
import sys

import waitress

from .api import ReportsClient
from .app import create_app
from .config import ConfigError, from_env


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    log = logging.getLogger("sales-dash")
    try:
        settings = from_env()
    except ConfigError as e:
        log.error("%s", e)
        sys.exit(2)
    client = ReportsClient(
        settings.orders_api_url,
        settings.jwt_signing_key,
        settings.jwt_issuer,
        token_ttl=settings.jwt_ttl_seconds,
    )
    app = create_app(client, refresh_seconds=settings.refresh_seconds)
    log.info("serving on %s:%d, reports from %s", settings.host, settings.port, settings.orders_api_url)
    waitress.serve(app.server, host=settings.host, port=settings.port, threads=4, ident="sales-dash")
