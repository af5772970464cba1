"""One report job: execute the notebook with papermill in a warm kernel, then export HTML.

Outcomes are typed (:class:`Status`); an error is summarised as the cell number and
exception, never a traceback in a report.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import nbformat

from wbreport.kernels import KernelSlot

SECRET_NAME = re.compile(r"token|password|secret|key", re.IGNORECASE)
END_TAG = "report-end"


class Status(str, Enum):
    ok = "ok"
    failed = "failed"
    timeout = "timeout"
    kernel_died = "kernel_died"
    incomplete = "incomplete"
    skipped = "skipped"


@dataclass
class Job:
    """Everything needed to render one report, and where its files go."""

    partner: str
    period: str
    title: str
    notebook: Path
    parameters: dict[str, Any]
    key: str
    staging: Path  # the period's staging folder
    cell_timeout: float = 120.0
    job_timeout: float = 600.0

    @property
    def html(self) -> Path:
        return self.staging / f"{self.partner}.html"

    @property
    def executed(self) -> Path:
        return self.staging / "notebooks" / f"{self.partner}.ipynb"

    @property
    def log(self) -> Path:
        return self.staging / "logs" / f"{self.partner}.log"

    @property
    def name(self) -> str:
        return f"{self.partner} {self.period}"


@dataclass
class JobResult:
    partner: str
    period: str
    status: Status
    seconds: float = 0.0
    attempts: int = 0
    error: str = ""
    cell: int | None = None
    exception: str = ""
    worker: str = ""
    key: str = ""
    paths: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


def redacted(parameters: dict[str, Any]) -> dict[str, Any]:
    """Parameter values whose names look secret, written as ``***``."""
    return {k: ("***" if SECRET_NAME.search(k) else v) for k, v in parameters.items()}


def secret_values(parameters: dict[str, Any]) -> list[str]:
    return [str(v) for k, v in parameters.items() if SECRET_NAME.search(k) and v and len(str(v)) >= 4]


def scrub(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, "***")
    return text


def scrub_notebook(nb: nbformat.NotebookNode, secrets: list[str]) -> None:
    """Remove secret values from sources and outputs of an executed notebook."""
    if not secrets:
        return
    for cell in nb.cells:
        cell.source = scrub(cell.source, secrets)
        for output in cell.get("outputs", []):
            if "text" in output:
                output.text = scrub(output.text, secrets)
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str):
                    output.data[mime] = scrub(value, secrets)
            if "traceback" in output:
                output.traceback = [scrub(line, secrets) for line in output.traceback]
            if "evalue" in output:
                output.evalue = scrub(output.evalue, secrets)


def job_key(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def _first_error(nb: nbformat.NotebookNode) -> tuple[int | None, str, str]:
    """(cell number, exception name, message) of the first error output.

    The number counts code cells of the notebook as the analyst wrote it, so the cell
    papermill injects with the parameters is not counted.
    """
    code_index = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        code_index += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return code_index, output.get("ename", ""), output.get("evalue", "")
    return None, "", ""


def _completeness(nb: nbformat.NotebookNode) -> bool:
    """Whether every code cell ran, up to the tagged end-of-report cell."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code:
        return False
    tagged = [c for c in code if END_TAG in c.get("metadata", {}).get("tags", [])]
    cells = code if not tagged else code[: code.index(tagged[-1]) + 1]
    return all(c.get("execution_count") is not None for c in cells)


class _Watchdog:
    """Kills the kernel when a whole job overruns its time limit."""

    def __init__(self, slot: KernelSlot, seconds: float) -> None:
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire, args=(slot,))
        self._timer.daemon = True

    def _fire(self, slot: KernelSlot) -> None:
        self.fired = True
        slot.kill()

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _attempt(job: Job, slot: KernelSlot, log: Any) -> tuple[Status, nbformat.NotebookNode | None, str,
                                                           int | None, str]:
    """Execute once; returns status, executed notebook, message, cell, exception name."""
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from wbreport.engine import NAME as ENGINE

    try:
        slot.prepare(job.notebook.parent)
    except Exception as exc:
        return Status.kernel_died, None, f"kernel could not be prepared: {exc}", None, type(exc).__name__
    with _Watchdog(slot, job.job_timeout) as watchdog:
        try:
            nb = pm.execute_notebook(
                str(job.notebook), str(job.executed), parameters=job.parameters,
                kernel_name=slot.kernel_name, progress_bar=False, log_output=False,
                stdout_file=log, stderr_file=log, execution_timeout=job.cell_timeout,
                start_timeout=slot.startup_timeout, cwd=str(job.notebook.parent),
                engine_name=ENGINE, **slot.engine_kwargs(),
            )
        except PapermillExecutionError as exc:
            nb = nbformat.read(job.executed, as_version=4) if job.executed.exists() else None
            cell, ename, evalue = _first_error(nb) if nb is not None else (None, exc.ename, exc.evalue)
            status = Status.incomplete if exc.ename == "SystemExit" else Status.failed
            return status, nb, f"{ename or exc.ename}: {evalue or exc.evalue}", cell, exc.ename
        except CellTimeoutError as exc:
            slot.kill()
            return Status.timeout, None, f"a cell ran longer than {job.cell_timeout:g} s", None, \
                type(exc).__name__
        except DeadKernelError as exc:
            if watchdog.fired:
                return Status.timeout, None, f"the report ran longer than {job.job_timeout:g} s", \
                    None, "JobTimeout"
            return Status.kernel_died, None, "the kernel died", None, type(exc).__name__
        except Exception as exc:  # kernel start-up or client failures
            if watchdog.fired:
                return Status.timeout, None, f"the report ran longer than {job.job_timeout:g} s", \
                    None, "JobTimeout"
            if not slot.alive():
                return Status.kernel_died, None, f"the kernel died: {exc}", None, type(exc).__name__
            return Status.failed, None, f"{type(exc).__name__}: {exc}", None, type(exc).__name__
    if watchdog.fired:
        return Status.timeout, nb, f"the report ran longer than {job.job_timeout:g} s", None, "JobTimeout"
    if not _completeness(nb):
        return Status.incomplete, nb, "the notebook stopped before its last cell", None, ""
    return Status.ok, nb, "", None, ""


def execute_job(job: Job, slot: KernelSlot, worker: str = "") -> JobResult:
    """Render one report into its staging folder; a dead kernel is retried once."""
    from wbreport.render import export_html

    started = time.monotonic()
    for folder in (job.executed.parent, job.log.parent):
        folder.mkdir(parents=True, exist_ok=True)
    secrets = secret_values(job.parameters)
    result = JobResult(job.partner, job.period, Status.failed, worker=worker, key=job.key)
    with open(job.log, "w", encoding="utf-8") as log:
        log.write(f"{job.name}: parameters {redacted(job.parameters)}\n")
        for attempt in (1, 2):
            result.attempts = attempt
            status, nb, message, cell, ename = _attempt(job, slot, log)
            log.write(f"attempt {attempt}: {status.value} {message}\n")
            if status is not Status.kernel_died:
                break
            slot.shutdown()  # a fresh kernel for the retry
        result.status, result.error, result.cell, result.exception = status, message, cell, ename
        if nb is None and job.executed.exists():
            nb = nbformat.read(job.executed, as_version=4)
        if nb is not None:
            scrub_notebook(nb, secrets)
            nbformat.write(nb, job.executed)
        if status is Status.ok and nb is not None:
            try:
                job.html.write_text(scrub(export_html(nb, job.title), secrets), encoding="utf-8")
            except Exception as exc:
                result.status, result.error = Status.failed, f"HTML export failed: {exc}"
                result.exception = type(exc).__name__
    if job.log.exists():
        job.log.write_text(scrub(job.log.read_text(encoding="utf-8"), secrets), encoding="utf-8")
    result.seconds = round(time.monotonic() - started, 3)
    result.paths = {"html": job.html.name if job.html.exists() else "",
                    "notebook": f"notebooks/{job.executed.name}" if job.executed.exists() else "",
                    "log": f"logs/{job.log.name}"}
    return result
