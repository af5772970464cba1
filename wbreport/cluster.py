"""Run report jobs on a dask.distributed cluster (``wbreport run --executor dask``).

Each job is one dask task. A worker keeps warm kernels (:class:`~wbreport.kernels.KernelSlot`,
one per worker thread) between tasks, exactly as the local executor does, and a worker
plugin shuts them down when the worker closes. A worker that dies mid-report loses
nothing but time: the scheduler reschedules its task on another worker (``retries`` and
the scheduler's ``allowed-failures`` both apply) and the report is rendered again.

Workers read the notebook, the narratives and the run's prepared data, and write the
staging folder, **by the same absolute paths as the machine running ``wbreport run``**:
with a real cluster the project checkout and ``--out`` must be on storage every worker
mounts at the same path (NFS, a cluster file system, a shared volume in Kubernetes).
Without ``--scheduler`` a :class:`distributed.LocalCluster` on 127.0.0.1 is started for
the run and closed after it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbreport.jobs import Job, JobResult, Status
from wbreport.partners import REGION

if TYPE_CHECKING:
    from wbreport.kernels import KernelSlot

PLUGIN = "wbreport-kernels"
CLOSE_SECONDS = 30
STARTED = "wbreport-started"

# --- on the workers -----------------------------------------------------------------

_free: list[KernelSlot] = []
_all: list[KernelSlot] = []
_lock = threading.Lock()
_generation = [0]  # bumped by close_slots(): a slot of an earlier generation is not reused
_born: dict[int, int] = {}


def _take(startup_timeout: float) -> KernelSlot:
    from wbreport.kernels import KernelSlot

    with _lock:
        if _free:
            return _free.pop()
        slot = KernelSlot(startup_timeout=startup_timeout)
        _all.append(slot)
        _born[id(slot)] = _generation[0]
        return slot


def _give(slot: KernelSlot) -> None:
    with _lock:
        if _born.get(id(slot)) == _generation[0]:
            _free.append(slot)
            return
        _born.pop(id(slot), None)
        if slot in _all:
            _all.remove(slot)
    slot.shutdown()  # a task still running when its run closed the kernels: stop this one too


def close_slots(in_use: bool = False) -> None:
    """Shut down the kernels this worker process started: the idle ones (a slot still in use
    is shut down when its task ends), or all of them when the worker itself is closing."""
    with _lock:
        _generation[0] += 1
        closing = list(_all) if in_use else list(_free)
        _free.clear()
        for slot in closing:
            _all.remove(slot)
            _born.pop(id(slot), None)
    for slot in closing:
        slot.shutdown()


atexit.register(close_slots, in_use=True)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return f"dask-{get_worker().name}"
    except Exception:
        return "dask"


def warm_worker(cwd: str, startup_timeout: float) -> bool:
    """Task: start one kernel on this worker before jobs arrive."""
    slot = _take(startup_timeout)
    try:
        if not slot.alive():
            slot.start(Path(cwd))
        return True
    except BaseException:  # also asyncio's CancelledError
        slot.shutdown()  # the job will start a fresh kernel and report the failure
        return False
    finally:
        _give(slot)


def run_job(job: Job, index: int, startup_timeout: float) -> JobResult:
    """Task: render one report in this worker's warm kernel."""
    from wbreport.jobs import execute_job

    try:
        from distributed import get_worker

        get_worker().log_event(STARTED, {"index": index})
    except Exception:
        pass
    slot = _take(startup_timeout)
    try:
        return execute_job(job, slot, worker=_worker_name())
    finally:
        _give(slot)


def _plugin() -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    class KernelPlugin(WorkerPlugin):
        """Closes the worker's kernels when the worker closes."""

        name = PLUGIN

        def teardown(self, worker: Any) -> None:
            """Shut down every kernel of this worker."""
            close_slots(in_use=True)

    return KernelPlugin()


# --- on the machine running wbreport run ----------------------------------------------


def _nothing_listens(scheduler: str, seconds: float = 3.0) -> bool:
    """True when a ``tcp://`` or ``tls://`` address refuses connections for ``seconds``.

    distributed retries a refused connection until its whole timeout (30 s) has passed and
    then says it timed out; a mistyped port is told at once (after a short retry, for a
    scheduler that is still starting). Any other address or error is left to distributed.
    """
    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(scheduler)
        if scheme not in ("tcp", "tls"):
            return False
        host, port = parse_host_port(location)
    except (ValueError, TypeError):
        return False
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection((host, port), timeout=1.0).close()
            return False
        except ConnectionRefusedError:
            if time.monotonic() >= deadline:
                return True
            time.sleep(0.25)
        except OSError:
            return False


def _connect(client_class: Any, scheduler: str, timeout: float, grace: float = 5.0) -> Any:
    """A client of ``scheduler``, or :class:`TimeoutError` after ``timeout + grace`` seconds.

    distributed bounds the TCP connection but not the first exchange: an address where
    something else listens (a web server) kept ``Client()`` waiting for ever. It is made in
    a daemon thread, abandoned when the deadline passes.
    """
    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = client_class(scheduler, timeout=timeout)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=connect, name="wbreport-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + grace)
    if thread.is_alive():
        raise TimeoutError(f"no dask scheduler answered within {timeout + grace:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["client"]


class DaskExecutor:
    """Runs jobs as dask tasks; results come back in the order of the jobs."""

    def __init__(self, scheduler: str | None, workers: int, startup_timeout: float = 60.0) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            from wbreport.errors import UsageError

            raise UsageError(
                "--executor dask needs the 'distributed' package: pip install 'wbreport[dask]'"
            ) from None
        self.startup_timeout = startup_timeout
        self.cluster: Any = None
        self._warm: list[Any] = []
        self._closed = False
        if scheduler:
            if _nothing_listens(scheduler):
                from wbreport.errors import UsageError

                raise UsageError(
                    f"cannot connect to the dask scheduler {scheduler}: connection refused "
                    "(nothing listens there; is the scheduler started, and is the port right?)"
                )
            try:
                self.client = _connect(Client, scheduler, min(startup_timeout, 30))
            except (OSError, TimeoutError, ValueError, MemoryError) as exc:
                from wbreport.errors import UsageError

                # Something else that speaks first (an SSH server's banner) is read as the
                # length of a message: numpy then cannot allocate exabytes.
                why = (
                    "it does not answer as a dask scheduler (is something else listening there?)"
                    if isinstance(exc, MemoryError)
                    else str(exc)
                )
                raise UsageError(
                    f"cannot connect to the dask scheduler {scheduler}: {why}"
                ) from None
        else:
            self.cluster = LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        try:
            if self.cluster is not None:
                self.client = Client(self.cluster, timeout=startup_timeout)
            self.client.register_plugin(_plugin(), name=PLUGIN)
        except BaseException:
            if self.cluster is not None:
                self.cluster.close()
            raise

    def _workers(self) -> list[str]:
        return list(self.client.scheduler_info().get("workers", {}))

    def warm(self, cwd: Path, count: int) -> None:
        """Start one kernel per worker (up to ``count``) while the run is being prepared."""
        for address in self._workers()[: max(0, count)]:
            self._warm.append(
                self.client.submit(
                    warm_worker,
                    str(cwd),
                    self.startup_timeout,
                    workers=[address],
                    allow_other_workers=False,
                    pure=False,
                    key=f"wbreport-warm-{uuid.uuid4().hex}",
                )
            )

    def run(
        self,
        jobs: list[Job],
        done: Callable[[Job, JobResult], None],
        started: Callable[[Job], None],
    ) -> list[JobResult]:
        """Submit every job as a task; results in the order of ``jobs``."""
        from distributed import as_completed

        def on_started(event: Any) -> None:
            """A worker's "job started" event: report it as started."""
            _, message = event
            index = message.get("index") if isinstance(message, dict) else None
            if isinstance(index, int) and 0 <= index < len(jobs):
                with contextlib.suppress(Exception):  # progress display only
                    started(jobs[index])

        self.client.subscribe_topic(STARTED, on_started)
        run = uuid.uuid4().hex[:8]
        futures = [
            self.client.submit(
                run_job,
                job,
                i,
                self.startup_timeout,
                pure=False,
                retries=1,
                key=f"wbreport-{run}-{i}-{job.period}-{job.partner}",
                priority=1 if job.partner == REGION else 0,
            )  # longest first
            for i, job in enumerate(jobs)
        ]
        position = {f.key: i for i, f in enumerate(futures)}
        results: list[JobResult | None] = [None] * len(jobs)
        try:
            for future in as_completed(futures):
                i = position[future.key]
                job = jobs[i]
                try:
                    result = future.result()
                except Exception as exc:  # the task itself failed (or its workers kept dying)
                    name = type(exc).__name__
                    status = Status.kernel_died if name == "KilledWorker" else Status.failed
                    result = JobResult(
                        job.partner,
                        job.period,
                        status,
                        error=f"{name}: {exc}",
                        exception=name,
                        worker="dask",
                        key=job.key,
                    )
                results[i] = result
                done(job, result)
        except BaseException:
            self.client.cancel(futures, force=True)
            raise
        finally:
            with contextlib.suppress(Exception):
                self.client.unsubscribe_topic(STARTED)
        return [r for r in results if r is not None]

    def close(self) -> None:
        """Close the client (and the cluster this run started); leave no kernel of ours."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.cluster is None:
                # Someone else's cluster: leave its workers running but no kernel of ours.
                from distributed import wait

                wait(self._warm, timeout=self.startup_timeout)
                self.client.run(close_slots)
                self.client.unregister_worker_plugin(PLUGIN)
        except Exception:
            pass
        finally:
            # Bounded: a scheduler or worker that does not answer cannot hold the run.
            with contextlib.suppress(Exception):
                self.client.close(timeout=CLOSE_SECONDS)
            if self.cluster is not None:
                with contextlib.suppress(Exception):
                    self.cluster.close(timeout=CLOSE_SECONDS)


__all__ = ["DaskExecutor", "close_slots", "run_job", "warm_worker"]
