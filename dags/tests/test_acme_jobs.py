"""Unit tests of dags/acme_jobs (stdlib unittest, run in the Airflow venv by
build/internal/dagscmd's TestIntegrationHelperUnitTests):

    .mono/venvs/airflow/bin/python -m unittest discover -s dags/tests -t dags
"""

import os
import stat
import tempfile
import textwrap
import unittest
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from airflow.sdk.exceptions import AirflowException, AirflowFailException
from kubernetes.client import models as k8s

import acme_jobs
from acme_jobs import LocalJobOperator, Resources, job_task
from acme_jobs.assets import SALES_EXPORT
from acme_jobs.pod import JobPodOperator, exit_code


def fake_job(folder: Path, name: str, code: int, details: str = "{}") -> None:
    """A stand-in job binary: logs a line, writes its summary, exits with code."""
    script = folder / name
    script.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            for a in "$@"; do case "$a" in --summary-file=*) f="${{a#--summary-file=}}";; esac; done
            echo "working on $2 in ENV=$ENV"
            printf '{{"job": "{name}", "exit_code": {code}, "error": "boom {code}", "details": {details}}}' > "$f"
            exit {code}
            """
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


class Events(defaultdict):
    """Stands in for context["outlet_events"]: one object with an extra dict per asset."""

    def __init__(self):
        super().__init__(lambda: SimpleNamespace(extra={}))


class LocalJobOperatorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.bin = Path(self.tmp.name)
        self.addCleanup(self.tmp.cleanup)

    def run_job(self, code: int, details: str = "{}", outlets=()):
        fake_job(self.bin, "sales-rollup", code, details)
        op = LocalJobOperator(
            task_id="rollup",
            job="sales-rollup",
            arguments=["--date", "2026-03-01"],
            bin_dir=str(self.bin),
            outlets=list(outlets),
        )
        context = {"outlet_events": Events()}
        return op.execute(context), context

    def test_success_returns_the_summary_and_annotates_the_asset(self):
        summary, context = self.run_job(
            0, '{"day": "2026-03-01", "rows_written": 5, "other": 1}', [SALES_EXPORT]
        )
        self.assertEqual(summary["exit_code"], 0)
        self.assertEqual(
            context["outlet_events"][SALES_EXPORT].extra, {"day": "2026-03-01", "rows_written": 5}
        )

    def test_bad_input_is_not_retried(self):
        with self.assertRaises(AirflowFailException) as err:
            self.run_job(2)
        self.assertIn("bad input", str(err.exception))
        self.assertIn("boom 2", str(err.exception))

    def test_unavailable_and_failed_are_retried(self):
        for code, kind in ((3, "dependency unavailable"), (1, "failed")):
            with self.subTest(code=code), self.assertRaises(AirflowException) as err:
                self.run_job(code)
            self.assertNotIsInstance(err.exception, AirflowFailException)
            self.assertIn(kind, str(err.exception))

    def test_missing_binary_says_how_to_build_it(self):
        op = LocalJobOperator(task_id="t", job="nope", arguments=[], bin_dir=str(self.bin))
        with self.assertRaises(AirflowFailException) as err:
            op.execute({"outlet_events": Events()})
        self.assertIn("go build -o", str(err.exception))


class JobTaskTest(unittest.TestCase):
    def test_local_by_default(self):
        with mock.patch.dict(os.environ, {"ENV": ""}):
            op = job_task(job="sales-rollup", task_id="rollup", arguments=["--date", "x"])
        self.assertIsInstance(op, LocalJobOperator)

    def test_cluster_pod(self):
        env = {
            "ENV": "staging",
            "JOBS_IMAGE": "registry.example/acme/jobs@sha256:abc",
            "JOBS_NAMESPACE": "apps",
        }
        with mock.patch.dict(os.environ, env):
            op = job_task(
                job="sales-rollup",
                task_id="rollup",
                arguments=["--date", "x"],
                resources=Resources(cpu="250m", memory="300Mi"),
            )
        self.assertIsInstance(op, JobPodOperator)
        self.assertEqual(op.cmds, ["sales-rollup"])
        self.assertEqual(op.arguments, ["--date", "x", "--summary-file=/airflow/xcom/return.json"])
        self.assertEqual(op.service_account_name, "sales-rollup")
        self.assertEqual(op.namespace, "apps")
        self.assertEqual(op.image, env["JOBS_IMAGE"])
        self.assertEqual(op.container_resources.limits, {"memory": "300Mi"})
        self.assertTrue(op.do_xcom_push)

    def test_cluster_needs_an_image(self):
        with (
            mock.patch.dict(os.environ, {"ENV": "prod", "JOBS_IMAGE": ""}),
            self.assertRaisesRegex(ValueError, "JOBS_IMAGE is not set"),
        ):
            job_task(job="sales-rollup", task_id="rollup")

    def test_unknown_env(self):
        with mock.patch.dict(os.environ, {"ENV": "moon"}), self.assertRaisesRegex(ValueError, "ENV='moon'"):
            acme_jobs.environment()

    def test_deadline_only_in_the_cluster(self):
        from datetime import timedelta

        self.assertIsNone(acme_jobs.deadline("d", timedelta(hours=1), env="local"))
        self.assertIsNotNone(acme_jobs.deadline("d", timedelta(hours=1), env="prod"))


class ExitCodeTest(unittest.TestCase):
    def pod(self, code):
        term = k8s.V1ContainerStateTerminated(exit_code=code)
        status = k8s.V1ContainerStatus(
            name="base",
            image="i",
            image_id="",
            ready=False,
            restart_count=0,
            state=k8s.V1ContainerState(terminated=term),
        )
        return k8s.V1Pod(status=k8s.V1PodStatus(container_statuses=[status]))

    def test_exit_code(self):
        self.assertEqual(exit_code(self.pod(2), "base"), 2)
        self.assertIsNone(exit_code(self.pod(2), "other"))
        self.assertIsNone(exit_code(None, "base"))


if __name__ == "__main__":
    unittest.main()
