"""Executors run report jobs: one :class:`Executor` protocol, the local pool of warm kernels.

The dask executor lives in :mod:`wbreport.cluster`; :func:`make_executor` chooses by name.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wbreport.errors import UsageError
from wbreport.jobs import Job, JobResult, Status, execute_job
from wbreport.partners import REGION

if TYPE_CHECKING:
    from wbreport.kernels import KernelSlot


class Executor(Protocol):
    """Runs jobs and returns their results in the order of the jobs."""

    def warm(self, cwd: Path, count: int) -> None:
        """Start up to ``count`` kernels ahead of the first job."""

    def run(
        self,
        jobs: list[Job],
        done: Callable[[Job, JobResult], None],
        started: Callable[[Job], None],
    ) -> list[JobResult]:
        """Execute ``jobs``; call ``started``/``done`` per job as it goes."""
        ...

    def close(self) -> None:
        """Stop every kernel and worker this executor started."""


class LocalExecutor:
    """A pool of threads, each driving one warm kernel process."""

    def __init__(self, workers: int, reuse: bool = True, startup_timeout: float = 60.0) -> None:
        self.workers = max(1, workers)
        self.reuse = reuse
        self.startup_timeout = startup_timeout
        self._slots: list[KernelSlot] = []
        self._free: list[KernelSlot] = []
        self._starting = 0
        self._lock = threading.Lock()
        self._stopping = False

    def set_startup_timeout(self, seconds: float) -> None:
        """The configured kernel start-up timeout, once settings are loaded (kernels started
        before that began with the default)."""
        with self._lock:
            self.startup_timeout = seconds
            for slot in self._slots:
                slot.startup_timeout = seconds

    def _slot(self) -> KernelSlot:
        with self._lock:
            if self._free:
                return self._free.pop()
            from wbreport.kernels import KernelSlot

            slot = KernelSlot(startup_timeout=self.startup_timeout, reuse=self.reuse)
            self._slots.append(slot)
            return slot

    def warm(self, cwd: Path, count: int) -> None:
        """Start ``count`` kernels in the background while the run is being planned."""

        def start(slot: KernelSlot) -> None:
            try:
                slot.start(cwd)
            except BaseException:  # also asyncio's CancelledError when the run stops it
                slot.shutdown()  # the job will start a fresh kernel and report the failure
            with self._lock:
                self._free.append(slot)
                self._starting -= 1

        from wbreport.kernels import KernelSlot

        for _ in range(min(count, self.workers)):
            slot = KernelSlot(startup_timeout=self.startup_timeout, reuse=self.reuse)
            with self._lock:
                self._slots.append(slot)
                self._starting += 1
            threading.Thread(target=start, args=(slot,), daemon=True).start()
        threading.Thread(target=_prewarm_runner, daemon=True).start()

    def run(
        self,
        jobs: list[Job],
        done: Callable[[Job, JobResult], None],
        started: Callable[[Job], None],
    ) -> list[JobResult]:
        """Run ``jobs`` on the pool; results in the order of the jobs."""

        def one(job: Job) -> JobResult:
            slot = self._wait_slot()
            try:
                if self._stopping:
                    return JobResult(
                        job.partner,
                        job.period,
                        Status.failed,
                        error="run interrupted",
                        kind=job.kind,
                        lang=job.lang,
                    )
                started(job)
                result = _execute(job, slot)
            finally:
                with self._lock:
                    self._free.append(slot)
            if not self._stopping:  # after Ctrl-C, jobs cut short are not reported as failures
                done(job, result)
            return result

        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="wbreport")
        try:
            # The regional report, the longest, first: the pool does not end on it alone.
            order = sorted(range(len(jobs)), key=lambda i: jobs[i].partner != REGION)
            futures = {i: pool.submit(one, jobs[i]) for i in order}
            return [futures[i].result() for i in range(len(jobs))]
        except BaseException:
            # Ctrl-C or a crash of the runner: stop every kernel now so no job lingers.
            self._stopping = True
            for slot in list(self._slots):
                slot.stop()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _wait_slot(self) -> KernelSlot:
        # Prefer a kernel started by warm(); start one ourselves only when none is coming.
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._free:
                    return self._free.pop()
                if self._starting == 0:
                    break
            time.sleep(0.01)
        return self._slot()

    def close(self) -> None:
        """Stop every kernel of the pool (in parallel)."""
        self._stopping = True

        def end(slot: KernelSlot) -> None:
            slot.stop()  # first: a kernel still starting in warm() is not started after all
            slot.shutdown()

        # In parallel: stopping a kernel waits about 0.1 s for the process to exit.
        threads = [threading.Thread(target=end, args=(slot,)) for slot in list(self._slots)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _execute(job: Job, slot: KernelSlot) -> JobResult:
    """One job; an error of the runner itself (a full disk writing the notebook, say) is
    this report's failure, not the run's."""
    try:
        return execute_job(job, slot, worker=f"local-{id(slot) % 10000}")
    except Exception as exc:
        return JobResult(
            job.partner,
            job.period,
            Status.failed,
            error=f"{type(exc).__name__}: {exc}",
            exception=type(exc).__name__,
            key=job.key,
            kind=job.kind,
            lang=job.lang,
        )


def _prewarm_runner() -> None:
    """Import what running and exporting a report needs and build the HTML exporter, in
    the background while kernels start and data loads, not in the first report's time."""
    try:
        from wbreport.engine import preload
        from wbreport.render import prewarm

        preload()
        prewarm()
    except Exception:
        pass  # each report builds what it needs and reports its own failures


def max_workers() -> int:
    """Most kernels (or dask worker processes) one run starts at once: four per CPU, at
    least 8. ``--jobs 1000`` started a LocalCluster of 1000 processes."""
    return max(8, 4 * (os.cpu_count() or 1))


def make_executor(
    name: str,
    workers: int,
    *,
    scheduler: str | None = None,
    reuse_kernels: bool = True,
    startup_timeout: float = 60.0,
) -> Executor:
    """The executor called ``name`` (``local`` or ``dask``) with ``workers`` (0: CPU count;
    at most :func:`max_workers`)."""
    workers = min(workers or os.cpu_count() or 1, max_workers())
    if name == "dask":
        from wbreport.cluster import DaskExecutor

        return DaskExecutor(scheduler, workers, startup_timeout)
    if name != "local":
        raise UsageError(f"unknown executor {name!r}: use local or dask")
    return LocalExecutor(workers, reuse_kernels, startup_timeout)


__all__ = ["Executor", "LocalExecutor", "make_executor", "max_workers"]
