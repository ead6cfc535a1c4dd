"""How a Go job of scripts/ runs as an Airflow task, per environment.

``job_task()`` is the one place that decides it, from ``ENV`` (the same variable
the Go programs read; unset means ``local``):

* ``dev``, ``staging``, ``prod``: a KubernetesPodOperator. The pod runs the jobs
  image (``JOBS_IMAGE``, every job binary on its PATH under the job's name) in the
  programs' namespace (``JOBS_NAMESPACE``, default ``apps``) as the job's own
  service account (its Pod Identity reaches the database, secrets and buckets),
  with the job's resources and ``ENV`` set. The job writes its summary to
  ``/airflow/xcom/return.json``, which becomes the task's XCom.
* ``local``: a LocalJobOperator. It runs the binary that ``mono dags test`` (or
  ``mono dev --with airflow``) built into ``JOBS_BIN_DIR`` (default
  ``<repo>/.mono/dags/bin``) as a subprocess in the repository root, with
  ``ENV=local``, streams its log into the task log and returns its summary.

Either way the task's XCom is the job's summary (``libs/batch`` Summary), and the
job's exit code decides what Airflow does: 0 success; 2 (bad input) fails the task
at once, without retries; 1 and 3 fail the try and leave the retries to Airflow.
See docs/jobs-and-dags.md.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

LOCAL = "local"
CLUSTER_ENVS = ("dev", "staging", "prod")

# Exit codes of the jobs (libs/batch).
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNAVAILABLE = 0, 1, 2, 3

# Where KubernetesPodOperator reads a pod's XCom from.
XCOM_FILE = "/airflow/xcom/return.json"

REPO_ROOT = Path(__file__).resolve().parents[2]


def environment() -> str:
    """The environment the DAGs are parsed and run in (ENV, default local)."""
    env = os.environ.get("ENV", "").strip() or LOCAL
    if env != LOCAL and env not in CLUSTER_ENVS:
        raise ValueError(f"ENV={env!r}: expected one of {', '.join((LOCAL, *CLUSTER_ENVS))}")
    return env


@dataclasses.dataclass(frozen=True)
class Resources:
    """CPU and memory of a job's pod (requests; the memory is also the limit)."""

    cpu: str = "100m"
    memory: str = "256Mi"


def job_task(
    *,
    job: str,
    task_id: str,
    arguments: Sequence[str] = (),
    resources: Resources = Resources(),
    service_account: str | None = None,
    outlets: Sequence[Any] = (),
    execution_timeout: timedelta | None = None,
    env: str | None = None,
    **kwargs: Any,
) -> BaseOperator:
    """Return the operator that runs ``job`` (a folder of scripts/) for the environment.

    ``arguments`` are templated. ``service_account`` defaults to the job's name.
    Further keyword arguments go to the operator (retries, doc_md, ...).
    """
    env = env or environment()
    common: dict[str, Any] = dict(task_id=task_id, outlets=list(outlets), **kwargs)
    if execution_timeout is not None:
        common["execution_timeout"] = execution_timeout
    if env == LOCAL:
        return LocalJobOperator(job=job, arguments=list(arguments), **common)
    return _pod_operator(job, list(arguments), resources, service_account or job, env, common)


def annotate(context: Any, outlets: Sequence[Any], summary: dict | None) -> None:
    """Put the job's summary details on the asset events the task emits."""
    if not summary or not outlets:
        return
    details = summary.get("details") or {}
    extra = {k: details[k] for k in ("day", "rows_written", "exports", "export_store") if k in details}
    for outlet in outlets:
        context["outlet_events"][outlet].extra.update(extra)


class LocalJobOperator(BaseOperator):
    """Run a job's built binary as a subprocess (ENV=local)."""

    template_fields = ("arguments",)
    ui_color = "#d6eaf8"

    def __init__(self, *, job: str, arguments: list[str], bin_dir: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.job = job
        self.arguments = arguments
        self.bin_dir = bin_dir

    def execute(self, context: Any) -> dict | None:
        bin_dir = Path(self.bin_dir or os.environ.get("JOBS_BIN_DIR") or REPO_ROOT / ".mono" / "dags" / "bin")
        binary = bin_dir / self.job
        if not binary.is_file():
            raise AirflowFailException(
                f"{binary} does not exist: build it with `go build -o {binary} ./scripts/{self.job}` "
                "(mono dags test builds every job)"
            )
        environ = {**os.environ, "ENV": LOCAL}
        environ.setdefault("CONFIG_DIR", str(REPO_ROOT / "config"))
        with tempfile.TemporaryDirectory(prefix=f"{self.job}-") as tmp:
            summary_file = Path(tmp) / "summary.json"
            cmd = [str(binary), *self.arguments, f"--summary-file={summary_file}"]
            self.log.info("running %s", " ".join(cmd))
            with subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            ) as proc:
                try:
                    assert proc.stdout is not None
                    for line in proc.stdout:
                        self.log.info("%s | %s", self.job, line.rstrip("\n"))
                    code = proc.wait()
                finally:
                    _stop(proc)
            summary = json.loads(summary_file.read_text()) if summary_file.is_file() else None
        return self._outcome(context, code, summary)

    def _outcome(self, context: Any, code: int, summary: dict | None) -> dict | None:
        error = (summary or {}).get("error") or "see the log above"
        if code == EXIT_OK:
            annotate(context, self.outlets, summary)
            return summary
        if code == EXIT_BAD_INPUT:
            raise AirflowFailException(f"{self.job} exited {code} (bad input, not retried): {error}")
        kind = "dependency unavailable" if code == EXIT_UNAVAILABLE else "failed"
        raise AirflowException(f"{self.job} exited {code} ({kind}): {error}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the job if the task is cut short (execution_timeout, a kill)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _pod_operator(
    job: str, arguments: list[str], resources: Resources, service_account: str, env: str, common: dict
) -> BaseOperator:
    # Imported here so that local runs do not load the Kubernetes client.
    from acme_jobs.pod import job_pod

    image = os.environ.get("JOBS_IMAGE", "").strip()
    if not image:
        raise ValueError(f"JOBS_IMAGE is not set: the Airflow deployment of {env} must name the jobs image")
    return job_pod(
        job=job,
        image=image,
        namespace=os.environ.get("JOBS_NAMESPACE", "apps"),
        arguments=[*arguments, f"--summary-file={XCOM_FILE}"],
        env=env,
        cpu=resources.cpu,
        memory=resources.memory,
        service_account=service_account,
        **common,
    )


async def deadline_missed(dag_id: str, **context: Any) -> None:
    """Deadline alert callback (runs in the triggerer): log an error that alerting picks up."""
    import logging

    logging.getLogger("acme_jobs.deadline").error(
        "deadline missed: DAG %s has not finished in time; check its run in the Airflow UI", dag_id
    )


def deadline(dag_id: str, within: timedelta, env: str | None = None) -> Any:
    """A deadline alert for a DAG run queued more than ``within`` ago.

    None on an Airflow without deadline alerts (they arrived in 3.1), and in
    ``local``: ``airflow dags test`` of Airflow 3.3.2 fails when it finishes a run
    of a DAG with a deadline (DagRun.update_state looks the alert up by an id the
    unserialized DAG does not have); the scheduler of the cluster is not affected.
    """
    if (env or environment()) == LOCAL:
        return None
    try:
        from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference
    except ImportError:
        return None
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=within,
        callback=AsyncCallback(deadline_missed, kwargs={"dag_id": dag_id}),
    )
