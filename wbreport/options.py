"""What a run is asked for (:class:`RunOptions`), where its project lives, and what it gave
(:class:`RunResult`), with the progress :class:`Reporter` protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from wbreport.jobs import Job, JobResult, Status
from wbreport.naming import index_file
from wbreport.partners import ALL_CODES
from wbreport.project import project_dir  # the working dir, the checkout or shipped copies

MAX_PERIODS = 120
"""Longest ``--period FROM:TO`` range one run renders (30 years of quarters)."""


@dataclass
class RunOptions:
    """Everything ``wbreport run`` is asked for (SPEC §6)."""

    data: Path | None = None
    period: str | None = None
    partners: list[str] = field(default_factory=lambda: list(ALL_CODES))
    out: Path = Path("outputs")
    jobs: int = 0  # 0: one per CPU
    executor: str = "local"
    scheduler: str | None = None
    force: bool = False
    notebook: Path | None = None  # replaces the notebook of the (single) chosen kind
    params_dir: Path | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    reuse_kernels: bool = True
    pdf: bool = False  # also print each report to PDF with headless Chromium
    kinds: list[str] | None = None  # None: every kind declared in defaults.yaml
    languages: list[str] | None = None  # None: each partner's languages from defaults.yaml


class Reporter(Protocol):
    """Progress of a run (the command line shows it on stderr)."""

    def message(self, text: str) -> None:
        """A line of progress (data validated, PDFs printed...)."""

    def started(self, job: Job) -> None:
        """``job`` started rendering."""

    def finished(self, job: Job, result: JobResult) -> None:
        """``job`` ended with ``result``."""

    def planned(self, jobs: list[Job], skipped: list[JobResult]) -> None:
        """The run will render ``jobs`` and keep ``skipped`` as they are."""


class QuietReporter:
    """A reporter that shows nothing."""

    def message(self, text: str) -> None:
        """Shows nothing."""

    def started(self, job: Job) -> None:
        """Shows nothing."""

    def finished(self, job: Job, result: JobResult) -> None:
        """Shows nothing."""

    def planned(self, jobs: list[Job], skipped: list[JobResult]) -> None:
        """Shows nothing."""


ReportKey = tuple[str, str, str]  # (partner, kind, lang)


@dataclass
class PeriodResult:
    """One published period: its folder and every report's outcome."""

    period: str
    folder: Path
    results: list[JobResult]
    requested: set[ReportKey] = field(default_factory=set)

    @property
    def failed(self) -> list[JobResult]:
        """Reports this run was asked for that did not come out."""
        return [
            r
            for r in self.results
            if (r.partner, r.kind, r.lang) in self.requested
            and r.status not in (Status.ok, Status.skipped)
        ]

    def to_json(self) -> dict[str, Any]:
        """The period's part of ``wbreport run --json``."""
        from wbreport.index import index_languages  # (imports pandas: not at start-up)

        return {
            "period": self.period,
            "folder": str(self.folder),
            "index": str(self.folder / "index.html"),
            # the index in each language of the period's reports (English: "index")
            "indexes": {
                lang: str(self.folder / index_file(lang))
                for lang in index_languages(r.lang for r in self.results)
            },
            "jobs": [
                {
                    "partner": r.partner,
                    "kind": r.kind,
                    "lang": r.lang,
                    "status": r.status.value,
                    "requested": (r.partner, r.kind, r.lang) in self.requested,
                    "seconds": r.seconds,
                    "error": r.error,
                    "cell": r.cell,
                    "carried_from": r.carried_from,
                    "paths": {k: str(self.folder / v) for k, v in r.paths.items() if v},
                }
                for r in self.results
            ],
        }


@dataclass
class RunResult:
    """Every period of a run; ``exit_code`` as SPEC §6 defines it."""

    periods: list[PeriodResult]

    @property
    def exit_code(self) -> int:
        """0 when every requested report came out, else 1 (SPEC §6)."""
        return 1 if any(p.failed for p in self.periods) else 0

    def to_json(self) -> dict[str, Any]:
        """The machine-readable summary of ``wbreport run --json``."""
        return {"exit_code": self.exit_code, "periods": [p.to_json() for p in self.periods]}


def default_notebook() -> Path:
    """The programming report notebook of the project."""
    return project_dir() / "notebooks" / "report.ipynb"


def default_params() -> Path:
    """The project's params folder (defaults.yaml and narratives)."""
    return project_dir() / "params"


__all__ = [
    "MAX_PERIODS",
    "PeriodResult",
    "QuietReporter",
    "Reporter",
    "RunOptions",
    "RunResult",
    "default_notebook",
    "default_params",
    "project_dir",
]
