"""sales_exports: runs whenever a new daily sales export is published.

Scheduled on the SALES_EXPORT Asset that daily_sales emits: it logs what arrived
(the day, rows and keys the rollup put on the asset event) and prunes exports
older than the retention with scripts/exports-cleanup.
"""

from datetime import datetime, timedelta

from airflow.sdk import dag, task

from acme_jobs import Resources, job_task
from acme_jobs.assets import SALES_EXPORT

RETENTION_DAYS = 400


@dag(
    dag_id="sales_exports",
    schedule=[SALES_EXPORT],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["sales", "exports", "team-data"],
    default_args={
        "owner": "team-data",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=15),
    },
    doc_md=__doc__,
)
def sales_exports():
    @task
    def received(**context) -> list[dict]:
        """Log and return the export events that triggered this run."""
        events = context["triggering_asset_events"].get(SALES_EXPORT, [])
        out = []
        for ev in events:
            info = {"source": f"{ev.source_dag_id}/{ev.source_run_id}", **(ev.extra or {})}
            print(f"export published: {info}")
            out.append(info)
        return out

    cleanup = job_task(
        job="exports-cleanup",
        task_id="cleanup",
        arguments=["--older-than-days", str(RETENTION_DAYS), "--prefix", "sales-rollup/daily-sales/"],
        resources=Resources(cpu="100m", memory="128Mi"),
    )
    received() >> cleanup


sales_exports()
