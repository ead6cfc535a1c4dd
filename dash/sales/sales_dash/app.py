"""The Dash app: layout, the callback that reloads the figures, /healthz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html
from flask import jsonify

from .api import ApiError, ApiUnavailable, Report

STATUSES = ["pending", "confirmed", "shipped", "cancelled"]
NO_VALUE = "\u2013"  # an en dash where a figure cannot be shown
DEFAULT_DAYS = 30
MAX_DAYS = 366
DAY_MS = 86_400_000


class Reports(Protocol):
    """What the app reads: the summary of a range (ReportsClient)."""

    def summary(self, start: date, end: date) -> Report: ...


@dataclass
class View:
    """Everything the callback returns, by output."""

    orders: str
    revenue: str
    cancelled: str
    message: Any
    daily: go.Figure
    status: go.Figure
    region: go.Figure

    def outputs(self) -> tuple[Any, ...]:
        return (self.orders, self.revenue, self.cancelled, self.message, self.daily, self.status, self.region)


def euros(cents: int | float) -> str:
    return f"€{cents / 100:,.2f}"


def empty_figure(title: str, text: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=title,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": text, "showarrow": False, "font": {"size": 15, "color": "#5b6678"}}],
        margin={"t": 48, "l": 24, "r": 24, "b": 24},
        height=320,
    )
    return fig


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, margin={"t": 48, "l": 56, "r": 24, "b": 40}, height=320, legend={"orientation": "h"})
    return fig


def parse_day(value: str | None, default: date) -> date:
    if not value:
        return default
    return date.fromisoformat(value[:10])


def render(reports: Reports, start_text: str | None, end_text: str | None, today: date | None = None) -> View:
    """Read the range's report and turn it into figures, an empty state or a message."""
    today = today or date.today()
    try:
        end = parse_day(end_text, today)
        start = parse_day(start_text, end - timedelta(days=DEFAULT_DAYS - 1))
    except ValueError:
        return _blank(html.Div("Pick valid dates (YYYY-MM-DD).", className="message warn"))
    if start > end:
        text = "The start date is after the end date: pick a start on or before the end."
        return _blank(html.Div(text, className="message warn"))
    if (end - start).days >= MAX_DAYS:
        return _blank(html.Div(f"Pick at most {MAX_DAYS} days.", className="message warn"))

    try:
        rep = reports.summary(start, end)
    except ApiUnavailable as e:
        return _blank(
            html.Div(
                [html.Strong("Cannot reach orders-api. "), html.Span(f"{e}. The dashboard retries on its own.")],
                className="message error",
                role="alert",
            )
        )
    except ApiError as e:
        return _blank(html.Div(str(e), className="message error", role="alert"))

    counts = {s["status"]: int(s.get("count", 0)) for s in rep.by_status}
    total_orders = sum(counts.values())
    revenue = sum(int(d.get("revenue_cents", 0)) for d in rep.daily)
    if rep.empty:
        text = f"No orders between {start.isoformat()} and {end.isoformat()}."
        return View(
            orders="0",
            revenue=euros(0),
            cancelled="0",
            message=html.Div(text + " Pick another range, or create orders in the console.", className="message info"),
            daily=empty_figure("Daily sales", "No sales in this range"),
            status=empty_figure("Orders by status", "No orders in this range"),
            region=empty_figure("Revenue by region", "No revenue in this range"),
        )

    daily = go.Figure()
    regions = sorted({d["region"] for d in rep.daily})
    for region in regions:
        rows = sorted((d for d in rep.daily if d["region"] == region), key=lambda d: d["day"])
        daily.add_bar(
            x=[d["day"] for d in rows],
            y=[d["revenue_cents"] / 100 for d in rows],
            name=region,
            customdata=[d["orders"] for d in rows],
            width=[DAY_MS * 0.8] * len(rows),  # a date axis gives a lone bar no width of its own
            hovertemplate="%{x}<br>%{y:,.2f} EUR<br>%{customdata} orders<extra>" + region + "</extra>",
        )
    if not rep.daily:
        daily = empty_figure("Daily sales", "No sales in this range (cancelled orders do not count)")
    else:
        # The whole chosen range on a day axis, so a quiet day shows as a gap.
        daily.update_layout(barmode="stack", yaxis_title="EUR")
        daily.update_xaxes(
            type="date",
            range=[f"{(start - timedelta(days=1)).isoformat()} 12:00", f"{end.isoformat()} 12:00"],
            tickformat="%d %b",
            hoverformat="%Y-%m-%d",
        )
        _layout(daily, "Daily sales (EUR, cancelled orders excluded)")

    status = go.Figure(
        go.Bar(
            x=STATUSES,
            y=[counts.get(s, 0) for s in STATUSES],
            text=[counts.get(s, 0) for s in STATUSES],
            textposition="auto",
            marker_color=["#e0a800", "#1f5fbf", "#1e7b34", "#b3261e"],
        )
    )
    _layout(status, "Orders by status")

    by_region = sorted(rep.by_region, key=lambda r: r["revenue_cents"])
    if by_region:
        region = go.Figure(
            go.Bar(
                x=[r["revenue_cents"] / 100 for r in by_region],
                y=[r["region"] for r in by_region],
                orientation="h",
                text=[euros(r["revenue_cents"]) for r in by_region],
                textposition="auto",
            )
        )
        _layout(region, "Revenue by region (EUR)")
    else:
        region = empty_figure("Revenue by region", "No revenue in this range")

    return View(
        orders=str(total_orders),
        revenue=euros(revenue),
        cancelled=str(counts.get("cancelled", 0)),
        message=html.Div(f"{start.isoformat()} to {end.isoformat()} (UTC)", className="message muted"),
        daily=daily,
        status=status,
        region=region,
    )


def _blank(message: Any) -> View:
    return View(
        orders=NO_VALUE,
        revenue=NO_VALUE,
        cancelled=NO_VALUE,
        message=message,
        daily=empty_figure("Daily sales", ""),
        status=empty_figure("Orders by status", ""),
        region=empty_figure("Revenue by region", ""),
    )


def _kpi(label: str, id_: str) -> html.Div:
    return html.Div([html.Div(label, className="kpi-label"), html.Div(NO_VALUE, id=id_, className="kpi-value")], className="kpi")


def create_app(reports: Reports, refresh_seconds: float = 60, today: date | None = None) -> Dash:
    """The dashboard over reports; the figures reload every refresh_seconds."""
    app = Dash(__name__, title="Sales dashboard", update_title=None, serve_locally=True)
    end = today or date.today()
    start = end - timedelta(days=DEFAULT_DAYS - 1)
    app.layout = html.Main(
        [
            html.Header(
                [
                    html.H1("Sales"),
                    html.Div(
                        [
                            html.Label("Days (UTC)", htmlFor="range"),
                            dcc.DatePickerRange(
                                id="range",
                                start_date=start.isoformat(),
                                end_date=end.isoformat(),
                                display_format="YYYY-MM-DD",
                                first_day_of_week=1,
                            ),
                        ],
                        className="range",
                    ),
                ]
            ),
            html.Div(id="message", className="message-slot"),
            html.Section(
                [_kpi("Orders", "kpi-orders"), _kpi("Revenue", "kpi-revenue"), _kpi("Cancelled", "kpi-cancelled")],
                className="kpis",
            ),
            dcc.Loading(
                html.Div(
                    [
                        dcc.Graph(id="daily-sales", className="wide", config={"displaylogo": False}),
                        dcc.Graph(id="orders-by-status", config={"displaylogo": False}),
                        dcc.Graph(id="revenue-by-region", config={"displaylogo": False}),
                    ],
                    className="charts",
                ),
                type="circle",
                delay_show=400,
            ),
            dcc.Interval(id="refresh", interval=int(refresh_seconds * 1000)),
        ]
    )

    @app.callback(
        Output("kpi-orders", "children"),
        Output("kpi-revenue", "children"),
        Output("kpi-cancelled", "children"),
        Output("message", "children"),
        Output("daily-sales", "figure"),
        Output("orders-by-status", "figure"),
        Output("revenue-by-region", "figure"),
        Input("range", "start_date"),
        Input("range", "end_date"),
        Input("refresh", "n_intervals"),
    )
    def update(start_date: str | None, end_date: str | None, _n: int | None) -> tuple[Any, ...]:
        return render(reports, start_date, end_date, today).outputs()

    app.update = update  # type: ignore[attr-defined]  # tests call the callback directly

    @app.server.get("/healthz")
    def healthz():  # the process answers; orders-api may still be down (shown on the page)
        return jsonify(status="ok")

    return app
