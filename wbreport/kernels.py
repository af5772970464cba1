"""Warm Jupyter kernels that papermill executes report notebooks in.

A :class:`KernelSlot` owns one kernel process started once with pandas, matplotlib
and wbreport already imported. Between reports the slot resets the kernel to a clean
state (fresh user namespace and history, matplotlib defaults, working directory,
environment and ``sys.path`` as at start), so a report rendered in a batch is the
same as one rendered alone while start-up is paid once per worker. Kernels talk over
IPC sockets in a private folder, which avoids the TCP port races of parallel kernels
(papermill#511).
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import KernelManager
from jupyter_core.utils import run_sync

WARM_UP = """
import pandas, numpy, matplotlib
matplotlib.use("Agg")
import wbreport.report, wbreport.charts  # charts use matplotlib's object API, not pyplot
from wbreport.kernels import snapshot_kernel
snapshot_kernel()
wbreport.charts.trend(["a", "b"], [1, 2], [1, 2], "warm-up")
del snapshot_kernel
import gc
gc.collect()
gc.freeze()  # warm-up objects are never scanned again: each reset's collection stays cheap
del gc
"""
# Binds no name, so the namespace the report starts from is exactly the reset one.
RESET = "__import__('wbreport.kernels', fromlist=['reset_kernel']).reset_kernel({cwd!r})"
_SNAPSHOT: dict[str, Any] = {}
ASYNC_CLIENT = "jupyter_client.asynchronous.AsyncKernelClient"


def snapshot_kernel() -> None:
    """In the kernel: remember the process state every report must start from."""
    import sys

    _SNAPSHOT["environ"] = dict(os.environ)
    _SNAPSHOT["path"] = list(sys.path)


def reset_kernel(cwd: str) -> None:
    """In the kernel: clear what a previous report may have changed (namespace, history,
    environment, ``sys.path``, working directory, matplotlib state)."""
    import sys

    import matplotlib
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True, aggressive=False)
    os.environ.clear()
    os.environ.update(_SNAPSHOT.get("environ", {}))
    sys.path[:] = _SNAPSHOT.get("path", sys.path)
    os.chdir(cwd)
    plt = sys.modules.get("matplotlib.pyplot")  # only if a report imported it
    if plt is not None:
        plt.close("all")
    matplotlib.rcdefaults()
    matplotlib.use("Agg")


class KernelError(RuntimeError):
    """The kernel could not be started or did not answer."""


class _TrackingKernelManager(KernelManager):
    """Remembers the clients nbclient opens, which it leaves open on a kernel it does not own."""

    def client(self, **kwargs: Any) -> Any:
        client = super().client(**kwargs)
        self.__dict__.setdefault("_wbreport_clients", []).append(client)
        return client

    def close_clients(self, keep: Any = None) -> None:
        clients = self.__dict__.get("_wbreport_clients", [])
        for client in clients:
            if client is not keep:
                with contextlib.suppress(Exception):
                    client.stop_channels()
        self.__dict__["_wbreport_clients"] = [c for c in clients if c is keep]

    @property
    def kernel_spec(self) -> Any:
        # "python3" is this interpreter's ipykernel (jupyter swaps "python" in the installed
        # spec for sys.executable, and the warm-up needs wbreport importable anyway). Built
        # here: resolving the name through KernelSpecManager imports all of IPython into
        # the runner, a third of a second, only to find this same command.
        if self._kernel_spec is None and self.kernel_name == "python3":
            from jupyter_client.kernelspec import KernelSpec

            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (ipykernel)",
                language="python",
            )
        return super().kernel_spec


class KernelSlot:
    """One reusable kernel (manager and client) for a worker."""

    def __init__(
        self, kernel_name: str = "python3", startup_timeout: float = 60.0, reuse: bool = True
    ) -> None:
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.reuse = reuse
        self.km: KernelManager | None = None
        self.kc: AsyncKernelClient | None = None
        self.used = 0
        self.stopped = False  # set by stop(): the run is ending, start no kernel any more
        self._dir: str | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def alive(self) -> bool:
        return self.km is not None and self.km.has_kernel and self.km.is_alive()

    def start(self, cwd: Path) -> None:
        """Start the kernel and import what every report needs."""
        self.shutdown()
        if self.stopped:
            raise KernelError("the run is stopping")
        self._dir = tempfile.mkdtemp(prefix="wbreport-kernel-")
        # Asynchronous clients: nbclient awaits ``get_msg`` while a cell runs; a blocking
        # client would block its event loop there, so cell timeouts and the dead-kernel
        # check would never fire and a hung or killed kernel would hang the run.
        self.km = _TrackingKernelManager(
            kernel_name=self.kernel_name,
            transport="ipc",
            ip=os.path.join(self._dir, "kernel"),
            client_class=ASYNC_CLIENT,
        )
        env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        # History in memory: no SQLite write per cell, nothing shared between kernels or runs.
        self.km.start_kernel(
            cwd=str(cwd), env=env, extra_arguments=["--HistoryManager.hist_file=:memory:"]
        )
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
        except RuntimeError as exc:
            self.shutdown()
            raise KernelError(f"kernel did not start: {exc}") from exc
        self._run(WARM_UP)
        self.used = 0
        if self.stopped:  # stop() came while this kernel was starting
            self.shutdown()
            raise KernelError("the run is stopping")

    def _new_client(self) -> None:
        """A fresh client for each report: nbclient leaves a used one in a state of its own."""
        assert isinstance(self.km, _TrackingKernelManager)
        self.km.close_clients()  # this slot's previous client and those nbclient opened
        self.kc = self.km.client()
        self.kc.start_channels()

    def _run(self, code: str) -> None:
        """Execute set-up code and wait for its reply (its iopub output is never shown).

        Runs on this thread's event loop, the one nbclient then runs the report on with
        the same client."""
        run_sync(self._async_run)(code)

    async def _async_run(self, code: str) -> None:
        self._new_client()
        assert self.kc is not None
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KernelError("kernel set-up timed out")
            try:
                reply = await self.kc.get_shell_msg(timeout=min(remaining, 0.5))
            except queue.Empty:
                self._check_alive()
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelError(
                f"kernel set-up failed: {content.get('ename')}: {content.get('evalue')}"
            )
        await self._sync_iopub(msg_id, deadline)

    def _check_alive(self) -> None:
        """While waiting for set-up: stop at once if nothing can answer any more."""
        if self.stopped:
            raise KernelError("the run is stopping")
        if not self.alive():
            raise KernelError("the kernel died during set-up")

    async def _sync_iopub(self, msg_id: str, deadline: float) -> None:
        """Wait until IOPub delivers the kernel's "idle" for ``msg_id``: the new client is then
        subscribed and drained, so the report can run on it without another handshake."""
        assert self.kc is not None
        while time.monotonic() < deadline:
            try:
                msg = await self.kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                self._check_alive()
                msg_id = self.kc.kernel_info()  # missed while subscribing: ask for another one
                continue
            if (
                msg["parent_header"].get("msg_id") == msg_id
                and msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"
            ):
                return
        raise KernelError("kernel set-up timed out (no IOPub messages)")

    def prepare(self, cwd: Path) -> None:
        """A clean kernel for the next report: reset a live one, or start a new one."""
        with self._lock:
            if self.alive() and self.reuse and self.used > 0:
                try:
                    self._run(RESET.format(cwd=str(cwd)))
                except Exception:
                    self.start(cwd)
            elif not self.alive() or (not self.reuse and self.used > 0):
                self.start(cwd)
            else:
                self._run(RESET.format(cwd=str(cwd)))
            self.used += 1

    def engine_kwargs(self) -> dict[str, Any]:
        # ``kc`` is used by wbreport.engine (papermill's own engine would ignore it).
        return {"km": self.km, "kc": self.kc}

    @staticmethod
    def settle() -> None:
        """Cancel what nbclient left pending on this thread's event loop after a timeout or a
        dead kernel (its IOPub reader), instead of leaving it to be destroyed pending."""
        import asyncio

        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            return
        if loop.is_running() or loop.is_closed():
            return
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))

    def stop(self) -> None:
        """Kill the kernel and start none again (Ctrl-C, end of the run); safe from any thread."""
        self.stopped = True
        self.kill()

    def kill(self) -> None:
        """Kill the kernel process at once (timeouts, Ctrl-C)."""
        if self.km is not None and self.km.has_kernel:
            with contextlib.suppress(Exception):
                self.km.shutdown_kernel(now=True)

    def shutdown(self) -> None:
        if isinstance(self.km, _TrackingKernelManager):
            self.km.close_clients()
        self.kill()
        if self.km is not None:
            with contextlib.suppress(Exception):
                self.km.cleanup_resources()
        self.km = self.kc = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
