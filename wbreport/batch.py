"""A run: plan jobs, execute them in warm kernels, publish the set atomically.

Publication: each period's set is built in ``<out>/.sets/<period>.<run-id>`` and
``<out>/<period>`` is a symbolic link swapped with one ``rename`` onto the new set, so
readers see the previous complete set or the new one, never a mix. A run killed at any
moment leaves the published link untouched; the next run clears its leftovers.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from filelock import FileLock, Timeout

if TYPE_CHECKING:
    from wbreport.kernels import KernelSlot

from wbreport.errors import LockedError, UsageError
from wbreport.jobs import Job, JobResult, Status, execute_job, job_key, redacted
from wbreport.partners import ALL_CODES, REGION, get_partner, order_key
from wbreport.project import project_dir  # the working dir, the checkout or shipped copies

MANIFEST = "manifest.json"
LOCK = ".wbreport.lock"
HOLDER = ".wbreport.lock.json"
KEY_PACKAGES = (
    "pandas",
    "numpy",
    "matplotlib",
    "papermill",
    "nbclient",
    "nbconvert",
    "ipykernel",
    "jupyter_client",
    "nh3",
    "filelock",
)


class Reporter(Protocol):
    def message(self, text: str) -> None: ...
    def started(self, job: Job) -> None: ...
    def finished(self, job: Job, result: JobResult) -> None: ...
    def planned(self, jobs: list[Job], skipped: list[JobResult]) -> None: ...


class QuietReporter:
    def message(self, text: str) -> None:
        pass

    def started(self, job: Job) -> None:
        pass

    def finished(self, job: Job, result: JobResult) -> None:
        pass

    def planned(self, jobs: list[Job], skipped: list[JobResult]) -> None:
        pass


@dataclass
class RunOptions:
    data: Path | None = None
    period: str | None = None
    partners: list[str] = field(default_factory=lambda: list(ALL_CODES))
    out: Path = Path("outputs")
    jobs: int = 0  # 0: one per CPU
    executor: str = "local"
    scheduler: str | None = None
    force: bool = False
    notebook: Path | None = None
    params_dir: Path | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    reuse_kernels: bool = True
    pdf: bool = False  # also print each report to PDF with headless Chromium


@dataclass
class PeriodResult:
    period: str
    folder: Path
    results: list[JobResult]
    requested: list[str] = field(default_factory=lambda: list(ALL_CODES))

    @property
    def failed(self) -> list[JobResult]:
        """Reports this run was asked for that did not come out."""
        return [
            r
            for r in self.results
            if r.partner in self.requested and r.status not in (Status.ok, Status.skipped)
        ]


@dataclass
class RunResult:
    periods: list[PeriodResult]

    @property
    def exit_code(self) -> int:
        return 1 if any(p.failed for p in self.periods) else 0


# --- locations ----------------------------------------------------------------


def default_notebook() -> Path:
    return project_dir() / "notebooks" / "report.ipynb"


def default_params() -> Path:
    return project_dir() / "params"


# --- lock -----------------------------------------------------------------------


class RunLock:
    """One lock per output folder; the OS releases it when a run dies, so it is taken over."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.lock = FileLock(str(out / LOCK))

    def __enter__(self) -> RunLock:
        self.out.mkdir(parents=True, exist_ok=True)
        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            holder = _read_json(self.out / HOLDER) or {}
            who = (
                f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('started')}"
                if holder
                else "another process"
            )
            raise LockedError(
                f"another run is writing to {self.out} ({who}); try again later"
            ) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (self.out / HOLDER).write_text(json.dumps(holder), encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        (self.out / HOLDER).unlink(missing_ok=True)
        self.lock.release()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- publication ------------------------------------------------------------------


SET_MARKER = ".wbreport-set"


def sets_dir(out: Path) -> Path:
    return out / ".sets"


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (resolved, symlinks followed) lies strictly inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return path.resolve() != root.resolve()


def is_own_set(out: Path, folder: Path) -> bool:
    """A set folder wbreport created: inside ``<out>/.sets/`` and carrying its marker."""
    return (
        _inside(folder, sets_dir(out))
        and not sets_dir(out).is_symlink()
        and folder.resolve().parent == sets_dir(out).resolve()
        and ((folder / SET_MARKER).is_file() or _legacy_set(folder))
    )


def _legacy_set(folder: Path) -> bool:
    """A set published by a wbreport release that wrote no marker yet (its manifest)."""
    manifest = _read_json(folder / MANIFEST)
    return isinstance(manifest, dict) and manifest.get("tool") == "wbreport"


def make_set(out: Path, name: str) -> Path:
    """Create a new set folder, marked so that only such folders are ever deleted."""
    root = sets_dir(out)
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        raise UsageError(f"{root} is not a folder wbreport created; move it away")
    root.mkdir(exist_ok=True)
    folder = root / name
    folder.mkdir()
    (folder / SET_MARKER).write_text(name + "\n", encoding="utf-8")
    for sub in ("notebooks", "logs"):
        (folder / sub).mkdir()
    return folder


def check_publishable(out: Path, period: str) -> None:
    """Refuse (exit 2) when ``<out>/<period>`` is anything but a link wbreport made.

    wbreport deletes only what it created; a user's folder, file or link to elsewhere at
    the place it would publish is left untouched and the run is refused before it starts.
    """
    link = out / period
    if not link.is_symlink():
        if link.exists():
            what = "folder" if link.is_dir() else "file"
            raise UsageError(
                f"{link} is not a wbreport publication (a plain {what}); wbreport will not"
                " replace it: move it away or choose another --out"
            )
        return
    if not link.exists():  # a dangling link: fine only when it pointed into our sets
        target = Path(os.path.normpath(out / os.readlink(link)))
        if target.parent != sets_dir(out):
            raise UsageError(
                f"{link} is a link to {os.readlink(link)}, not a wbreport publication;"
                " move it away or choose another --out"
            )
        return
    if not is_own_set(out, link):
        raise UsageError(
            f"{link} points to {link.resolve()}, which is not a set wbreport created;"
            " wbreport will not replace or delete it: move the link away or choose another --out"
        )


def published(out: Path, period: str) -> Path | None:
    """The set currently published for ``period`` (``None`` when there is none or it is
    not one of wbreport's own sets)."""
    link = out / period
    if link.is_symlink() and link.exists() and is_own_set(out, link):
        return link.resolve()
    return None


def publish(out: Path, period: str, folder: Path) -> None:
    """Atomically point ``<out>/<period>`` at ``folder`` and drop the previous set."""
    check_publishable(out, period)
    link = out / period
    previous = published(out, period)
    temp = out / f".{period}.{uuid.uuid4().hex[:8]}.link"
    os.symlink(os.path.relpath(folder, out), temp)
    os.replace(temp, link)
    _fsync_dir(out)
    if previous is not None and previous != folder.resolve() and is_own_set(out, previous):
        shutil.rmtree(previous, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_leftovers(out: Path) -> None:
    """Remove wbreport's own sets that no published link points to, and its temporary
    links (we hold the lock). Anything without wbreport's marker is left alone."""
    live = {p.resolve() for p in out.iterdir() if p.is_symlink() and p.exists()}
    for temp in out.glob(".*.link"):
        if temp.is_symlink():
            temp.unlink(missing_ok=True)
    root = sets_dir(out)
    if not root.is_dir() or root.is_symlink():
        return
    for entry in root.iterdir():
        if entry.is_symlink():
            continue
        if entry.is_dir():
            if entry.resolve() not in live and is_own_set(out, entry):
                shutil.rmtree(entry, ignore_errors=True)
            else:  # a set killed before its marker was written is empty: rmdir only
                with contextlib.suppress(OSError):
                    entry.rmdir()
        elif entry.name.startswith(".prepared-") and entry.suffix == ".pkl":
            entry.unlink(missing_ok=True)  # the prepared-indicators pickle of a killed run


def _write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


# --- executors ----------------------------------------------------------------------


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
        def one(job: Job) -> JobResult:
            slot = self._wait_slot()
            try:
                if self._stopping:
                    return JobResult(
                        job.partner, job.period, Status.failed, error="run interrupted"
                    )
                started(job)
                result = execute_job(job, slot, worker=f"local-{id(slot) % 10000}")
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


def _prewarm_runner() -> None:
    """Import what running and exporting a report needs and build the HTML exporter, in
    the background while kernels start and data loads, not in the first report's time."""
    try:
        import wbreport.engine  # noqa: F401  # first: it imports papermill lean
        from wbreport.render import prewarm

        prewarm()
    except Exception:
        pass  # each report builds what it needs and reports its own failures


def make_executor(options: RunOptions, settings: Any) -> Any:
    workers = options.jobs or os.cpu_count() or 1
    if options.executor == "dask":
        from wbreport.cluster import DaskExecutor

        return DaskExecutor(options.scheduler, workers, settings.timeouts.kernel_start_seconds)
    if options.executor != "local":
        raise UsageError(f"unknown executor {options.executor!r}: use local or dask")
    return LocalExecutor(workers, options.reuse_kernels, settings.timeouts.kernel_start_seconds)


# --- manifest and index ------------------------------------------------------------


def _git_state(folder: Path) -> dict[str, Any]:
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--", "."))
        return {"commit": commit, "dirty": dirty}
    except Exception:
        return {"commit": None, "dirty": None}


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


def write_manifest(
    folder: Path, meta: dict[str, Any], results: Iterable[JobResult]
) -> dict[str, Any]:
    from wbreport import __version__

    manifest = {
        "tool": "wbreport",
        "version": __version__,
        **meta,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "packages": _versions(),
        "jobs": [r.to_json() for r in sorted(results, key=lambda r: order_key(r.partner))],
    }
    manifest["parameters"] = redacted(manifest.get("parameters", {}))
    _write_atomic(folder / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


# --- the run -----------------------------------------------------------------------------


def _declared_parameters(notebook: Path) -> dict[str, Any]:
    """Names assigned in the cell tagged ``parameters`` (papermill's rule), read with
    ``json`` and ``ast`` so that a run with nothing to render does not import papermill."""
    import ast

    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        language = nb.get("metadata", {}).get("kernelspec", {}).get("language") or "python"
        cells = [
            c for c in nb.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])
        ]
        if language == "python" and cells:
            source = cells[0].get("source", "")
            tree = ast.parse(source if isinstance(source, str) else "".join(source))
            names: dict[str, Any] = {}
            for node in tree.body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else [node.target]
                    if isinstance(node, ast.AnnAssign)
                    else []
                )
                names.update({t.id: {"name": t.id} for t in targets if isinstance(t, ast.Name)})
            return names
    except (OSError, ValueError, SyntaxError, AttributeError):
        pass  # papermill gives the precise message below
    import papermill as pm

    try:
        return dict(pm.inspect_notebook(str(notebook)))
    except Exception as exc:
        raise UsageError(f"cannot read notebook {notebook}: {exc}") from None


def check_parameters(notebook: Path, given: dict[str, Any]) -> None:
    """Refuse names not declared in the notebook's parameters cell (papermill only warns)."""
    declared = _declared_parameters(notebook)
    if not declared:
        raise UsageError(f"{notebook} has no cell tagged 'parameters'")
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise UsageError(
            f"unknown notebook parameter(s) {', '.join(map(repr, unknown))}; "
            f"{notebook.name} declares: {', '.join(declared)}"
        )


def _safe_value(name: str, value: Any) -> None:
    if not isinstance(value, str | int | float | bool) and value is not None:
        raise UsageError(f"parameter {name!r} must be text or a number")
    if isinstance(value, str) and ("\n" in value or "\r" in value or "\0" in value):
        raise UsageError(f"parameter {name!r} must be one line of text")


INJECTED = ("partner", "period", "data", "params_dir", "prepared")


def _file_bytes(path: Path | None) -> bytes:
    return path.read_bytes() if path is not None and path.is_file() else b""


def _source_hash() -> str:
    """Hash of wbreport's own code and templates, so a changed package re-renders."""
    root = Path(__file__).resolve().parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css"))
    return job_key(*(p.relative_to(root).as_posix().encode() + p.read_bytes() for p in files))


def input_files(data: Path | None) -> tuple[Path, list[Path]]:
    from wbreport.rawpackage import sample_data_path
    from wbreport.schema import TABLES

    root = data if data is not None else sample_data_path()
    if root.is_dir():
        return root, [root / f"{t.name}.csv" for t in TABLES if (root / f"{t.name}.csv").is_file()]
    return root, [root] if root.exists() else []


class Pipeline:
    """One invocation of ``wbreport run``."""

    def __init__(self, options: RunOptions, reporter: Reporter) -> None:
        self.options = options
        self.reporter = reporter
        self.run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.notebook = (options.notebook or default_notebook()).resolve()
        self.params_dir = (options.params_dir or default_params()).resolve()
        if not self.notebook.is_file():
            raise UsageError(f"notebook not found: {self.notebook}")
        for name, value in options.parameters.items():
            _safe_value(name, value)
        check_parameters(self.notebook, {**dict.fromkeys(INJECTED), **options.parameters})
        clash = sorted(set(options.parameters) & set(INJECTED))
        if clash:
            raise UsageError(
                f"parameter(s) {', '.join(clash)} are set by wbreport run itself; use the "
                "command-line options instead"
            )
        if options.pdf:
            from wbreport.pdf import unavailable_reason

            reason = unavailable_reason()
            if reason:
                raise UsageError(f"--pdf cannot be used here: {reason}")
        self._early = self._start_kernels_early()
        try:
            from wbreport.config import load_settings  # (imports pandas)

            self.settings = load_settings(self.params_dir if self.params_dir.is_dir() else None)
            if self._early is not None:
                self._early.set_startup_timeout(self.settings.timeouts.kernel_start_seconds)
            self.out = options.out.resolve()
            root, files = input_files(options.data)
            if not files:
                from wbreport.readers import read_package

                read_package(root)  # raises the precise "not found / not a package" problem
            from wbreport.rawpackage import fingerprint

            self.data_path = options.data.resolve() if options.data is not None else None
            self.fingerprint = fingerprint(files, root)
        except BaseException:
            self.close()
            raise
        self.started = datetime.now(UTC)
        self._package: Any = None

    def _start_kernels_early(self) -> LocalExecutor | None:
        """With ``--force`` every requested report renders, so kernels can start now, while
        settings, data and indicators load (loading pandas alone takes a third of a second),
        instead of after planning. Parameters were checked first: invalid ones never start a
        kernel; a run refused later (invalid data, lock held) stops these at once."""
        options = self.options
        if not (options.force and options.executor == "local" and options.partners):
            return None
        periods = 1
        if options.period:
            from wbreport.periods import parse_period_range

            try:
                periods = len(parse_period_range(options.period))
            except Exception:
                return None  # refused with its precise message later
        executor = LocalExecutor(options.jobs or os.cpu_count() or 1, options.reuse_kernels)
        executor.warm(self.notebook.parent, len(options.partners) * periods)
        return executor

    def close(self) -> None:
        """Stop kernels started early and not handed to a run (a run refused or interrupted
        before planning)."""
        early, self._early = self._early, None
        if early is not None:
            early.close()

    # --- planning ---------------------------------------------------------------------

    def package(self) -> Any:
        if self._package is None:
            from wbreport.package import load_package

            self.reporter.message("validating data package")
            self._package = load_package(self.data_path)
        return self._package

    def periods(self) -> list[str]:
        from wbreport.periods import parse_period_range

        if self.options.period:
            return [p.label for p in parse_period_range(self.options.period)]
        cache = _read_json(self.out / ".wbreport-cache.json") or {}
        key = job_key(json.dumps(self.fingerprint, sort_keys=True))
        if cache.get("fingerprint") == key and cache.get("default_period"):
            return [cache["default_period"]]
        from wbreport.indicators import default_period

        label = default_period(self.package()).label
        _write_atomic(
            self.out / ".wbreport-cache.json",
            json.dumps({"fingerprint": key, "default_period": label}),
        )
        return [label]

    def _narrative_file(self, period: str, code: str) -> Path:
        return self.params_dir / period / f"{code}.yaml"

    def job_key(self, period: str, code: str) -> str:
        return job_key(
            _source_hash(),
            json.dumps(self.fingerprint, sort_keys=True),
            self.notebook.read_bytes(),
            _file_bytes(self.params_dir / "defaults.yaml"),
            _file_bytes(self._narrative_file(period, code)),
            period,
            code,
            json.dumps(self.options.parameters, sort_keys=True),
        )

    def _check_narratives(self, periods: list[str]) -> None:
        from wbreport.config import load_narrative
        from wbreport.errors import ValidationError

        problems = []
        for period in periods:
            for code in self.options.partners:
                try:
                    load_narrative(self.params_dir, period, code)
                except ValidationError as exc:
                    problems += exc.problems
        if problems:
            raise ValidationError(problems)

    # --- running ------------------------------------------------------------------------

    def run(self) -> RunResult:
        try:
            periods = self.periods() if self.options.period else None
            if periods is not None:
                self._check_narratives(periods)
            with RunLock(self.out):
                clean_leftovers(self.out)
                periods = periods or self.periods()
                self._check_narratives(periods)
                return self._run_locked(periods)
        finally:
            self.close()

    def _run_locked(self, periods: list[str]) -> RunResult:
        from wbreport.periods import parse_period

        for period in periods:  # before anything is created: refuse foreign folders
            check_publishable(self.out, period)
        plans: dict[str, tuple[Path, list[Job], list[JobResult], Path | None]] = {}
        for period in periods:
            folder = make_set(self.out, f"{period}.{self.run_id}")
            previous = published(self.out, period)
            before = (
                {j["partner"]: j for j in (_read_json(previous / MANIFEST) or {}).get("jobs", [])}
                if previous
                else {}
            )
            jobs, skipped = [], []
            for code in self.options.partners:
                key = self.job_key(period, code)
                old = before.get(code, {})
                reusable = (
                    not self.options.force
                    and old.get("key") == key
                    and old.get("status") in ("ok", "skipped")
                    and previous is not None
                    and (previous / f"{code}.html").is_file()
                )
                if reusable:
                    assert previous is not None
                    _carry_over(previous, folder, code)
                    skipped.append(
                        JobResult(
                            code, period, Status.skipped, key=key, paths=dict(old.get("paths", {}))
                        )
                    )
                    continue
                jobs.append(self._job(period, code, key, folder))
            # Reports of partners this run does not render stay published as they were.
            others = [c for c in ALL_CODES if c not in self.options.partners and c in before]
            for code in others:
                assert previous is not None
                _carry_over(previous, folder, code)
                old = before[code]
                skipped.append(
                    JobResult(
                        code,
                        period,
                        Status(old.get("status", "skipped")),
                        seconds=old.get("seconds", 0.0),
                        error=old.get("error", ""),
                        cell=old.get("cell"),
                        key=old.get("key", ""),
                        paths=dict(old.get("paths", {})),
                    )
                )
            plans[period] = (folder, jobs, skipped, previous)

        all_jobs = [j for _, jobs, _, _ in plans.values() for j in jobs]
        self.reporter.planned(all_jobs, [r for _, _, s, _ in plans.values() for r in s])
        results: dict[tuple[str, str], JobResult] = {}
        tables: dict[str, Any] = {}
        executor = None
        try:
            executor, self._early = self._early, None
            if all_jobs and executor is None:
                executor = make_executor(self.options, self.settings)
                if hasattr(executor, "warm"):
                    executor.warm(self.notebook.parent, len(all_jobs))
            elif not all_jobs and executor is not None:
                executor.close()  # (--force renders every job: not reached in practice)
                executor = None
            if all_jobs or any(
                not (prev and (prev / "indicators.csv").is_file())
                for _, _, _, prev in plans.values()
            ):
                from wbreport.report import prepare

                parsed = [parse_period(p) for p in periods]
                prepared = prepare(self.package(), parsed, self.settings)
                tables = {p: prepared.tables[p] for p in periods}
                pickle_path = sets_dir(self.out) / f".prepared-{self.run_id}.pkl"
                prepared.save(pickle_path)
                for job in all_jobs:
                    job.parameters["prepared"] = str(pickle_path)
            if executor is not None:
                for result, job in zip(
                    executor.run(all_jobs, self._done, self.reporter.started), all_jobs, strict=True
                ):
                    result.key = job.key
                    results[(job.period, job.partner)] = result
        except BaseException:
            for folder, *_ in plans.values():
                shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            if executor is not None:
                executor.close()
            for leftover in sets_dir(self.out).glob(f".prepared-{self.run_id}.pkl"):
                leftover.unlink(missing_ok=True)

        outcome = []
        for period, (folder, jobs, skipped, previous) in plans.items():
            period_results = skipped + [results[(period, j.partner)] for j in jobs]
            self._finish_period(period, folder, period_results, tables.get(period), previous)
            publish(self.out, period, folder)
            outcome.append(
                PeriodResult(period, self.out / period, period_results, list(self.options.partners))
            )
        return RunResult(outcome)

    def _done(self, job: Job, result: JobResult) -> None:
        self.reporter.finished(job, result)

    def _job(self, period: str, code: str, key: str, folder: Path) -> Job:
        parameters: dict[str, Any] = {
            "partner": code,
            "period": period,
            "data": str(self.data_path) if self.data_path else None,
            "params_dir": str(self.params_dir),
            "prepared": None,
            **self.options.parameters,
        }
        title = f"{get_partner(code).name} — programming report {period}"
        t = self.settings.timeouts
        return Job(
            code,
            period,
            title,
            self.notebook,
            parameters,
            key,
            folder,
            cell_timeout=t.cell_seconds,
            job_timeout=t.job_seconds,
        )

    def _finish_period(
        self, period: str, folder: Path, results: list[JobResult], table: Any, previous: Path | None
    ) -> None:
        from wbreport.index import write_index
        from wbreport.targets import to_csv_text

        if table is not None:
            _write_atomic(folder / "indicators.csv", to_csv_text(table))
        elif previous is not None and (previous / "indicators.csv").is_file():
            shutil.copy2(previous / "indicators.csv", folder / "indicators.csv")
        git = _git_state(self.notebook.parent)
        meta = {
            "run_id": self.run_id,
            "started": self.started.isoformat(timespec="seconds"),
            "period": period,
            "data": {
                "source": str(self.data_path) if self.data_path else "built-in sample",
                "sha256": self.fingerprint,
            },
            "notebook": {
                "path": str(self.notebook),
                "git_commit": git["commit"],
                "git_dirty": git["dirty"],
            },
            "executor": self.options.executor,
            "parameters": dict(self.options.parameters),
        }
        for result in results:
            result.paths.setdefault("log", f"logs/{result.partner}.log")
        if self.options.pdf:
            from wbreport.pdf import print_pdfs

            fresh = [
                r.partner
                for r in results
                if r.status is Status.ok or not (folder / f"{r.partner}.pdf").is_file()
            ]
            self.reporter.message(f"printing {len(fresh)} PDF(s) for {period}")
            print_pdfs(folder, fresh)
        for result in results:
            if (folder / f"{result.partner}.pdf").is_file():
                result.paths["pdf"] = f"{result.partner}.pdf"
        write_index(folder, write_manifest(folder, meta, results))


def _carry_over(previous: Path, folder: Path, code: str) -> None:
    """Reuse a skipped report's files from the published set (hard links when possible)."""
    for rel in (f"{code}.html", f"{code}.pdf", f"notebooks/{code}.ipynb", f"logs/{code}.log"):
        source, target = previous / rel, folder / rel
        if not source.is_file():
            continue
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


def plan_and_run(options: RunOptions, reporter: Reporter | None = None) -> RunResult:
    """Validate everything, then render and publish each requested period."""
    return Pipeline(options, reporter or QuietReporter()).run()


__all__ = ["Pipeline", "RunOptions", "RunResult", "check_parameters", "plan_and_run", "publish"]
