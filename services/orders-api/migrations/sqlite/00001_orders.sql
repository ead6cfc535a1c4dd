-- Orders of services/orders-api (see libs/business/orders): one row per
-- order, its lines in order_items. Money is in integer cents; times are
-- RFC 3339 text in UTC.
-- +goose Up
CREATE TABLE orders (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL,
    region           TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'shipped', 'cancelled')),
    subtotal_cents   INTEGER NOT NULL CHECK (subtotal_cents >= 0),
    discount_cents   INTEGER NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
    tax_cents        INTEGER NOT NULL DEFAULT 0 CHECK (tax_cents >= 0),
    total_cents      INTEGER NOT NULL CHECK (total_cents >= 0),
    idempotency_key  TEXT UNIQUE,
    fingerprint      TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX orders_created_id ON orders (created_at DESC, id DESC);
CREATE INDEX orders_customer_created ON orders (customer_id, created_at DESC);
CREATE INDEX orders_status_created ON orders (status, created_at DESC);

CREATE TABLE order_items (
    order_id          TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line              INTEGER NOT NULL,
    sku               TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents  INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (order_id, line)
);

-- +goose Down
DROP TABLE order_items;
DROP TABLE orders;
