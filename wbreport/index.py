"""The landing page of a published period (SPEC §5): key figures per partner with RAG,
a link to every report in every kind and language, each job's status, failures plainly,
and reports carried from an earlier run marked as such."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from wbreport import i18n
from wbreport.i18n import Translator
from wbreport.naming import ENGLISH, PROGRAMMING, index_file
from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE
from wbreport.registry import N_, Indicator, selected
from wbreport.wording import NOT_AVAILABLE, RAG_CODES

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


def translator(lang: str = ENGLISH) -> Translator:
    """The :class:`~wbreport.i18n.Translator` of ``lang`` (index and portal text)."""
    return i18n.translator(lang)


def when(stamp: str, tr: Translator | None = None) -> str:
    """An ISO time stamp as ``Dec 31, 2021 17:05 UTC`` in ``tr``'s language
    (``2021-12-31 17:05 UTC`` without one; as written when it is not a time stamp)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp or "")
    day = tr.date(moment, "medium") if tr is not None else f"{moment:%Y-%m-%d}"
    return f"{day} {moment:%H:%M} UTC"


def shown(raw: str, indicator: Indicator, tr: Translator | None = None) -> str:
    """An indicators.csv value as the index shows it, in ``tr``'s number format."""
    tr = tr or translator()
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return tr.gettext(NOT_AVAILABLE)
    if math.isnan(value):
        return tr.gettext(NOT_AVAILABLE)
    if indicator.unit == "share":
        return tr.percent(value, 1)
    if indicator.unit == "count":
        return tr.number(round(value), 0)
    return tr.number(value, 2)


def index_languages(report_languages: Iterable[str]) -> list[str]:
    """The languages a set with reports in ``report_languages`` has an index in: English
    and each of them, in :data:`i18n.LANGUAGES` order."""
    present = {*report_languages, ENGLISH}
    return [tag for tag in i18n.LANGUAGES if tag in present]


def languages(manifest: dict[str, Any]) -> list[str]:
    """The languages of a set's reports, English first, in :data:`i18n.LANGUAGES` order:
    the set has an index in each."""
    jobs = [j for j in manifest.get("jobs", []) if isinstance(j, dict)]
    return index_languages(str(j.get("lang") or ENGLISH) for j in jobs)


def switcher(tags: list[str], current: str, prefix: str = "") -> list[dict[str, Any]]:
    """The language switcher of an index (or the portal): each version, in its own name."""
    return [
        {
            "tag": tag,
            "name": i18n.LANGUAGES[tag].name,
            "href": prefix + index_file(tag),
            "current": tag == current,
        }
        for tag in tags
    ]


def _indicators(folder: Path) -> dict[tuple[str, str], dict[str, str]]:
    path = folder / "indicators.csv"
    if not path.is_file():
        return {}
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {(r["partner"], r["indicator"]): r for r in rows}


def kind_text(kind: str, tr: Translator) -> str:
    """A kind's name for people: translated for the declared ones."""
    if kind in KIND_TEXT:
        return tr.gettext(KIND_TEXT[kind])
    return kind.replace("_", " ").capitalize()


def _existing(folder: Path, paths: dict[str, str]) -> tuple[str, str]:
    """(html, pdf) of a job that exist in ``folder`` (empty strings otherwise)."""
    html = paths.get("html") or ""
    if not html or not (folder / html).is_file():
        return "", ""
    pdf = paths.get("pdf") or ""
    return html, pdf if pdf and (folder / pdf).is_file() else ""


def _error(job: dict[str, Any], tr: Translator) -> str:
    error = str(job.get("error") or "")
    if not job.get("cell"):
        return error
    return tr.gettext("cell {cell}: {error}").format(cell=job["cell"], error=error)


def job_view(folder: Path, job: dict[str, Any], tr: Translator) -> dict[str, Any]:
    """One report of the index: link (when the file exists), status and failure."""
    paths = job.get("paths") or {}
    href, pdf = _existing(folder, paths)
    carried = job.get("carried_from")
    status = str(job.get("status", ""))
    kind = str(job.get("kind") or PROGRAMMING)
    lang = str(job.get("lang") or ENGLISH)
    return {
        "partner": job.get("partner", ""),
        "kind": kind,
        "kind_text": kind_text(kind, tr),
        "lang": lang,
        "lang_name": i18n.LANGUAGES[lang].name if lang in i18n.LANGUAGES else lang,
        "href": href,
        "pdf": pdf,
        "status": status,
        "status_text": tr.gettext(STATUS_TEXT[status]) if status in STATUS_TEXT else status,
        "failed": status not in GOOD,
        "seconds": job.get("seconds", 0),
        "error": _error(job, tr),
        "carried": when(carried.get("time", ""), tr) if isinstance(carried, dict) else "",
        "log": paths.get("log") or "",
    }


def _figures(
    values: dict[tuple[str, str], dict[str, str]],
    code: str,
    indicators: tuple[Indicator, ...],
    hidden: tuple[set[str], str],
    tr: Translator,
) -> list[dict[str, str]]:
    suppressed, note = hidden
    figures = []
    for indicator in indicators:
        row = values.get((code, indicator.name), {})
        raw = row.get("value", "")
        if f"{code}:{indicator.name}" in suppressed:
            figures.append({"name": indicator.name, "value": note, "raw": "", "rag": ""})
            continue
        rag = row.get("rag", "")
        figures.append(
            {"name": indicator.name, "value": shown(raw, indicator, tr), "raw": raw, "rag": rag,
             "rag_text": tr.gettext(RAG_CODES[rag]) if rag in RAG_CODES else rag.upper()}
        )  # fmt: skip
    return figures


def _partner_row(
    code: str, reports: list[dict[str, Any]], figures: list[dict[str, str]], tr: Translator
) -> dict[str, Any]:
    main = next((r for r in reports if r["kind"] == PROGRAMMING and r["lang"] == tr.lang), None)
    main = main or next(
        (r for r in reports if r["kind"] == PROGRAMMING and r["lang"] == ENGLISH), None
    )
    first = main or reports[0]
    return {
        "code": code,
        "name": i18n.partner_name(code, tr),
        "reports": reports,
        "kinds": by_kind(reports),
        "href": first["href"],
        "status": first["status"],
        "status_text": first["status_text"],
        "figures": figures,
    }


def by_kind(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A partner's reports grouped by kind, in order: one line per kind ("Programming
    report: English · shqip — Rendered"). The languages of a kind usually share one
    execution, hence one status, shown once; when they differ, or a report is a carried
    version, each language shows its own."""
    kinds: dict[str, list[dict[str, Any]]] = {}
    for report in reports:
        kinds.setdefault(report["kind"], []).append(report)
    groups = []
    for same in kinds.values():
        shared = len({r["status"] for r in same}) == 1 and not any(r["carried"] for r in same)
        groups.append(
            {
                "text": same[0]["kind_text"],
                "reports": same,
                "status": same[0]["status"] if shared else "",
                "status_text": same[0]["status_text"] if shared else "",
            }
        )
    return groups


def period_text(period: str, tr: Translator) -> str:
    """A period label (``2021Q4``) in words ("Q4 2021"); as written when it is none."""
    from wbreport.errors import PeriodError

    try:
        return tr.period(period)
    except (PeriodError, ValueError):
        return str(period)


def label(indicator: Indicator, tr: Translator) -> str:
    """An indicator's column header: translated for built-ins, custom ones as written."""
    return indicator.label if indicator.kind == "custom" else tr.gettext(indicator.label)


def index_context(folder: Path, manifest: dict[str, Any], lang: str = ENGLISH) -> dict[str, Any]:
    """Everything the period index in ``lang`` shows, as plain data for the template."""
    tr = translator(lang)
    values = _indicators(folder)
    indicators = selected(index=True)
    jobs = [job_view(folder, j, tr) for j in manifest.get("jobs", []) if isinstance(j, dict)]
    rule = manifest.get("disclosure") or {}
    note = tr.gettext("n < {threshold}").format(threshold=rule.get("min_respondents", 5))
    hidden = (set(rule.get("suppressed") or ()), note)
    partners = []
    for code in ALL_CODES:
        reports = [j for j in jobs if j["partner"] == code]
        if reports:
            figures = _figures(values, code, indicators, hidden, tr)
            partners.append(_partner_row(code, reports, figures, tr))
    failed = [dict(j, name=i18n.partner_name(j["partner"], tr)) for j in jobs if j["failed"]]
    period = str(manifest.get("period", ""))
    words = period_text(period, tr)
    return {
        "_": tr.gettext,
        "tr": tr,
        "lang": tr.lang,
        "title": tr.gettext("Reports {period}").format(period=words),
        "period": period,
        "period_text": words,
        "partners": partners,
        "failed": failed,
        "failed_heading": failed_heading(len(failed), tr),
        "labels": [label(i, tr) for i in indicators],
        "finished": when(manifest.get("finished", ""), tr),
        "version": manifest.get("version", ""),
        "footnote": tr.gettext(KOSOVO_FOOTNOTE),
        "languages": switcher(languages(manifest), tr.lang),
    }


def failed_heading(count: int, tr: Translator) -> str:
    """The heading over the reports of a set that failed (index and portal)."""
    return tr.ngettext(
        "{count} report could not be rendered",
        "{count} reports could not be rendered",
        count,
    ).format(count=tr.number(count))


def write_index(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write the period index into a set folder (the set is published afterwards):
    ``index.html`` in English and ``index.<lang>.html`` in every other language of the
    set's reports. Returns the English one."""
    from wbreport.publication import write_atomic
    from wbreport.render import render_index

    for lang in languages(manifest):
        path = folder / index_file(lang)
        write_atomic(path, render_index(index_context(folder, manifest, lang)))
    return folder / index_file(ENGLISH)


__all__ = [
    "by_kind",
    "index_context",
    "index_languages",
    "job_view",
    "languages",
    "period_text",
    "switcher",
    "translator",
    "when",
    "write_index",
]
