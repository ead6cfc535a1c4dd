"""Import every DAG of a folder with Airflow's own DagBag and report the facts as JSON.

Run by `mono dags validate` inside the Airflow venv (one process per environment
variant, ENV set by the caller). It decides nothing: mono applies the rules to
what this writes. Usage: python validate.py DAGS_FOLDER REPORT_JSON (Airflow
logs to stdout, so the report goes to a file).
"""

import json
import re
import sys
import time
from pathlib import Path

FRAME = re.compile(r'File "([^"]+)", line (\d+)')
DEPENDENCY = re.compile(r">>|<<|set_downstream|set_upstream|chain\(")
FAULTY = re.compile(r"Faulty task: (\S+)")


def locate(folder: Path, rel: str, message: str) -> tuple[str, int]:
    """The file and line an import error points at inside the DAG folder."""
    best = (rel, 0)
    for path, line in FRAME.findall(message):
        p = Path(path)
        try:
            best = (p.resolve().relative_to(folder).as_posix(), int(line))
        except ValueError:
            continue
    if best[1] == 0 and "Cycle detected" in message:
        best = (rel, cycle_line(folder / rel, message))
    return best


def cycle_line(path: Path, message: str) -> int:
    """Where a cycle is closed: the last dependency line naming the faulty task,
    else the last dependency line of the file, else 1."""
    m = FAULTY.search(message)
    task_id = m.group(1).rstrip(".") if m else ""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return 1
    deps = [i + 1 for i, text in enumerate(lines) if DEPENDENCY.search(text)]
    named = [n for n in deps if task_id and task_id in lines[n - 1]]
    if named:
        return named[-1]
    return deps[-1] if deps else 1


def job_of(task) -> str:
    """The scripts/ job a task runs (acme_jobs operators), or ""."""
    job = getattr(task, "job", None)
    if isinstance(job, str):
        return job
    if type(task).__name__ == "JobPodOperator":
        cmds = getattr(task, "cmds", None) or []
        return cmds[0] if cmds else ""
    return ""


def main() -> int:
    folder = Path(sys.argv[1]).resolve()
    started = time.monotonic()
    from airflow.dag_processing.dagbag import BundleDagBag

    import_seconds = time.monotonic() - started
    # The first fill pays the one-time imports of whatever the DAG files use
    # (providers, operators) and charges them to the first file that imports
    # them; the second fill times each file's own top level, which is what
    # the parse budget is about.
    BundleDagBag(dag_folder=str(folder), bundle_path=folder, bundle_name="dags")
    bag = BundleDagBag(dag_folder=str(folder), bundle_path=folder, bundle_name="dags")
    out = {"airflow_import_seconds": import_seconds, "files": [], "dags": [], "errors": []}
    for stat in bag.dagbag_stats:
        out["files"].append(
            {
                "file": stat.file,
                "seconds": stat.duration.total_seconds(),
                "dags": stat.dag_num,
                "tasks": stat.task_num,
            }
        )
    for rel, message in sorted(bag.import_errors.items()):
        rel_path = Path(rel)
        if rel_path.is_absolute():
            try:
                rel = rel_path.resolve().relative_to(folder).as_posix()
            except ValueError:
                pass
        file, line = locate(folder, rel, message)
        last = [ln for ln in message.strip().splitlines() if ln.strip()]
        out["errors"].append(
            {"file": file, "line": line, "message": last[-1] if last else message, "detail": message}
        )
    for dag_id, dag in sorted(bag.dags.items()):
        try:
            rel = Path(dag.fileloc).resolve().relative_to(folder).as_posix()
        except ValueError:
            rel = dag.fileloc
        out["dags"].append(
            {
                "dag_id": dag_id,
                "file": rel,
                "default_args": sorted((dag.default_args or {}).keys()),
                "tags": sorted(dag.tags or []),
                "catchup": bool(dag.catchup),
                "deadline": bool(getattr(dag, "deadline", None)),
                "tasks": len(dag.tasks),
                "jobs": sorted({j for j in (job_of(t) for t in dag.tasks) if j}),
                "execution_timeouts": all(t.execution_timeout is not None for t in dag.tasks),
            }
        )
    Path(sys.argv[2]).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())  # a crash prints its traceback, which mono shows
