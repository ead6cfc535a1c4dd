"""Assets the DAGs produce and consume: shared so producer and consumer name the same thing."""

from airflow.sdk import Asset

# The daily sales export of scripts/sales-rollup: CSV and Parquet per day under
# this prefix of the "exports" blob store (an S3 bucket in the cloud, a folder
# locally). Each event's extra carries the day, the rows and the keys written.
SALES_EXPORT = Asset(
    name="daily_sales_export",
    uri="exports://sales-rollup/daily-sales/",
    group="exports",
)
