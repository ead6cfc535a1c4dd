"""The FastAPI peer of orders-api for bench/api.

It serves the two benchmarked operations the way a FastAPI service would:
pydantic models that validate the body and forbid unknown fields, a bearer
HS256 JWT checked per request with roles (PyJWT), asyncpg on the same
PostgreSQL tables, prices from the pricing service (Connect's JSON protocol
over httpx), uvicorn with uvloop and httptools.

Environment: DATABASE_URL, PRICING_URL, JWT_KEY, JWT_ISSUER, POOL_SIZE.
"""

import os
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import asyncpg
import httpx
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Path
from fastapi.responses import ORJSONResponse
from pydantic import BaseModel, ConfigDict, Field

KEY = os.environ["JWT_KEY"]
ISSUER = os.environ.get("JWT_ISSUER", "acme-orders")
PRICING = os.environ["PRICING_URL"].rstrip("/") + "/acme.pricing.v1.PricingService/Quote"

state = {}


@asynccontextmanager
async def lifespan(_app):
    size = int(os.environ.get("POOL_SIZE", "8"))
    state["pool"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=size, max_size=size)
    state["http"] = httpx.AsyncClient(timeout=2.0)
    yield
    await state["http"].aclose()
    await state["pool"].close()


app = FastAPI(title="Orders API (FastAPI peer)", lifespan=lifespan, default_response_class=ORJSONResponse)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(pattern=r"^[A-Z0-9-]{1,32}$")
    quantity: int = Field(ge=1, le=1000)
    unit_price_cents: int = Field(ge=0, le=10_000_000)


class NewOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    region: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$")
    items: list[Item] = Field(min_length=1, max_length=50)


class Order(BaseModel):
    id: str
    customer_id: str
    region: str
    items: list[Item]
    status: str
    subtotal_cents: int
    discount_cents: int
    tax_cents: int
    total_cents: int
    created_at: datetime
    updated_at: datetime


def principal(role):
    def check(authorization: str | None = Header(default=None)):
        if not authorization or not authorization.lower().startswith("bearer "):
            raise HTTPException(401, "no bearer token", headers={"WWW-Authenticate": "Bearer"})
        try:
            claims = jwt.decode(authorization[7:], KEY, algorithms=["HS256"], issuer=ISSUER,
                                options={"require": ["exp", "sub"]}, leeway=30)
        except jwt.PyJWTError as e:
            raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"}) from e
        roles = claims.get("roles") or []
        if role not in roles and not (role == "viewer" and "editor" in roles):
            raise HTTPException(403, f"this call needs the {role} role")
        return claims["sub"]
    return check


GET_SQL = """SELECT o.id, o.customer_id, o.region, o.status, o.subtotal_cents, o.discount_cents, o.tax_cents,
o.total_cents, o.created_at, o.updated_at, i.sku, i.quantity, i.unit_price_cents
FROM orders o LEFT JOIN order_items i ON i.order_id = o.id WHERE o.id = $1 ORDER BY i.line"""


@app.get("/orders/{order_id}", response_model=Order)
async def get_order(order_id: str = Path(min_length=1, max_length=64), _=Depends(principal("viewer"))):
    rows = await state["pool"].fetch(GET_SQL, order_id)
    if not rows:
        raise HTTPException(404, "no such order")
    r = rows[0]
    items = [Item(sku=x["sku"], quantity=x["quantity"], unit_price_cents=x["unit_price_cents"]) for x in rows if x["sku"]]
    return Order(id=r["id"], customer_id=r["customer_id"], region=r["region"], items=items, status=r["status"],
                 subtotal_cents=r["subtotal_cents"], discount_cents=r["discount_cents"], tax_cents=r["tax_cents"],
                 total_cents=r["total_cents"], created_at=r["created_at"], updated_at=r["updated_at"])


@app.post("/orders", status_code=201, response_model=Order)
async def create_order(o: NewOrder, idempotency_key: str | None = Header(default=None, max_length=128),
                       _=Depends(principal("editor"))):
    res = await state["http"].post(PRICING, json={
        "region": o.region,
        "lines": [{"sku": i.sku, "quantity": i.quantity, "unitPriceCents": i.unit_price_cents} for i in o.items],
    })
    if res.status_code == 400:
        raise HTTPException(422, "the order is invalid")
    if res.status_code != 200:
        raise HTTPException(503, "pricing unavailable")
    q = res.json()
    quote = {k: int(q.get(k, 0)) for k in ("subtotalCents", "discountCents", "taxCents", "totalCents")}
    now = datetime.now(timezone.utc)
    oid = str(uuid.uuid4())
    async with state["pool"].acquire() as c:
        async with c.transaction():
            await c.execute(
                "INSERT INTO orders (id, customer_id, region, status, subtotal_cents, discount_cents, tax_cents, total_cents,"
                " idempotency_key, fingerprint, created_at, updated_at) VALUES ($1,$2,$3,'pending',$4,$5,$6,$7,$8,'',$9,$9)",
                oid, o.customer_id, o.region, quote["subtotalCents"], quote["discountCents"], quote["taxCents"],
                quote["totalCents"], idempotency_key, now)
            await c.executemany(
                "INSERT INTO order_items (order_id, line, sku, quantity, unit_price_cents) VALUES ($1,$2,$3,$4,$5)",
                [(oid, n, i.sku, i.quantity, i.unit_price_cents) for n, i in enumerate(o.items)])
    return Order(id=oid, customer_id=o.customer_id, region=o.region, items=o.items, status="pending",
                 subtotal_cents=quote["subtotalCents"], discount_cents=quote["discountCents"], tax_cents=quote["taxCents"],
                 total_cents=quote["totalCents"], created_at=now, updated_at=now)


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}
