"""Sweeps on an existing Dask cluster: `dask scheduler` and `dask worker` processes started as the
README says, with the checkout on their PYTHONPATH (the tooling is not installed). The same
results as the local path, a run that raises, a worker killed mid-sweep (its run ends with it), a
rerun of only what is missing, clusters that cannot run the tooling; notebook 02 through it."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from distributed import Client
from test_sweep import SWEEP_DIR, install_probe, read_rows

from simtools.executor import LOCAL_CONFIG
from simtools.records import RECORD
from simtools.sweep import sweep

ROOT = Path(__file__).resolve().parents[1]
DASK = str(Path(sys.executable).with_name("dask"))
FAILED = "failed: cell 3: ValueError: x=3 is not allowed"
GPU = {"GPU": 1.0}
# The local cluster's scheduler settings, and no retry of a run whose worker died on another
# (Dask's default: 3 times), so that the kill test sees it fail; as DASK_* variables.
SCHEDULER_CONFIG = {**LOCAL_CONFIG, "distributed.scheduler.allowed-failures": 0}


def dask_variable(key: str, value: object) -> tuple[str, str]:
    """Dask's environment variable for the configuration ``key`` (``a.b-c`` is ``DASK_A__B_C``)."""
    return "DASK_" + key.upper().replace(".", "__").replace("-", "_"), repr(value)


@contextmanager
def dask_cluster(folder: Path, workers: int, pythonpath: str | None) -> Iterator[str]:
    """A `dask scheduler` and ``workers`` `dask worker` processes (one thread and one "GPU" each)
    started in ``folder`` with ``pythonpath`` as their PYTHONPATH (none when None); yields the
    scheduler's address."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment.update({"PYTHONPATH": pythonpath} if pythonpath else {})
    environment.update(dask_variable(key, value) for key, value in SCHEDULER_CONFIG.items())
    scheduler_file = folder / "scheduler.json"
    connect = ["--scheduler-file", scheduler_file, "--no-dashboard"]
    scheduler = [DASK, "scheduler", *connect, "--port", "0"]
    worker = [DASK, "worker", *connect, "--nthreads", "1", "--resources", "GPU=1"]
    started = [subprocess.Popen(scheduler, cwd=folder, env=environment)]
    started += [subprocess.Popen(worker, cwd=folder, env=environment) for _ in range(workers)]
    try:
        wait_for(scheduler_file.exists, "the scheduler to start", 120)
        with Client(scheduler_file=str(scheduler_file), timeout="120s") as client:
            if workers:
                client.wait_for_workers(workers, timeout=300)
            yield client.scheduler.address
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=60)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """The address of a scheduler with two workers that run the checkout's tooling."""
    with dask_cluster(tmp_path_factory.mktemp("dask"), 2, str(ROOT)) as address:
        yield address


def wait_for(condition, what: str, limit: float = 600) -> None:
    """Poll ``condition`` until it holds; fail after ``limit`` seconds (a hang, not a timing)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what} after {limit} s"
        time.sleep(0.2)


def without_seconds(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def running(process: psutil.Process) -> bool:
    """Whether ``process`` still runs (a zombie waiting for its parent to reap it does not)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_cluster_results_equal_the_local_ones(cluster, tmp_path, monkeypatch):
    install_probe(tmp_path, monkeypatch)
    axes = {"x": [1, 2, 3], "scale": [0.5]}
    sweep("09", axes, jobs=2, build_dir=tmp_path / "local")
    results = sweep("09", axes, build_dir=tmp_path / "cluster", scheduler=cluster, resources=GPU)
    local, remote = tmp_path / "local" / SWEEP_DIR, tmp_path / "cluster" / SWEEP_DIR
    assert [r.output for r in results] == [remote / r.notebook / "09_probe.ipynb" for r in results]
    rows = without_seconds(read_rows(remote))
    assert rows == without_seconds(read_rows(local))
    assert [(r["x"], r["status"], r["score"]) for r in rows] == [
        ("1", "ok", "0.5"),
        ("2", "ok", "1.0"),
        ("3", FAILED, ""),
    ]
    for name in ("x=1,scale=0.5", "x=2,scale=0.5", "x=3,scale=0.5"):
        mine, theirs = (json.loads((f / name / RECORD).read_text()) for f in (local, remote))
        assert {**mine, "seconds": 0} == {**theirs, "seconds": 0}
    mine, theirs = (sorted(p.relative_to(f) for p in f.rglob("*")) for f in (local, remote))
    assert mine == theirs
    assert (remote / "x=2,scale=0.5" / "artifacts" / "x=2,scale=0.5.json").is_file()


def test_resources_no_worker_declares_are_refused_before_running(cluster, tmp_path, monkeypatch):
    install_probe(tmp_path, monkeypatch)
    with pytest.raises(ValueError, match=r"^resources=GPU=2 is invalid for this cluster: none of"):
        sweep("09", {"x": [1]}, build_dir=tmp_path / "b", scheduler=cluster, resources={"GPU": 2})
    assert not (tmp_path / "b").exists()


def test_a_cluster_without_workers_is_refused_before_running(tmp_path, monkeypatch):
    install_probe(tmp_path, monkeypatch)
    with dask_cluster(tmp_path, 0, str(ROOT)) as address:
        with pytest.raises(ValueError, match="has no workers; start the scheduler and the workers"):
            sweep("09", {"x": [1]}, build_dir=tmp_path / "b", scheduler=address)
    assert not (tmp_path / "b").exists()


def test_a_cluster_that_cannot_import_the_tooling_is_refused_before_running(tmp_path, monkeypatch):
    """Started outside the checkout, without PYTHONPATH: the scheduler could not unpickle a run,
    nor the worker run it."""
    install_probe(tmp_path, monkeypatch)
    with dask_cluster(tmp_path, 1, pythonpath=None) as address, Client(address) as client:
        (worker,) = client.scheduler_info()["workers"]
        with pytest.raises(ValueError) as refused:
            sweep("09", {"x": [1]}, build_dir=tmp_path / "b", scheduler=address)
    assert f"{address!r}: the scheduler, {worker} cannot import simtools; " in str(refused.value)
    assert "`PYTHONPATH=/path/to/checkout dask scheduler`" in str(refused.value)
    assert not (tmp_path / "b").exists()


def test_a_killed_worker_ends_its_run_loses_no_finished_one_and_a_rerun_completes_only_it(
    cluster, tmp_path, monkeypatch
):
    hold = tmp_path / "hold-{x}"
    install_probe(tmp_path, monkeypatch, f"09_probe:\n  hold: {json.dumps(str(hold))}\n")
    held = tmp_path / "hold-2"
    held.touch()  # the run x=2 waits while this file exists
    folder = tmp_path / "build" / SWEEP_DIR
    arguments = {"build_dir": tmp_path / "build", "scheduler": cluster}
    with ThreadPoolExecutor(1) as background:
        pending = background.submit(sweep, "09", {"x": [1, 2, 4]}, **arguments)
        wait_for(lambda: held.with_suffix(".pid").exists(), "run x=2 to start")
        wait_for(lambda: (folder / "x=1" / RECORD).exists(), "run x=1 to finish")
        kernel = psutil.Process(int(held.with_suffix(".pid").read_text()))
        papermill = kernel.parent()
        with Client(cluster) as client:
            workers = client.run(os.getpid)
        ancestors = {process.pid for process in kernel.parents()}
        (victim,) = [pid for pid in workers.values() if pid in ancestors]
        os.kill(victim, signal.SIGKILL)
        for process in (papermill, kernel):  # the held run would wait forever
            wait_for(lambda p=process: not running(p), f"process {process.pid} to end", 60)
        pending.result(timeout=600)
    held.unlink()
    rows = {r["x"]: r["status"] for r in read_rows(folder)}
    assert rows["1"] == "ok" and rows["2"].startswith("failed: KilledWorker: ")
    # Dask may have handed run x=4 to the dead worker too, to start after x=2
    assert rows["4"] == "ok" or rows["4"].startswith("failed: KilledWorker: ")
    record = json.loads((folder / "x=2" / RECORD).read_text())
    assert record["error"].startswith("KilledWorker: ") and "died" in record["error"]
    assert not (folder / "x=2" / "09_probe.ipynb").exists()
    kept = {p: p.stat().st_mtime_ns for p in folder.glob("*/*.ipynb")}
    assert folder / "x=1" / "09_probe.ipynb" in kept
    sweep("09", {"x": [1, 2, 4]}, **arguments)
    assert [r["status"] for r in read_rows(folder)] == ["ok", "ok", "ok"]
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # finished runs were not run again
    assert json.loads((folder / "x=2" / "artifacts" / "x=2,scale=1.0.json").read_text())["x"] == 2


def test_notebook_02_smoke_profile_through_the_cluster(cluster, tmp_path, fashion_mnist_dir):
    (result,) = sweep("02", {"epochs": [1]}, "smoke", build_dir=tmp_path, scheduler=cluster)
    folder = tmp_path / "sweeps" / "02_siamese_contrastive" / "smoke"
    (row,) = read_rows(folder)
    assert row["status"] == "ok" and float(row["test_auc"]) > 0.6
    assert result.error is None and result.metrics["test_auc"] == float(row["test_auc"])
    run_dir = folder / "epochs=1"
    assert (run_dir / "artifacts" / "embedding.keras").stat().st_size > 10_000
    assert json.loads((run_dir / RECORD).read_text())["metrics"]["reload_difference"] < 1e-5
    page = (folder / "index.html").read_text()
    assert "href='epochs=1/02_siamese_contrastive.html'" in page
    assert (run_dir / "02_siamese_contrastive.html").stat().st_size > 10_000
