-- Daily sales of scripts/sales-rollup: one row per day and region, rebuilt
-- by the job (a rerun of a day replaces that day's rows). The orders it is
-- computed from belong to services/orders-api. Money is in integer cents.
-- +goose Up
CREATE TABLE daily_sales (
    day            DATE NOT NULL,
    region         TEXT NOT NULL,
    orders         BIGINT NOT NULL CHECK (orders >= 0),
    revenue_cents  BIGINT NOT NULL CHECK (revenue_cents >= 0),
    computed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (day, region)
);

-- +goose Down
DROP TABLE daily_sales;
