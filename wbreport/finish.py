"""Completing a period's set before it is published: failed reports keep their last good
version (marked), indicators.csv, PDFs, manifest.json and the period index."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from wbreport.index import when
from wbreport.jobs import JobResult, Status
from wbreport.manifest import jobs_of, write_manifest
from wbreport.options import Reporter
from wbreport.planning import PeriodPlan
from wbreport.publication import carry_failed, write_atomic

GOOD = (Status.ok, Status.skipped)


def carried_text(when: str, result: JobResult) -> str:
    """The notice on a report carried from an earlier run (SPEC §7)."""
    reason = result.error or result.status.value.replace("_", " ")
    if result.cell:
        reason = f"cell {result.cell}: {reason}"
    return f"This report is from the run of {when}; the latest run failed: {reason}"


def carry_failures(plan: PeriodPlan, results: list[JobResult]) -> None:
    """Put the last good version of every report that failed this run into the new set,
    with a banner saying so; the manifest records where it came from."""
    if plan.previous is None:
        return
    before = jobs_of(plan.before)
    for result in results:
        if result.status in GOOD or result.carried_from:
            continue
        old = before.get((result.partner, result.kind, result.lang), {})
        origin = old.get("carried_from")
        if old.get("status") not in ("ok", "skipped") and not origin:
            continue
        if not isinstance(origin, dict):
            origin = {
                "run_id": str(plan.before.get("run_id", "")),
                "time": str(plan.before.get("finished") or plan.before.get("started") or ""),
            }
        text = carried_text(when(origin["time"]), result)
        if carry_failed(plan.previous, plan.folder, result.stem, text):
            result.carried_from = origin
            result.paths["html"] = f"{result.stem}.html"


def _indicators_csv(plan: PeriodPlan, table: Any) -> None:
    from wbreport.targets import to_csv_text

    if table is not None:
        write_atomic(plan.folder / "indicators.csv", to_csv_text(table))
    elif plan.previous is not None and (plan.previous / "indicators.csv").is_file():
        shutil.copy2(plan.previous / "indicators.csv", plan.folder / "indicators.csv")


def _pdfs(folder: Path, results: list[JobResult], pdf: bool, reporter: Reporter) -> None:
    if pdf:
        from wbreport.pdf import print_pdfs

        fresh = [
            r.stem
            for r in results
            if r.status is Status.ok or not (folder / f"{r.stem}.pdf").is_file()
        ]
        reporter.message(f"printing {len(fresh)} PDF(s) for {folder.name}")
        print_pdfs(folder, fresh)
    for result in results:
        if (folder / f"{result.stem}.pdf").is_file():
            result.paths["pdf"] = f"{result.stem}.pdf"


def finish_period(
    plan: PeriodPlan,
    table: Any,
    meta: dict[str, Any],
    *,
    pdf: bool = False,
    reporter: Reporter | None = None,
) -> dict[str, Any]:
    """Complete ``plan.folder`` (``meta``: the run's part of the manifest); returns the
    manifest written."""
    from wbreport.index import write_index
    from wbreport.options import QuietReporter

    results = plan.kept
    carry_failures(plan, results)
    _indicators_csv(plan, table)
    for result in results:
        result.paths.setdefault("log", f"logs/{result.stem}.log")
    _pdfs(plan.folder, results, pdf, reporter or QuietReporter())
    manifest = write_manifest(plan.folder, {**meta, "period": plan.period}, results)
    write_index(plan.folder, manifest)
    return manifest


__all__ = ["carried_text", "carry_failures", "finish_period"]
