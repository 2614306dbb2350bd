"""Where a sweep's runs execute: on a Dask distributed cluster, an existing one (``--scheduler``)
or a local one of worker processes. Each run executes in a scratch folder of its worker and is
sent back whole, so the client keeps it whether or not the workers share its disk.
"""

from __future__ import annotations

import importlib.util
import logging
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from importlib.machinery import ModuleSpec
from pathlib import Path

import dask
from distributed import Client, LocalCluster, as_completed

from simtools import run
from simtools.records import RunResult

LOCAL_CONFIG = {
    # A run takes seconds to hours: when Dask queues a sweep's runs on the scheduler (more runs
    # than twice the worker threads), a worker holds only the run it executes, none in reserve.
    "distributed.scheduler.worker-saturation": 1.0,
    # A busy machine can starve a worker's heartbeat for minutes; restarting it would kill its run.
    # A worker that dies is noticed all the same: its connection closes.
    "distributed.scheduler.worker-ttl": None,
}
Files = dict[str, bytes]  # a run folder's files by relative path
TOOLING = "simtools.executor"  # what the scheduler and workers import to unpickle a run


def execute_run(
    notebook_name: str, notebook_text: str, folder: str, parameters: dict
) -> tuple[RunResult, Files]:
    """Execute one run (on a worker) in a fresh scratch folder; return its result, its output
    relative to the sweep's folder, and every file it wrote there."""
    with tempfile.TemporaryDirectory(prefix="simtools-run-") as scratch:
        source = Path(scratch) / notebook_name
        source.write_text(notebook_text, encoding="utf-8")
        run_dir = Path(scratch) / folder
        result = run.execute(source, run_dir, parameters, progress_bar=False)
        files = {
            path.relative_to(run_dir).as_posix(): path.read_bytes()
            for path in sorted(run_dir.rglob("*"))
            if path.is_file()
        }
    return replace(result, notebook=folder, output=Path(folder) / notebook_name), files


@contextmanager
def connect(scheduler: str | None, jobs: int) -> Iterator[Client]:
    """A client of the Dask scheduler at ``scheduler``, or of a local cluster of ``jobs`` worker
    processes (one run at a time each) that closes with it.
    """
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as error:
            raise ValueError(
                f"scheduler={scheduler!r}: no Dask scheduler answered ({error}); "
                "start one with `dask scheduler` and give the address it prints"
            ) from None
        with client:
            yield client
        return
    # Spawned worker processes inherit this process's sys.path, so they import simtools too.
    with (
        dask.config.set(LOCAL_CONFIG),
        LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: 8787 may be taken
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def check_cluster(client: Client, resources: dict[str, float]) -> None:
    """Refuse a cluster with no workers, a scheduler or workers that cannot import this tooling
    (they unpickle its runs), or ``resources`` that no worker declares (runs would wait forever)."""
    try:
        found = {"the scheduler": client.run_on_scheduler(importlib.util.find_spec, TOOLING)}
    except ImportError as error:
        found = {"the scheduler": error}
    found |= client.run(importlib.util.find_spec, TOOLING, on_error="return")
    lacking = [name for name, spec in found.items() if not isinstance(spec, ModuleSpec)]
    if lacking or len(found) == 1:
        problem = f": {', '.join(lacking)} cannot import simtools" if lacking else " has no workers"
        raise ValueError(
            f"scheduler={client.scheduler.address!r}{problem}; start the scheduler and the workers "
            "from a checkout (the tooling is not installed): `PYTHONPATH=/path/to/checkout dask "
            "scheduler` and `PYTHONPATH=/path/to/checkout dask worker ADDRESS --nthreads 1`"
        )
    workers = client.scheduler_info()["workers"].values()
    if resources and not any(
        all(worker.get("resources", {}).get(k, 0) >= v for k, v in resources.items())
        for worker in workers
    ):
        wanted = ",".join(f"{k}={v:g}" for k, v in resources.items())
        raise ValueError(
            f"resources={wanted} is invalid for this cluster: none of its {len(workers)} workers "
            f"declares it; start them with `dask worker ADDRESS --resources {wanted}`"
        )


def run_all(
    client: Client,
    notebook: Path,
    runs: dict[str, dict],
    resources: dict[str, float] | None = None,
) -> Iterator[tuple[RunResult, Files]]:
    """Submit every run (folder name -> parameters) and yield each one's result and files as it
    ends; a run whose worker died or raised comes back with the reason as its error.
    """
    text = notebook.read_text(encoding="utf-8")
    futures = {
        client.submit(
            execute_run,
            notebook.name,
            text,
            folder,
            parameters,
            key=f"sweep-{notebook.stem}-{folder}-{uuid.uuid4().hex[:8]}",  # one task group
            resources=resources or None,
            pure=False,
        ): folder
        for folder, parameters in runs.items()
    }
    for future in as_completed(futures):
        try:
            result, files = future.result()
        except Exception as failure:  # the run's own errors come back as results, not raised
            folder = futures[future]
            error = f"{type(failure).__name__}: {' '.join(str(failure).split())}"
            output = Path(folder) / notebook.name
            result, files = RunResult(folder, output, 0.0, error=error, parameters=runs[folder]), {}
        future.release()
        yield result, files
