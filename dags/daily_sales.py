"""daily_sales: roll up yesterday's orders into daily_sales and publish the export.

Runs scripts/sales-rollup once a day, after midnight UTC, for the day before the
run's logical date (or the day given as the ``day`` parameter when triggered by
hand). The job is idempotent, so a retry or a rerun of a day replaces that day.
The export is the Asset SALES_EXPORT; dags/sales_exports.py runs when it changes.
"""

from datetime import datetime, timedelta

from airflow.sdk import Param, dag

from acme_jobs import Resources, deadline, job_task
from acme_jobs.assets import SALES_EXPORT

DAG_ID = "daily_sales"


@dag(
    dag_id=DAG_ID,
    schedule="30 1 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    deadline=deadline(DAG_ID, within=timedelta(hours=1)),
    tags=["sales", "team-data"],
    params={
        "day": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Day to roll up (YYYY-MM-DD); empty means the day before the logical date.",
        ),
    },
    default_args={
        "owner": "team-data",
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(minutes=30),
    },
    doc_md=__doc__,
)
def daily_sales():
    job_task(
        job="sales-rollup",
        task_id="rollup",
        arguments=["--date", "{{ params.day or macros.ds_add(ds, -1) }}"],
        resources=Resources(cpu="250m", memory="256Mi"),
        outlets=[SALES_EXPORT],
        execution_timeout=timedelta(minutes=20),
        doc_md="Aggregates the day's orders into daily_sales and writes the CSV and Parquet exports.",
    )


daily_sales()
