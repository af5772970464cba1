"""The landing page of a published period (SPEC §5): key figures per partner with RAG,
a link to every report in every kind and language, each job's status, failures plainly,
and reports carried from an earlier run marked as such."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from wbreport.naming import ENGLISH, PROGRAMMING
from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE, get_partner
from wbreport.registry import N_, Indicator, selected

STATUS_TEXT = {
    "ok": N_("Rendered"),
    "skipped": N_("Unchanged (reused)"),
    "failed": N_("Failed"),
    "timeout": N_("Timed out"),
    "kernel_died": N_("Kernel died"),
    "incomplete": N_("Incomplete"),
}
KIND_TEXT = {"programming": N_("Programming report"), "evaluation": N_("Training evaluation")}
GOOD = ("ok", "skipped")


def translator(lang: str = ENGLISH) -> Any:
    """``gettext`` of the language's catalogue (English text until catalogues exist)."""
    try:
        from wbreport.i18n import translator as make
    except ImportError:
        return lambda message: message
    return make(lang).gettext


def when(stamp: str) -> str:
    """An ISO time stamp as ``2021-12-31 17:05 UTC`` (as written when it is not one)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp or "")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def shown(raw: str, indicator: Indicator) -> str:
    """An indicators.csv value as the index shows it."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return "n/a"
    if math.isnan(value):
        return "n/a"
    if indicator.unit == "share":
        return f"{value * 100:.1f}%"
    if indicator.unit == "count":
        return f"{round(value):,}"
    return f"{value:,.2f}"


def _indicators(folder: Path) -> dict[tuple[str, str], dict[str, str]]:
    path = folder / "indicators.csv"
    if not path.is_file():
        return {}
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {(r["partner"], r["indicator"]): r for r in rows}


def kind_text(kind: str, _: Any) -> str:
    """A kind's name for people: translated for the declared ones."""
    return str(_(KIND_TEXT[kind])) if kind in KIND_TEXT else kind.replace("_", " ").capitalize()


def _existing(folder: Path, paths: dict[str, str]) -> tuple[str, str]:
    """(html, pdf) of a job that exist in ``folder`` (empty strings otherwise)."""
    html = paths.get("html") or ""
    if not html or not (folder / html).is_file():
        return "", ""
    pdf = paths.get("pdf") or ""
    return html, pdf if pdf and (folder / pdf).is_file() else ""


def _error(job: dict[str, Any]) -> str:
    error = str(job.get("error") or "")
    return f"cell {job['cell']}: {error}" if job.get("cell") else error


def job_view(folder: Path, job: dict[str, Any], _: Any) -> dict[str, Any]:
    """One report of the index: link (when the file exists), status and failure."""
    paths = job.get("paths") or {}
    href, pdf = _existing(folder, paths)
    carried = job.get("carried_from")
    status = str(job.get("status", ""))
    kind = str(job.get("kind") or PROGRAMMING)
    return {
        "partner": job.get("partner", ""),
        "kind": kind,
        "kind_text": kind_text(kind, _),
        "lang": job.get("lang") or ENGLISH,
        "href": href,
        "pdf": pdf,
        "status": status,
        "status_text": _(STATUS_TEXT[status]) if status in STATUS_TEXT else status,
        "failed": status not in GOOD,
        "seconds": job.get("seconds", 0),
        "error": _error(job),
        "carried": when(carried.get("time", "")) if isinstance(carried, dict) else "",
        "log": paths.get("log") or "",
    }


def _figures(
    values: dict[tuple[str, str], dict[str, str]],
    code: str,
    indicators: tuple[Indicator, ...],
    hidden: tuple[set[str], str],
) -> list[dict[str, str]]:
    suppressed, note = hidden
    figures = []
    for indicator in indicators:
        row = values.get((code, indicator.name), {})
        raw = row.get("value", "")
        if f"{code}:{indicator.name}" in suppressed:
            figures.append({"name": indicator.name, "value": note, "raw": "", "rag": ""})
            continue
        figures.append(
            {"name": indicator.name, "value": shown(raw, indicator), "raw": raw,
             "rag": row.get("rag", "")}
        )  # fmt: skip
    return figures


def _partner_row(
    code: str, reports: list[dict[str, Any]], figures: list[dict[str, str]], _: Any
) -> dict[str, Any]:
    main = next((r for r in reports if r["kind"] == PROGRAMMING and r["lang"] == ENGLISH), None)
    first = main or reports[0]
    return {
        "code": code,
        "name": _(get_partner(code).name),
        "reports": reports,
        "href": first["href"],
        "status": first["status"],
        "status_text": first["status_text"],
        "figures": figures,
    }


def index_context(folder: Path, manifest: dict[str, Any], lang: str = ENGLISH) -> dict[str, Any]:
    """Everything the period index shows, as plain data for the template."""
    _ = translator(lang)
    values = _indicators(folder)
    indicators = selected(index=True)
    jobs = [job_view(folder, j, _) for j in manifest.get("jobs", []) if isinstance(j, dict)]
    rule = manifest.get("disclosure") or {}
    hidden = (set(rule.get("suppressed") or ()), f"n < {rule.get('min_respondents', 5)}")
    partners = []
    for code in ALL_CODES:
        reports = [j for j in jobs if j["partner"] == code]
        if reports:
            figures = _figures(values, code, indicators, hidden)
            partners.append(_partner_row(code, reports, figures, _))
    failed = [dict(j, name=_(get_partner(j["partner"]).name)) for j in jobs if j["failed"]]
    period = manifest.get("period", "")
    return {
        "_": _,
        "lang": lang,
        "title": _("Reports {period}").format(period=period),
        "period": period,
        "partners": partners,
        "failed": failed,
        "labels": [_(i.label) for i in indicators],
        "finished": when(manifest.get("finished", "")),
        "version": manifest.get("version", ""),
        "footnote": _(KOSOVO_FOOTNOTE),
    }


def write_index(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write ``index.html`` into a set folder (the set is published afterwards)."""
    from wbreport.publication import write_atomic
    from wbreport.render import render_index

    path = folder / "index.html"
    write_atomic(path, render_index(index_context(folder, manifest)))
    return path


__all__ = ["index_context", "job_view", "translator", "when", "write_index"]
