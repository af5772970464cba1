"""The portal ``<out>/index.html`` (SPEC §8): every published period, newest first, with
its reports per kind and language and its failures. Rewritten atomically by each run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wbreport.i18n import LANGUAGES, Translator, partner_name
from wbreport.index import (
    by_kind,
    failed_heading,
    job_view,
    languages,
    period_text,
    switcher,
    translator,
    when,
)
from wbreport.manifest import read_manifest
from wbreport.naming import ENGLISH, index_file
from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE
from wbreport.portal_pages import is_own_page
from wbreport.publication import published, write_atomic

PORTAL = "index.html"


def published_periods(out: Path) -> list[tuple[str, Path]]:
    """(period, set folder) of every period wbreport has published in ``out``, newest
    first (by end date; a shorter period before a longer one ending the same day)."""
    from wbreport.errors import PeriodError
    from wbreport.periods import is_canonical, parse_period

    found = []
    for entry in out.iterdir() if out.is_dir() else ():
        if not entry.is_symlink() or not is_canonical(entry.name):
            continue
        folder = published(out, entry.name)
        if folder is None:
            continue
        try:
            period = parse_period(entry.name)
        except PeriodError:
            continue
        found.append((period, folder))
    found.sort(key=lambda pf: (pf[0].end, -pf[0].months), reverse=True)
    return [(p.label, folder) for p, folder in found]


def _portal_job(folder: Path, period: str, job: Any, tr: Translator) -> dict[str, Any]:
    """A job as the portal shows it: links relative to ``<out>``."""
    view = job_view(folder, job if isinstance(job, dict) else {}, tr)
    view["href"] = f"{period}/{view['href']}" if view["href"] else ""
    view["pdf"] = f"{period}/{view['pdf']}" if view["pdf"] else ""
    view["name"] = partner_name(view["partner"], tr) if view["partner"] in ALL_CODES else ""
    return view


def period_view(out: Path, period: str, folder: Path, tr: Translator) -> dict[str, Any]:
    """One period of the portal in ``tr``'s language: its reports by partner, and its
    failures; it links the period index in that language when the set has one."""
    manifest = read_manifest(folder)
    jobs = [_portal_job(folder, period, j, tr) for j in manifest.get("jobs", [])]
    partners = [
        {
            "code": c,
            "name": partner_name(c, tr),
            "reports": (reports := [j for j in jobs if j["partner"] == c]),
            "kinds": by_kind(reports),
        }
        for c in ALL_CODES
    ]
    index = index_file(tr.lang)
    failed = [j for j in jobs if j["failed"]]
    count = sum(1 for j in jobs if j["href"])
    return {
        "period": period,
        "period_text": period_text(period, tr),
        "href": f"{period}/{index if (folder / index).is_file() else index_file(ENGLISH)}",
        "finished": when(manifest.get("finished", ""), tr),
        "partners": [p for p in partners if p["reports"]],
        "failed": failed,
        "failed_heading": failed_heading(len(failed), tr),
        "count": count,
        # TRANSLATORS: how many reports of a period can be read (portal)
        "count_text": tr.ngettext("{count} report", "{count} reports", count).format(
            count=tr.number(count)
        ),
        "languages": languages(manifest),
    }


def portal_languages(periods: list[dict[str, Any]]) -> list[str]:
    """The languages of the portal: English and every language of a published set."""
    present = {tag for p in periods for tag in p["languages"]}
    return languages({"jobs": [{"lang": tag} for tag in present]})


def portal_context(out: Path, lang: str = ENGLISH) -> dict[str, Any]:
    """Everything the portal in ``lang`` shows, as plain data for the template."""
    tr = translator(lang)
    periods = [period_view(out, p, f, tr) for p, f in published_periods(out)]
    return {
        "_": tr.gettext,
        "tr": tr,
        "lang": tr.lang,
        "title": tr.gettext("Programme reports"),
        "periods": periods,
        "footnote": tr.gettext(KOSOVO_FOOTNOTE),
        "languages": switcher(portal_languages(periods), tr.lang),
    }


def render_portal(context: dict[str, Any]) -> str:
    """The portal page (escaped Jinja2 template, the index's stylesheet inline)."""
    from wbreport.render import index_env, stylesheet, without_direction_controls

    page = index_env().get_template("portal.html.j2").render(css=stylesheet(), **context)
    return without_direction_controls(page)


def write_portal(out: Path) -> Path:
    """Rewrite ``<out>/index.html`` atomically, and ``<out>/index.<lang>.html`` for every
    other language of the published sets (the caller holds the run lock). Returns the
    English one."""
    english = portal_context(out)
    for lang in [p["tag"] for p in english["languages"]] or [ENGLISH]:
        path = out / index_file(lang)
        if path.exists() and not path.is_file():
            raise OSError(f"{path} is not a file")
        context = english if lang == ENGLISH else portal_context(out, lang)
        write_atomic(path, render_portal(context))
    written = {p["tag"] for p in english["languages"]}
    for tag in set(LANGUAGES) - written - {ENGLISH}:  # a language no set has any more
        stale = out / index_file(tag)
        if stale.is_file() and not stale.is_symlink() and is_own_page(out, stale):
            stale.unlink()
    return out / PORTAL


__all__ = ["portal_context", "published_periods", "render_portal", "write_portal"]
