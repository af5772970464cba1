"""``--executor dask``: the same jobs on a dask.distributed cluster, 127.0.0.1 only (issue 7).

Runs go through the command line in a subprocess, as on a real machine; every process a
run starts (scheduler, workers, kernels) inherits a marker in its environment, so the tests
can find, kill and account for them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.reporting import jobs_by_partner, notebook_with_cell, read_manifest

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

PERIOD = "2021Q4"
PARTNERS = ["AL", "BA", "WB"]
MARK = "WBREPORT_TEST_RUN"
GENERATED = re.compile(r"Generated [^<]*? \d{1,2}:\d{2} UTC")  # any locale's date format


def normalised(html: Path) -> str:
    return GENERATED.sub("Generated <time>", html.read_text(encoding="utf-8"))


def wbreport(
    out: Path, *args: str, env: dict[str, str] | None = None, wait: bool = True
) -> subprocess.Popen[str]:
    cmd = [
        sys.executable,
        "-m",
        "wbreport",
        "run",
        "--out",
        str(out),
        "--period",
        PERIOD,
        "--partners",
        ",".join(PARTNERS),
        "--lang",
        "en",
        "--jobs",
        "2",
        *args,
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if wait:
        proc.wait(timeout=300)
    return proc


def marked(mark: str) -> list[psutil.Process]:
    """Live processes started by the run carrying ``mark``."""
    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get(MARK) == mark and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


def assert_no_process_left(mark: str) -> None:
    deadline = time.monotonic() + 15  # an orphaned kernel notices its parent is gone in ~1 s
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = [" ".join(p.cmdline())[:120] for p in marked(mark)]
    assert left == [], left


def published_ok(folder: Path) -> None:
    jobs = jobs_by_partner(folder)
    assert {code: jobs[code]["status"] for code in PARTNERS} == dict.fromkeys(PARTNERS, "ok")
    for code in PARTNERS:
        assert (folder / f"{code}.html").is_file()


@pytest.mark.longest
def test_dask_gives_the_local_results(tmp_path: Path) -> None:
    local = wbreport(tmp_path / "local")
    assert local.returncode == 0, local.stderr.read()  # type: ignore[union-attr]
    mark = uuid.uuid4().hex
    dask = wbreport(tmp_path / "dask", "--executor", "dask", env={MARK: mark})
    assert dask.returncode == 0, dask.stderr.read()  # type: ignore[union-attr]
    a, b = tmp_path / "local" / PERIOD, tmp_path / "dask" / PERIOD
    published_ok(a)
    published_ok(b)
    assert read_manifest(b)["executor"] == "dask"
    assert all(j["worker"].startswith("dask") for j in jobs_by_partner(b).values())
    assert (a / "indicators.csv").read_bytes() == (b / "indicators.csv").read_bytes()
    for code in PARTNERS:
        assert normalised(a / f"{code}.html") == normalised(b / f"{code}.html"), code
    assert_no_process_left(mark)


SLOW_AL = """
import os, pathlib, time
if partner == "AL":
    pathlib.Path(os.environ["WBREPORT_TEST_PIDS"], f"{os.getppid()}.pid").touch()
    time.sleep(6)
"""


def test_killed_worker_does_not_lose_the_run(tmp_path: Path) -> None:
    """AL's first attempt records its worker (the kernel's parent) and sleeps; the test kills
    that worker. dask reschedules the task and every report is published, exit 0."""
    notebook = notebook_with_cell(tmp_path / "nb", SLOW_AL)
    pids = tmp_path / "pids"
    pids.mkdir()
    mark = uuid.uuid4().hex
    run = wbreport(
        tmp_path / "out",
        "--executor",
        "dask",
        "--notebook",
        str(notebook),
        env={MARK: mark, "WBREPORT_TEST_PIDS": str(pids)},
        wait=False,
    )
    deadline = time.monotonic() + 120
    while not list(pids.iterdir()):
        assert run.poll() is None and time.monotonic() < deadline, "AL never started"
        time.sleep(0.1)
    (first,) = pids.iterdir()
    worker = psutil.Process(int(first.stem))
    assert worker.environ().get(MARK) == mark  # one of this run's dask workers
    worker.kill()

    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    published_ok(tmp_path / "out" / PERIOD)
    assert len(list(pids.iterdir())) == 2  # AL ran again, on another worker process
    assert_no_process_left(mark)


def test_scheduler_address(tmp_path: Path) -> None:
    """``--scheduler``: jobs go to an existing cluster, which keeps running afterwards but
    holds no kernel of the run."""
    from distributed import Client, LocalCluster

    mark = uuid.uuid4().hex
    os.environ[MARK] = mark  # inherited by the cluster's workers
    try:
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            run = wbreport(
                tmp_path / "out", "--executor", "dask", "--scheduler", cluster.scheduler_address
            )
            assert run.returncode == 0, run.stderr.read()  # type: ignore[union-attr]
            folder = tmp_path / "out" / PERIOD
            published_ok(folder)
            workers = set(client.scheduler_info()["workers"])
            used = {j["worker"] for j in jobs_by_partner(folder).values()}
            assert used and all(w.startswith("dask-") for w in used)

            def kernels() -> int:
                import wbreport.cluster

                return len(wbreport.cluster._all)

            assert set(client.run(kernels).values()) <= {0}
            assert len(client.scheduler_info()["workers"]) == len(workers)  # still serving
            time.sleep(1)
            kernels_left = [p for p in marked(mark) if "ipykernel" in " ".join(p.cmdline())]
            assert kernels_left == []
    finally:
        del os.environ[MARK]


def test_a_scheduler_address_that_never_answers_times_out() -> None:
    """Something else listening at --scheduler (a web server) kept Client() waiting for
    ever: distributed bounds the TCP connection, not the first exchange."""
    import threading

    from wbreport.cluster import _connect

    never = threading.Event()

    class Silent:
        def __init__(self, *args: object, **kwargs: object) -> None:
            never.wait(30)

    started = time.monotonic()
    with pytest.raises(TimeoutError, match="no dask scheduler answered"):
        _connect(Silent, "tcp://127.0.0.1:9", 0.2, grace=0.0)
    assert time.monotonic() - started < 5
    never.set()

    class Refused:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise OSError("connection refused")

    with pytest.raises(OSError, match="refused"):
        _connect(Refused, "tcp://127.0.0.1:9", 0.2)


def test_a_scheduler_port_where_nothing_listens_is_told_at_once(tmp_path: Path) -> None:
    """A mistyped ``--scheduler`` port: distributed retried the refused connection for 30 s
    and then said it timed out. Now the refusal is named after a short retry, exit 2, and
    nothing is published."""
    import socket

    with socket.socket() as probe:  # a port of this machine where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = wbreport(tmp_path / "out", "--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{port}")
    stderr = run.stderr.read()  # type: ignore[union-attr]
    assert run.returncode == 2, stderr
    assert f"cannot connect to the dask scheduler tcp://127.0.0.1:{port}: connection refused" in (
        stderr
    )
    assert "Traceback" not in stderr
    assert not (tmp_path / "out" / PERIOD).exists()
