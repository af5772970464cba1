"""Completing a period's set before it is published: failed reports keep their last good
version (marked), indicators.csv, results.csv, PDFs, manifest.json and the period index."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from wbreport.errors import UsageError
from wbreport.index import STATUS_TEXT, translator, when
from wbreport.jobs import JobResult, Status
from wbreport.manifest import jobs_of, write_manifest
from wbreport.naming import ENGLISH
from wbreport.options import Reporter
from wbreport.planning import PeriodPlan
from wbreport.publication import carry_failed, write_atomic

GOOD = (Status.ok, Status.skipped)


def carried_text(when: str, result: JobResult) -> str:
    """The notice on a report carried from an earlier run (SPEC §7), in the report's
    language (``when`` as :func:`wbreport.index.when` writes it for that language)."""
    tr = translator(result.lang or ENGLISH)
    status = result.status.value
    reason = result.error or (
        tr.gettext(STATUS_TEXT[status]) if status in STATUS_TEXT else status.replace("_", " ")
    )
    if result.cell:
        reason = tr.gettext("cell {cell}: {error}").format(cell=result.cell, error=reason)
    return tr.gettext(
        "This report is from the run of {time}; the latest run failed: {reason}"
    ).format(time=when, reason=reason)


def rendered_by(plan: PeriodPlan, results: list[JobResult], run: dict[str, str]) -> dict:
    """Which run rendered each published report (``{stem: {run_id, time}}``): this run for
    the ones it rendered, the earlier record for the ones it kept."""
    before = plan.before.get("rendered")
    before = before if isinstance(before, dict) else {}
    previous = _run_of(plan.before)
    rendered = {}
    for result in results:
        if result.status is Status.ok:
            rendered[result.stem] = run
        elif result.carried_from:
            rendered[result.stem] = result.carried_from
        elif result.paths.get("html"):
            rendered[result.stem] = before.get(result.stem) or previous
    return rendered


def _run_of(manifest: dict[str, Any]) -> dict[str, str]:
    return {
        "run_id": str(manifest.get("run_id", "")),
        "time": str(manifest.get("finished") or manifest.get("started") or ""),
    }


def carry_failures(plan: PeriodPlan, results: list[JobResult]) -> None:
    """Put the last good version of every report that failed this run into the new set,
    with a banner saying so; the manifest records where it came from."""
    if plan.previous is None:
        return
    before = jobs_of(plan.before)
    rendered = plan.before.get("rendered")
    rendered = rendered if isinstance(rendered, dict) else {}
    for result in results:
        if result.status in GOOD or result.carried_from:
            continue
        old = before.get((result.partner, result.kind, result.lang), {})
        origin = old.get("carried_from")
        if old.get("status") not in ("ok", "skipped") and not origin:
            continue
        if not isinstance(origin, dict):
            origin = rendered.get(result.stem) or _run_of(plan.before)
        text = carried_text(when(origin["time"], translator(result.lang or ENGLISH)), result)
        if carry_failed(plan.previous, plan.folder, result.stem, text):
            result.carried_from = dict(origin)
            result.paths["html"] = f"{result.stem}.html"


CSV_FILES = ("indicators.csv", "results.csv")


def _tables_csv(plan: PeriodPlan, table: Any, package: Any) -> None:
    """indicators.csv and results.csv (SPEC §5, §9), disclosure control applied; reused
    from the previous set when this run computed nothing for the period."""
    from wbreport.framework import published_results_csv
    from wbreport.targets import to_csv_text

    if table is not None:
        write_atomic(plan.folder / "indicators.csv", to_csv_text(table))
        if package is not None:
            write_atomic(plan.folder / "results.csv", published_results_csv(package, table))
        return
    for name in CSV_FILES:
        if plan.previous is not None and (plan.previous / name).is_file():
            shutil.copy2(plan.previous / name, plan.folder / name)


def disclosure(plan: PeriodPlan, table: Any, min_respondents: int) -> dict[str, Any]:
    """Which published figures are suppressed (SPEC §8), for the index: from this run's
    table, else as the previous manifest recorded them (its CSV is reused)."""
    if table is not None and "suppressed" in getattr(table, "columns", ()):
        hidden = table[table["suppressed"].fillna(False).astype(bool)]
        found = [f"{p}:{i}" for p, i in zip(hidden["partner"], hidden["indicator"], strict=True)]
        return {"min_respondents": min_respondents, "suppressed": found}
    before = plan.before.get("disclosure")
    return before if isinstance(before, dict) else {"min_respondents": min_respondents}


def _pdfs(folder: Path, results: list[JobResult], pdf: bool, reporter: Reporter) -> None:
    if pdf:
        from wbreport.pdf import print_pdfs

        fresh = [
            r.stem
            for r in results
            if r.status is Status.ok or not (folder / f"{r.stem}.pdf").is_file()
        ]
        reporter.message(f"printing {len(fresh)} PDF(s) for {folder.name}")
        try:
            print_pdfs(folder, fresh)
        except UsageError:
            raise
        except Exception as exc:  # the browser failed to start or to print (playwright Error)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UsageError(
                f"cannot print PDFs with Chromium: {first[:200]}; the last published reports "
                "are unchanged (run without --pdf, or fix WBREPORT_CHROMIUM)"
            ) from None
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
    min_respondents: int = 5,
    package: Any = None,
) -> dict[str, Any]:
    """Complete ``plan.folder`` (``meta``: the run's part of the manifest); returns the
    manifest written."""
    from wbreport.index import write_index
    from wbreport.options import QuietReporter

    results = plan.kept
    carry_failures(plan, results)
    _tables_csv(plan, table, package)
    for result in results:
        result.paths.setdefault("log", f"logs/{result.stem}.log")
    _pdfs(plan.folder, results, pdf, reporter or QuietReporter())
    meta = {**meta, "period": plan.period, "disclosure": disclosure(plan, table, min_respondents)}
    run = {"run_id": str(meta.get("run_id", "")), "time": str(meta.get("started", ""))}
    meta["rendered"] = rendered_by(plan, results, run)
    manifest = write_manifest(plan.folder, meta, results)
    write_index(plan.folder, manifest)
    return manifest


__all__ = ["carried_text", "carry_failures", "disclosure", "finish_period"]
