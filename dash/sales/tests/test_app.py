"""The dashboard's callback, layout and health endpoint."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import ISSUER, KEY
from sales_dash.api import ReportsClient
from sales_dash.app import create_app, render

TODAY = date(2026, 3, 31)

REPORT = {
    "daily": [
        {"day": "2026-03-01", "region": "eu-west", "orders": 2, "revenue_cents": 12300},
        {"day": "2026-03-01", "region": "us-east", "orders": 1, "revenue_cents": 5000},
        {"day": "2026-03-02", "region": "eu-west", "orders": 1, "revenue_cents": 700},
    ],
    "by_status": [{"status": "pending", "count": 3}, {"status": "cancelled", "count": 2}, {"status": "shipped", "count": 1}],
    "by_region": [{"region": "eu-west", "revenue_cents": 13000}, {"region": "us-east", "revenue_cents": 5000}],
}


def client(url: str) -> ReportsClient:
    return ReportsClient(url, KEY, ISSUER, timeout=2)


def text(component) -> str:
    """All the text of a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        return "".join(text(c) for c in children)
    return text(children)


def test_callback_draws_the_report(orders_api):
    orders_api.report = REPORT
    app = create_app(client(orders_api.url), today=TODAY)
    orders, revenue, cancelled, message, daily, status, region = app.update("2026-03-01", "2026-03-31", None)
    assert (orders, revenue, cancelled) == ("6", "€180.00", "2")
    assert "2026-03-01 to 2026-03-31" in text(message)
    assert orders_api.requests[-1]["query"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert [t.name for t in daily.data] == ["eu-west", "us-east"]
    assert list(daily.data[0].y) == [123.0, 7.0]
    assert list(status.data[0].x) == ["pending", "confirmed", "shipped", "cancelled"]
    assert list(status.data[0].y) == [3, 0, 1, 2]
    assert list(region.data[0].y) == ["us-east", "eu-west"]  # largest at the top of a horizontal bar


def test_default_range_is_the_last_30_days(orders_api):
    app = create_app(client(orders_api.url), today=TODAY)
    app.update(None, None, 3)
    assert orders_api.requests[-1]["query"] == {"from": "2026-03-02", "to": "2026-03-31"}


def test_empty_range_shows_an_empty_state(orders_api):
    view = render(client(orders_api.url), "2026-01-01", "2026-01-31")
    assert (view.orders, view.revenue, view.cancelled) == ("0", "€0.00", "0")
    assert "No orders between 2026-01-01 and 2026-01-31" in text(view.message)
    for fig in (view.daily, view.status, view.region):
        assert not fig.data
        assert fig.layout.annotations[0].text.startswith("No ")


def test_only_cancelled_orders_draw_no_sales(orders_api):
    orders_api.report = {"daily": [], "by_status": [{"status": "cancelled", "count": 1}], "by_region": []}
    view = render(client(orders_api.url), "2026-03-01", "2026-03-31")
    assert (view.orders, view.cancelled, view.revenue) == ("1", "1", "€0.00")
    assert not view.daily.data
    assert list(view.status.data[0].y) == [0, 0, 0, 1]


def test_api_down_shows_a_message(closed_port_url):
    view = render(client(closed_port_url), "2026-03-01", "2026-03-31")
    assert "Cannot reach orders-api" in text(view.message)
    assert "retries on its own" in text(view.message)
    assert view.orders == "\u2013"


def test_api_5xx_is_down_too(orders_api):
    orders_api.status = 503
    view = render(client(orders_api.url), "2026-03-01", "2026-03-31")
    assert "Cannot reach orders-api" in text(view.message)
    assert "503" in text(view.message)


def test_api_refusal_is_shown(orders_api):
    orders_api.status = 422
    view = render(client(orders_api.url), "2026-03-01", "2026-03-31")
    assert "orders-api refused the report (422): stand-in failure" in text(view.message)


@pytest.mark.parametrize(
    ("start", "end", "want"),
    [
        ("2026-03-10", "2026-03-01", "start date is after the end date"),
        ("2024-01-01", "2026-03-01", "at most 366 days"),
        ("not-a-day", "2026-03-01", "Pick valid dates"),
    ],
)
def test_bad_ranges_ask_again_without_calling(orders_api, start, end, want):
    view = render(client(orders_api.url), start, end)
    assert want in text(view.message)
    assert orders_api.requests == []


def test_health_and_page(orders_api):
    app = create_app(client(orders_api.url), today=TODAY)
    web = app.server.test_client()
    res = web.get("/healthz")
    assert res.status_code == 200
    assert res.get_json() == {"status": "ok"}
    page = web.get("/")
    assert page.status_code == 200
    assert b"Sales dashboard" in page.data
    # Every script is served by the app itself: nothing from a CDN.
    assert b"unpkg.com" not in page.data
    assert b"cdn." not in page.data


def test_layout_has_the_range_filter_and_kpis(orders_api):
    app = create_app(client(orders_api.url), today=TODAY)
    ids = set()

    def walk(c):
        if getattr(c, "id", None):
            ids.add(c.id)
        ch = getattr(c, "children", None)
        for x in ch if isinstance(ch, list) else [ch]:
            if x is not None and not isinstance(x, str):
                walk(x)

    walk(app.layout)
    assert {"range", "kpi-orders", "kpi-revenue", "kpi-cancelled", "daily-sales", "orders-by-status", "revenue-by-region"} <= ids
