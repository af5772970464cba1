"""What a run leaves in its process and in the temp folder: named temp folders, SIGTERM, HOME.

Every temporary folder wbreport makes is named ``wbreport-<what>-<pid>-<random>`` with the pid
of the process that made it (the runner or a dask worker), so a later run tells the leftovers
of a dead process (killed with SIGKILL, or its machine reset) from those of a live one and
removes them (:func:`remove_stale`). SIGTERM stops a run as Ctrl-C does (:class:`Terminated`):
kernels are stopped, temp folders removed and the published set is left as it was. When HOME
cannot be written, IPython, matplotlib and Jupyter would each make a temp folder of their own
in every kernel and never remove it (kernels are killed, so their ``atexit`` hooks do not
run); :func:`run_environment` points them into one folder per run instead, removed at the end.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

PREFIX = "wbreport-"
KINDS = ("kernel", "job", "run")
_OWNED = re.compile(rf"^{PREFIX}(?:{'|'.join(KINDS)})-(\d+)-")


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the run stops as on Ctrl-C (exit code 143, 128 + SIGTERM)."""

    exit_code = 128 + signal.SIGTERM


def temp_name(kind: str) -> str:
    """The prefix of a temporary folder of ``kind`` made by this process."""
    if kind not in KINDS:
        raise ValueError(f"unknown temp folder kind {kind!r}")
    return f"{PREFIX}{kind}-{os.getpid()}-"


def temp_dir(kind: str) -> str:
    """Make a private temporary folder of ``kind`` (see :func:`temp_name`)."""
    return tempfile.mkdtemp(prefix=temp_name(kind))


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (of any user)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(folder: Path | None = None) -> list[Path]:
    """Remove wbreport's temp folders left by processes that no longer run; returns them.

    Only names of the form ``wbreport-{kernel,job,run}-<pid>-*`` are considered, and only
    when ``<pid>`` is not a running process: a live run's folders are never touched.
    """
    root = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        match = _OWNED.match(entry.name)
        if not match or int(match.group(1)) == os.getpid() or pid_alive(int(match.group(1))):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(path)
    return removed


def _writable(folder: Path, base: Path) -> bool:
    """Whether ``folder`` (under the existing directory ``base``) exists or can be made, and
    can be written."""
    if not base.is_dir():
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def _home_dirs() -> dict[str, list[tuple[Path, Path]]]:
    """For each variable, the folders (and the existing base each must be under) that the
    tool writes when the variable is not set."""
    home = Path(os.path.expanduser("~"))
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    data = Path(
        os.environ.get("JUPYTER_DATA_DIR")
        or Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "jupyter"
    )
    return {
        "IPYTHONDIR": [(home / ".ipython", home)],
        "MPLCONFIGDIR": [(config / "matplotlib", home), (cache / "matplotlib", home)],
        "JUPYTER_RUNTIME_DIR": [(data / "runtime", home)],
    }


def unwritable_homes() -> list[str]:
    """The variables among IPYTHONDIR, MPLCONFIGDIR and JUPYTER_RUNTIME_DIR whose folder
    cannot be written: not set, with a default folder under HOME that cannot be, or set to
    a place that is no writable folder (a file: IPython then made temp folders of its own
    and left them behind)."""
    unusable = []
    for name, folders in _home_dirs().items():
        given = os.environ.get(name)
        if given:
            place = Path(given)
            if not (place.is_dir() and os.access(place, os.W_OK | os.X_OK)):
                unusable.append(name)
        elif not all(_writable(folder, base) for folder, base in folders):
            unusable.append(name)
    return unusable


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if _terminating.is_set():
        return  # already stopping: let the (bounded) clean-up finish
    _terminating.set()
    stop = Terminated()
    stop.exit_code = 128 + signum  # 143 for SIGTERM, 129 for SIGHUP
    raise stop


# SIGHUP (the terminal or SSH session closed, a service manager's reload) stops a run as
# SIGTERM does; by default it killed the runner without any clean-up (its temp folders were
# left behind). Under nohup SIGHUP is ignored, and stays ignored.
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


_terminating = threading.Event()


@contextlib.contextmanager
def run_environment() -> Iterator[Path | None]:
    """The process set-up of one run (the runner wraps planning and running in it).

    Removes stale temp folders of dead runs, turns SIGTERM into :class:`Terminated` (main
    thread only), and when HOME cannot be written (or one of these variables names no
    writable folder), points IPYTHONDIR, MPLCONFIGDIR and JUPYTER_RUNTIME_DIR of the runner
    and its kernels into one per-run folder, removed at the end. Yields that folder
    (``None`` when HOME is fine).
    """
    remove_stale()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        _terminating.clear()
        for number in _STOP_SIGNALS:
            if signal.getsignal(number) is not signal.SIG_IGN:
                previous[number] = signal.signal(number, _on_sigterm)
    saved: dict[str, str | None] = {}
    run_dir: Path | None = None
    try:
        missing = unwritable_homes()
        if missing:
            run_dir = Path(temp_dir("run"))
            for name in missing:
                saved[name] = os.environ.get(name)
                target = run_dir / name.lower()
                target.mkdir()
                os.environ[name] = str(target)
        yield run_dir
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)
        for number, handler in previous.items():
            signal.signal(number, handler)


__all__ = [
    "Terminated",
    "pid_alive",
    "remove_stale",
    "run_environment",
    "temp_dir",
    "temp_name",
    "unwritable_homes",
]
