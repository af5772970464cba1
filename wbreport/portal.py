"""The portal ``<out>/index.html`` (SPEC §8): every published period, newest first, with
its reports per kind and language and its failures. Rewritten atomically by each run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wbreport.index import job_view, translator, when
from wbreport.manifest import read_manifest
from wbreport.naming import ENGLISH
from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE, get_partner
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


def _portal_job(folder: Path, period: str, job: Any, _: Any) -> dict[str, Any]:
    """A job as the portal shows it: links relative to ``<out>``."""
    view = job_view(folder, job if isinstance(job, dict) else {}, _)
    view["href"] = f"{period}/{view['href']}" if view["href"] else ""
    view["name"] = _(get_partner(view["partner"]).name) if view["partner"] in ALL_CODES else ""
    return view


def period_view(out: Path, period: str, folder: Path, _: Any) -> dict[str, Any]:
    """One period of the portal: its reports by partner, and its failures."""
    manifest = read_manifest(folder)
    jobs = [_portal_job(folder, period, j, _) for j in manifest.get("jobs", [])]
    partners = [
        {
            "code": c,
            "name": _(get_partner(c).name),
            "reports": [j for j in jobs if j["partner"] == c],
        }
        for c in ALL_CODES
    ]
    return {
        "period": period,
        "href": f"{period}/index.html",
        "finished": when(manifest.get("finished", "")),
        "partners": [p for p in partners if p["reports"]],
        "failed": [j for j in jobs if j["failed"]],
        "count": sum(1 for j in jobs if j["href"]),
    }


def portal_context(out: Path, lang: str = ENGLISH) -> dict[str, Any]:
    """Everything the portal shows, as plain data for the template."""
    _ = translator(lang)
    periods = [period_view(out, p, f, _) for p, f in published_periods(out)]
    return {
        "_": _,
        "lang": lang,
        "title": _("Programme reports"),
        "periods": periods,
        "footnote": _(KOSOVO_FOOTNOTE),
    }


def render_portal(context: dict[str, Any]) -> str:
    """The portal page (escaped Jinja2 template, the index's stylesheet inline)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from wbreport.render import stylesheet

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("portal.html.j2").render(css=stylesheet(), **context)


def write_portal(out: Path) -> Path:
    """Rewrite ``<out>/index.html`` atomically (the caller holds the run lock)."""
    path = out / PORTAL
    if path.exists() and not path.is_file():
        raise OSError(f"{path} is not a file")
    write_atomic(path, render_portal(portal_context(out)))
    return path


__all__ = ["portal_context", "published_periods", "render_portal", "write_portal"]
