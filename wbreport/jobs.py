"""One report job: execute the notebook in a warm kernel (:mod:`wbreport.engine`), then
export HTML.

Outcomes are typed (:class:`Status`); an error is summarised as the cell number and
exception, never a traceback in a report.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from wbreport.config import OutputLimits
from wbreport.runtime import temp_name

if TYPE_CHECKING:  # imported where used: a run with every report unchanged needs neither
    import nbformat

    from wbreport.kernels import KernelSlot

SECRET_NAME = re.compile(r"token|password|secret|key", re.IGNORECASE)
SECRET_MIN_CHARS = 4  # shorter values (flags, "1", "yes") would blank out ordinary text
END_TAG = "report-end"


class Status(StrEnum):
    """The typed outcome of one report job."""

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
    output: OutputLimits = field(default_factory=OutputLimits)  # what a cell keeps
    kind: str = "programming"  # the report kind (SPEC §8) and language (§10)
    lang: str = "en"
    # The same report in other languages, rendered by the same execution (wbreport.multilang).
    also: list[Job] = field(default_factory=list)

    @property
    def members(self) -> list[Job]:
        """This job and the other languages it renders."""
        return [self, *self.also]

    @property
    def stem(self) -> str:
        """File stem of this report: ``AL``, ``AL.sq``, ``AL.evaluation.sq`` (naming.py)."""
        from wbreport.naming import report_stem

        return report_stem(self.partner, self.kind, self.lang)

    @property
    def html(self) -> Path:
        """The report's HTML file in the staging folder."""
        return self.staging / f"{self.stem}.html"

    @property
    def executed(self) -> Path:
        """The executed notebook (scrubbed) in the staging folder."""
        return self.staging / "notebooks" / f"{self.stem}.ipynb"

    @property
    def log(self) -> Path:
        """The job's log (scrubbed) in the staging folder."""
        return self.staging / "logs" / f"{self.stem}.log"

    @property
    def name(self) -> str:
        """How messages name the job: file stem and period."""
        return f"{self.stem} {self.period}"


@dataclass
class JobResult:
    """What one job did: its status, timing, error summary and the files it wrote."""

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
    kind: str = "programming"
    lang: str = "en"
    # Set when this run failed and the last good report was carried into the new set
    # (SPEC §7): {"run_id", "time"} of the run that rendered the carried report.
    carried_from: dict[str, str] | None = None
    # The results of the other languages of the same execution (wbreport.multilang.expand).
    also: list[JobResult] = field(default_factory=list)

    @property
    def stem(self) -> str:
        """File stem of this report (see :mod:`wbreport.naming`)."""
        from wbreport.naming import report_stem

        return report_stem(self.partner, self.kind, self.lang)

    def to_json(self) -> dict[str, Any]:
        """The result as the manifest records it."""
        data = asdict(self)
        data.pop("also", None)
        data["status"] = self.status.value
        return data


def group_languages(jobs: list[Job]) -> list[Job]:
    """``jobs`` with those of one (partner, period, kind, notebook) whose notebook declares
    ``languages`` merged into one job; the others unchanged, order kept."""
    groups: dict[tuple[Any, ...], Job] = {}
    out: list[Job] = []
    for job in jobs:
        if "languages" not in job.parameters or "lang" not in job.parameters:
            out.append(job)
            continue
        key = (job.partner, job.period, job.kind, job.notebook, job.staging)
        first = groups.get(key)
        if first is None:
            first = groups[key] = replace(job, parameters=dict(job.parameters), also=[])
            out.append(first)
        else:
            first.also.append(job)
        first.parameters["languages"] = [m.lang for m in first.members]
    return out


def expand(job: Job, result: JobResult) -> list[tuple[Job, JobResult]]:
    """One (job, result) per language of ``job``; a language the result does not cover
    (the execution failed before any report was written) shares the first one's outcome."""
    results = {r.lang: r for r in [result, *result.also]}
    pairs = []
    for member in job.members:
        own = results.get(member.lang)
        if own is None:
            own = replace(result, kind=member.kind, lang=member.lang, key=member.key, paths={})
        pairs.append((member, replace(own, also=[])))
    return pairs


def redacted(parameters: dict[str, Any]) -> dict[str, Any]:
    """Parameter values whose names look secret, written as ``***``."""
    return {k: ("***" if SECRET_NAME.search(k) else v) for k, v in parameters.items()}


def secret_values(
    parameters: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> list[str]:
    """Values to remove from everything a job writes: parameters and environment variables
    named like a secret (the kernel inherits the environment, so a notebook can print them).

    Each value is also searched in the forms it takes in HTML and JSON text; longest first,
    so a secret that contains another is removed whole.
    """
    pairs = [*parameters.items(), *(environ or {}).items()]
    values = {
        str(v)
        for k, v in pairs
        if SECRET_NAME.search(k) and v is not None and len(str(v)) >= SECRET_MIN_CHARS
    }
    forms = {
        form
        for v in values
        for form in (
            v,
            html.escape(v),
            html.escape(v, quote=False),
            html.escape(v).replace("&#x27;", "&#39;"),
            json.dumps(v)[1:-1],
        )
    }
    return sorted(forms, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every value of ``secrets`` replaced by ``***``."""
    for value in secrets:
        text = text.replace(value, "***")
    return text


def _scrub_tree(node: Any, secrets: list[str]) -> Any:
    if isinstance(node, str):
        return scrub(node, secrets)
    if isinstance(node, list):
        return [_scrub_tree(item, secrets) for item in node]
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = _scrub_tree(value, secrets)
    return node


def scrub_notebook(nb: nbformat.NotebookNode, secrets: list[str]) -> None:
    """Remove secret values from every text of an executed notebook: sources, outputs and
    metadata (the parameters are recorded there)."""
    if secrets:
        _scrub_tree(nb, secrets)


def job_key(*parts: bytes | str) -> str:
    """A SHA-256 hex digest of ``parts`` (separated, so ("ab", "c") differs from ("a", "bc"))."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def _first_error(nb: nbformat.NotebookNode) -> tuple[int | None, str, str]:
    """(cell number, exception name, message) of the first error output.

    The number counts code cells of the notebook as the analyst wrote it, so the cell
    injected with the parameters is not counted.
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


def _not_run(nb: nbformat.NotebookNode) -> int | None:
    """Number of the first code cell that did not run, up to the tagged end-of-report cell
    (0 for a notebook without code); ``None`` when the report ran to its end.

    Cells are counted as in :func:`_first_error`.
    """
    code = [
        c
        for c in nb.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]
    if not code:
        return 0
    tagged = [c for c in code if END_TAG in c.get("metadata", {}).get("tags", [])]
    cells = code if not tagged else code[: code.index(tagged[-1]) + 1]
    return next((n for n, c in enumerate(cells, 1) if c.get("execution_count") is None), None)


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


class _Outcome(NamedTuple):
    status: Status
    nb: nbformat.NotebookNode | None = None
    message: str = ""
    cell: int | None = None
    exception: str = ""


def _failed(status: Status, message: str, exc: BaseException | None = None) -> _Outcome:
    return _Outcome(status, None, message, None, type(exc).__name__ if exc else "")


def _attempt(job: Job, slot: KernelSlot, log: Any, output: Path) -> _Outcome:
    """Execute the notebook once, into ``output``."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from wbreport import engine

    try:
        nb = engine.parameterized(job.notebook, job.parameters)
    except Exception as exc:
        return _failed(Status.failed, f"cannot read the notebook: {exc}", exc)
    try:
        slot.prepare(job.notebook.parent, job.output.printed_chars)
    except Exception as exc:
        return _failed(Status.kernel_died, f"kernel could not be prepared: {exc}", exc)
    overran = _Outcome(
        Status.timeout,
        None,
        f"the report ran longer than {job.job_timeout:g} s",
        None,
        "JobTimeout",
    )
    with _Watchdog(slot, job.job_timeout) as watchdog:
        try:
            engine.execute(
                nb,
                slot.km,
                slot.kc,
                output,
                job.cell_timeout,
                log,
                languages=[member.lang for member in job.members],
                limits=job.output,
            )
        except CellExecutionError as exc:
            cell, ename, evalue = _first_error(nb)
            ename, evalue = ename or exc.ename, evalue or exc.evalue
            status = Status.incomplete if ename == "SystemExit" else Status.failed
            return _Outcome(status, nb, f"{ename}: {evalue}", cell, ename)
        except CellTimeoutError as exc:
            slot.kill()
            return _failed(Status.timeout, f"a cell ran longer than {job.cell_timeout:g} s", exc)
        except DeadKernelError as exc:
            return (
                overran if watchdog.fired else _failed(Status.kernel_died, "the kernel died", exc)
            )
        except Exception as exc:  # client failures
            if watchdog.fired:
                return overran
            if not slot.alive():
                return _failed(Status.kernel_died, f"the kernel died: {exc}", exc)
            return _failed(Status.failed, f"{type(exc).__name__}: {exc}", exc)
        finally:
            slot.settle()
    if watchdog.fired:
        return overran._replace(nb=nb)
    return _ended(nb)


def _ended(nb: nbformat.NotebookNode) -> _Outcome:
    """The outcome of a notebook that ran without an exception: ok, or incomplete when it
    stopped before its end (``sys.exit()``, a skipped cell)."""
    stopped = _not_run(nb)
    if stopped is None:
        return _Outcome(Status.ok, nb)
    cell, ename, evalue = _first_error(nb)
    if ename:
        detail = f"{ename}: {evalue}" if evalue else ename
        return _Outcome(Status.incomplete, nb, f"the notebook exited early ({detail})", cell, ename)
    return _Outcome(
        Status.incomplete,
        nb,
        f"the notebook stopped before its last cell: cell {stopped} did not run",
        stopped or None,
    )


def execute_job(job: Job, slot: KernelSlot, worker: str = "") -> JobResult:
    """Render one report (and the other languages in ``job.also``, from the same execution)
    into its staging folder; a dead kernel is retried once."""
    import nbformat

    started = time.monotonic()
    for folder in (job.executed.parent, job.log.parent):
        folder.mkdir(parents=True, exist_ok=True)
    secrets = secret_values(job.parameters, os.environ)
    attempts = 0
    # The executed notebook holds the parameters as given, and the kernel's output goes to
    # the log: both are written to a private folder outside the output folder and land in
    # the set only once scrubbed, even if this process is killed.
    with tempfile.TemporaryDirectory(prefix=temp_name("job")) as private:
        raw_notebook, raw_log = Path(private) / "executed.ipynb", Path(private) / "job.log"
        with open(raw_log, "w", encoding="utf-8") as log, slot.using():
            log.write(f"{job.name}: parameters {redacted(job.parameters)}\n")
            for attempt in (1, 2):
                attempts = attempt
                outcome = _attempt(job, slot, log, raw_notebook)
                log.write(f"attempt {attempt}: {outcome.status.value} {outcome.message}\n")
                if outcome.status is not Status.kernel_died or slot.stopped:
                    break
                slot.shutdown()  # a fresh kernel for the retry
        if outcome.nb is None and raw_notebook.exists():
            outcome = outcome._replace(nb=nbformat.read(raw_notebook, as_version=4))
        log_text = scrub(raw_log.read_text(encoding="utf-8", errors="replace"), secrets)
        results = [
            _write_report(member, outcome, secrets, log_text, bool(job.also))
            for member in job.members
        ]
    # Each language's report took the whole execution that rendered them together (a
    # timeout reads as the time it hit, not a share of it).
    seconds = round(time.monotonic() - started, 3)
    for result in results:
        result.seconds, result.attempts, result.worker = seconds, attempts, worker
    results[0].also = results[1:]
    return results[0]


def _write_report(
    job: Job, outcome: _Outcome, secrets: list[str], log_text: str, grouped: bool
) -> JobResult:
    """Write one language's executed notebook, HTML page and log; its result."""
    import nbformat

    from wbreport.render import export_html

    result = JobResult(job.partner, job.period, outcome.status, key=job.key)
    result.kind, result.lang = job.kind, job.lang
    result.cell, result.exception = outcome.cell, outcome.exception
    result.error = scrub(outcome.message, secrets)
    nb = outcome.nb
    if nb is not None and grouped:
        from wbreport.multilang import language_notebook

        nb, failed = language_notebook(nb, job.lang)
        # The first section that failed in this language (before any cell that failed in all).
        if failed is not None and result.status in (Status.ok, Status.failed, Status.incomplete):
            result.status, (result.cell, result.exception, message) = Status.failed, failed
            result.error = scrub(f"{result.exception}: {message}", secrets)
    if nb is not None:
        scrub_notebook(nb, secrets)
        nbformat.write(nb, job.executed)
    if result.status is Status.ok and nb is not None:
        try:
            job.html.write_text(scrub(export_html(nb, job.title), secrets), encoding="utf-8")
        except Exception as exc:
            result.status, result.exception = Status.failed, type(exc).__name__
            result.error = scrub(f"HTML export failed: {exc}", secrets)
    job.log.write_text(log_text, encoding="utf-8")
    result.paths = {
        "html": job.html.name if job.html.exists() else "",
        "notebook": f"notebooks/{job.executed.name}" if job.executed.exists() else "",
        "log": f"logs/{job.log.name}",
    }
    return result
