"""Warm Jupyter kernels that report notebooks are executed in.

A :class:`KernelSlot` owns one kernel process started once with pandas, matplotlib
and wbreport already imported. Between reports the slot resets the kernel to a clean
state (fresh user namespace and history, matplotlib defaults, working directory,
environment and ``sys.path`` as at start), so a report rendered in a batch is the
same as one rendered alone while start-up is paid once per worker.

Everything a kernel needs lives in one private folder per kernel
(``$TMPDIR/wbreport-kernel-<pid>-*``, removed when the kernel stops): the kernel spec
(found through ``KernelSpecManager(kernel_dirs=[...])``, so no installed spec is looked up),
the connection file and the IPC sockets, which avoid the TCP port races of parallel
kernels (papermill#511).

Shutdowns are bounded and thread-safe. ZMQ sockets and contexts are not thread-safe:
closing them while another thread polls them aborted libzmq (``signaler.cpp``) or hung in
``zmq_ctx_term``. So only the thread using a slot (holding its lock) touches its sockets;
any other thread (Ctrl-C, SIGTERM, a job's watchdog, the end of a run) only kills the
kernel's process group, and the owner closes sockets (linger 0) and contexts when it lets
go. Clients run no heartbeat thread: liveness is the process's, as nbclient checks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from jupyter_core.utils import run_sync

from wbreport.errors import KernelError
from wbreport.runtime import temp_dir

WARM_UP = """
import pandas, numpy, matplotlib
matplotlib.use("Agg")
import wbreport.report, wbreport.charts  # charts use matplotlib's object API, not pyplot
from wbreport.kernels import snapshot_kernel
snapshot_kernel()
wbreport.charts.trend(["a", "b"], [1, 2], [1, 2], "warm-up")
del snapshot_kernel
try:  # a report's first traceback formats fast (IPython loads its formatter on first use)
    raise ValueError("warm-up")
except ValueError:
    import sys
    get_ipython().InteractiveTB.structured_traceback(*sys.exc_info())
import gc
gc.collect()
gc.freeze()  # warm-up objects are never scanned again: each reset's collection stays cheap
del gc
"""
# Binds no name, so the namespace the report starts from is exactly the reset one.
RESET = "__import__('wbreport.kernels', fromlist=['reset_kernel']).reset_kernel({cwd!r})"
CAP = "__import__('wbreport.kernels', fromlist=['cap_streams']).cap_streams({limit!r})"
#: In the kernel: what the cells' stdout and stderr may still send (cap_streams).
_STREAMS: dict[str, Any] = {"limit": None, "sent": 0, "hooked": False}
_SNAPSHOT: dict[str, Any] = {}
ASYNC_CLIENT = "jupyter_client.asynchronous.AsyncKernelClient"
SPEC_NAME = "wbreport-python"
IPC_PATH_MAX = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
#: How long a thread that does not use a slot waits for the one that does to let go.
RELEASE_WAIT_SECONDS = 10.0


def snapshot_kernel() -> None:
    """In the kernel: remember the process state every report must start from."""

    _SNAPSHOT["environ"] = dict(os.environ)
    _SNAPSHOT["path"] = list(sys.path)


def reset_kernel(cwd: str) -> None:
    """In the kernel: clear what a previous report may have changed (namespace, history,
    environment, ``sys.path``, working directory, matplotlib state)."""
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
    charts = sys.modules.get("wbreport.charts")  # figures kept for a report's languages
    if charts is not None:
        charts.forget_figures()
    matplotlib.rcdefaults()
    matplotlib.use("Agg")


def cap_streams(limit: int | None) -> None:
    """In the kernel: each cell's stdout and stderr together send at most a little over
    ``limit`` characters to the runner, which keeps ``limit`` and notes the cut
    (wbreport.engine). The rest is dropped here, where it is written: sending the lines of a
    ``print`` in a loop over two million rows, which the runner then threw away, made a
    report 7.6 s slower (``benchmarks/print_loop.py``; 1.7 s with the cap).

    The writes of ipykernel's streams are wrapped on the stream objects themselves (code that
    checks their type still finds ipykernel's); the count starts again before each cell.
    """
    _STREAMS["limit"] = limit
    _STREAMS["sent"] = 0
    if _STREAMS["hooked"] or limit is None:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return

    def new_cell(*_: Any) -> None:
        _STREAMS["sent"] = 0

    shell.events.register("pre_run_cell", new_cell)
    for stream in (sys.stdout, sys.stderr):
        # A stream whose write cannot be wrapped (not ipykernel's) is left as it is: the
        # runner still cuts what it sends.
        with contextlib.suppress(AttributeError, TypeError):
            stream.write = _capped_write(stream.write)
    _STREAMS["hooked"] = True


def _capped_write(write: Any) -> Any:
    def capped(text: str) -> int:
        limit = _STREAMS["limit"]
        if limit is not None and _STREAMS["sent"] > limit:
            return len(text)  # past the cut: the runner would drop it
        _STREAMS["sent"] += len(text)
        return write(text)

    return capped


def write_kernel_spec(folder: Path) -> Path:
    """Write the spec of this interpreter's ipykernel into ``folder/<SPEC_NAME>`` and return
    the folder to give ``KernelSpecManager(kernel_dirs=[...])``.

    A private spec: the installed ``python3`` one may name another interpreter, and resolving
    that name imports all of IPython into the runner (a third of a second) only to find this
    same command. The warm-up needs wbreport importable in the kernel anyway.
    """
    spec = folder / SPEC_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (wbreport)",
                "language": "python",
                "interrupt_mode": "signal",
                "metadata": {"debugger": False},
            }
        ),
        encoding="utf-8",
    )
    return folder


def _transport(ipc: Path) -> dict[str, str]:
    """IPC sockets at ``ipc-<n>``; TCP on loopback when that path is too long for a Unix
    socket (108 bytes; a deep TMPDIR), with ports jupyter_client picks and checks."""
    if len(os.fsencode(ipc)) + 3 < IPC_PATH_MAX:
        return {"transport": "ipc", "ip": str(ipc)}
    return {"transport": "tcp", "ip": "127.0.0.1"}


class KernelSlot:
    """One reusable kernel (manager and client) for a worker.

    The thread that executes reports in the slot wraps its work in :meth:`using`; other
    threads call only :meth:`kill`, :meth:`stop`, :meth:`alive` and :meth:`shutdown`.
    """

    def __init__(
        self, kernel_name: str = "python3", startup_timeout: float = 60.0, reuse: bool = True
    ) -> None:
        self.kernel_name = kernel_name  # the language the notebooks declare (informative)
        self.startup_timeout = startup_timeout
        self.reuse = reuse
        self.km: KernelManager | None = None
        self.kc: AsyncKernelClient | None = None
        self.used = 0
        self.stopped = False  # set by stop(): the run is ending, start no kernel any more
        self._dir: Path | None = None
        self._process: Any = None  # the kernel's Popen, for kill() from any thread
        self._owner = threading.RLock()  # held by the thread using the sockets
        self._close_pending = False

    @property
    def pid(self) -> int | None:
        """The kernel process id, if a kernel runs."""
        return getattr(self._process, "pid", None)

    def alive(self) -> bool:
        """Whether the kernel process runs (safe from any thread)."""
        process = self._process
        return process is not None and process.poll() is None

    @contextlib.contextmanager
    def using(self) -> Iterator[KernelSlot]:
        """Hold the slot for one report; closes everything on release if the run stopped
        (or another thread asked for a shutdown) meanwhile."""
        with self._owner:
            try:
                yield self
            finally:
                if self.stopped or self._close_pending:
                    self._close()

    def start(self, cwd: Path) -> None:
        """Start the kernel and import what every report needs."""
        with self._owner:
            self._close()
            if self.stopped:
                raise KernelError("the run is stopping")
            self._dir = Path(temp_dir("kernel"))
            kernel_dirs = write_kernel_spec(self._dir / "kernels")
            # Asynchronous clients: nbclient awaits ``get_msg`` while a cell runs; a blocking
            # client would block its event loop there, so cell timeouts and the dead-kernel
            # check would never fire and a hung or killed kernel would hang the run.
            self.km = KernelManager(
                kernel_name=SPEC_NAME,
                kernel_spec_manager=KernelSpecManager(
                    kernel_dirs=[str(kernel_dirs)], ensure_native_kernel=False
                ),
                connection_file=str(self._dir / "connection.json"),
                client_class=ASYNC_CLIENT,
                **_transport(self._dir / "kernel"),
            )
            env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
            # History in memory: no SQLite write per cell, nothing shared between kernels or runs.
            self.km.start_kernel(
                cwd=str(cwd), env=env, extra_arguments=["--HistoryManager.hist_file=:memory:"]
            )
            self._process = getattr(self.km.provisioner, "process", None)
            try:
                self._new_client()
                assert self.kc is not None
                run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
            except RuntimeError as exc:
                self._close()
                raise KernelError(f"kernel did not start: {exc}") from exc
            self._run(WARM_UP)
            self.used = 0
            if self.stopped:  # stop() came while this kernel was starting
                self._close()
                raise KernelError("the run is stopping")

    def _new_client(self) -> None:
        """A fresh client for each report: nbclient leaves a used one in a state of its own."""
        assert self.km is not None
        self._close_client()
        self.kc = self.km.client()
        self.kc.allow_stdin = False  # input() in a report fails instead of waiting for ever
        self.kc.start_channels(hb=False)

    def _close_client(self) -> None:
        kc, self.kc = self.kc, None
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()  # sockets closed with linger 0, its context destroyed

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

    def prepare(self, cwd: Path, printed_chars: int | None = None) -> None:
        """A clean kernel for the next report: reset a live one, or start a new one; its cells
        send at most a little over ``printed_chars`` of stdout and stderr each."""
        with self._owner:
            if self.stopped:
                raise KernelError("the run is stopping")
            # The cap goes with the reset, in the same set-up execution (one round trip).
            cap = "" if printed_chars is None else "\n" + CAP.format(limit=printed_chars)
            if self.alive() and self.reuse and self.used > 0:
                try:
                    self._run(RESET.format(cwd=str(cwd)) + cap)
                except Exception:
                    self._start_capped(cwd, cap)
            elif not self.alive() or (not self.reuse and self.used > 0):
                self._start_capped(cwd, cap)
            else:
                self._run(RESET.format(cwd=str(cwd)) + cap)
            self.used += 1

    def _start_capped(self, cwd: Path, cap: str) -> None:
        """A new kernel, and the cap set on it (a new kernel needs no reset)."""
        self.start(cwd)
        if cap:
            self._run(cap)

    @staticmethod
    def settle() -> None:
        """Cancel what nbclient left pending on this thread's event loop after a timeout or a
        dead kernel (its IOPub reader), instead of leaving it to be destroyed pending."""
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
        """Kill the kernel's process group at once (timeouts, Ctrl-C); safe from any thread.

        Only signals: sockets are left to the thread that uses them (see the module notes).
        The group goes too, so a child the report started (``sleep``, a subprocess) does not
        outlive it (the kernel leads its own session, as jupyter_client starts it)."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(OSError):
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            process.kill()

    def shutdown(self) -> None:
        """Stop the kernel and release its sockets, contexts and folder.

        From a thread other than the one using the slot: waits up to
        ``RELEASE_WAIT_SECONDS`` for it; if it does not let go, kills the kernel (so it does
        soon) and leaves the closing to it. Never blocks for longer."""
        if self._owner.acquire(timeout=RELEASE_WAIT_SECONDS):
            try:
                self._close()
            finally:
                self._owner.release()
            return
        self._close_pending = True
        self.kill()

    def _close(self) -> None:
        """Close client, kernel and folder; the caller holds the slot."""
        self._close_pending = False
        self._close_client()
        km, self.km = self.km, None
        self.kill()
        if km is not None:
            with contextlib.suppress(Exception):
                if km.has_kernel:
                    # Already killed: reaps the process (waits at most 5 s), removes the
                    # connection and IPC files and destroys the manager's context (linger 0.1 s).
                    km.shutdown_kernel(now=True)
                else:
                    km.cleanup_resources()
        self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
