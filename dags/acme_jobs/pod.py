"""The Kubernetes side of acme_jobs: a job as a pod (imported only in cluster environments)."""

from __future__ import annotations

from typing import Any

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from kubernetes.client import models as k8s

from acme_jobs import EXIT_BAD_INPUT, annotate


def exit_code(remote_pod: Any, container: str) -> int | None:
    """The exit code of ``container`` in a finished pod, or None."""
    statuses = (remote_pod.status.container_statuses if remote_pod and remote_pod.status else None) or []
    for st in statuses:
        if st.name == container and st.state and st.state.terminated:
            return st.state.terminated.exit_code
    return None


class JobPodOperator(KubernetesPodOperator):
    """KubernetesPodOperator for a job: its XCom (the job's summary) annotates the task's
    asset events, and a job that exits 2 (bad input) fails the task without retries."""

    def execute(self, context: Any) -> Any:
        try:
            summary = super().execute(context)
        except AirflowException as err:
            if exit_code(getattr(self, "remote_pod", None), self.base_container_name) == EXIT_BAD_INPUT:
                raise AirflowFailException(
                    f"{self.name} exited {EXIT_BAD_INPUT} (bad input, not retried)"
                ) from err
            raise
        annotate(context, self.outlets, summary if isinstance(summary, dict) else None)
        return summary


def job_pod(
    *,
    job: str,
    image: str,
    namespace: str,
    arguments: list[str],
    env: str,
    cpu: str,
    memory: str,
    service_account: str,
    **kwargs: Any,
) -> JobPodOperator:
    """A pod running ``job`` from the jobs image as its own service account."""
    return JobPodOperator(
        name=job,
        namespace=namespace,
        image=image,
        cmds=[job],
        arguments=arguments,
        env_vars={"ENV": env},
        service_account_name=service_account,
        labels={"app.kubernetes.io/name": job, "app.kubernetes.io/part-of": "acme", "acme.io/kind": "job"},
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": cpu, "memory": memory},
            limits={"memory": memory},
        ),
        container_security_context=k8s.V1SecurityContext(
            run_as_non_root=True,
            allow_privilege_escalation=False,
            read_only_root_filesystem=True,
            capabilities=k8s.V1Capabilities(drop=["ALL"]),
        ),
        do_xcom_push=True,
        get_logs=True,
        on_finish_action="delete_succeeded_pod",
        startup_timeout_seconds=300,
        **kwargs,
    )
