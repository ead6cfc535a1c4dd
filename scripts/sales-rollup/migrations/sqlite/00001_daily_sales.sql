-- Daily sales of scripts/sales-rollup: one row per day and region, rebuilt
-- by the job (a rerun of a day replaces that day's rows). The orders it is
-- computed from belong to services/orders-api. Money is in integer cents;
-- days are 2006-01-02 text, times RFC 3339 text in UTC.
-- +goose Up
CREATE TABLE daily_sales (
    day            TEXT NOT NULL CHECK (length(day) = 10),
    region         TEXT NOT NULL,
    orders         INTEGER NOT NULL CHECK (orders >= 0),
    revenue_cents  INTEGER NOT NULL CHECK (revenue_cents >= 0),
    computed_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (day, region)
);

-- +goose Down
DROP TABLE daily_sales;
