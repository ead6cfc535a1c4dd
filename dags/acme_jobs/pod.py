"""The Kubernetes side of acme_jobs: a job as a pod (imported only in cluster environments)."""

from __future__ import annotations

from typing import Any

from kubernetes.client import models as k8s

from acme_jobs import annotate
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator


class JobPodOperator(KubernetesPodOperator):
    """KubernetesPodOperator whose XCom (the job's summary) also annotates the task's asset events."""

    def execute(self, context: Any) -> Any:
        summary = super().execute(context)
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
