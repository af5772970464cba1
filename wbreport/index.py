"""The landing page of a published period: key figures, links and each job's status."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE, get_partner
from wbreport.render import render_index

KEY_INDICATORS = (
    "activities_delivered",
    "participants",
    "women_share",
    "milestone_completion_rate",
    "tools_available",
)
STATUS_TEXT = {
    "ok": "Rendered",
    "skipped": "Unchanged (reused)",
    "failed": "Failed",
    "timeout": "Timed out",
    "kernel_died": "Kernel died",
    "incomplete": "Incomplete",
}


def _indicators(folder: Path) -> dict[tuple[str, str], dict[str, str]]:
    path = folder / "indicators.csv"
    if not path.is_file():
        return {}
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {(r["partner"], r["indicator"]): r for r in rows}


def index_context(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    from wbreport.fragments import fmt_number
    from wbreport.registry import get as indicator
    from wbreport.schema import RATIO_INDICATORS

    values = _indicators(folder)
    jobs = {j["partner"]: j for j in manifest["jobs"]}
    partners = []
    for code in ALL_CODES:
        if code not in jobs:
            continue
        job = jobs[code]
        html = job.get("paths", {}).get("html") or ""
        exists = bool(html) and (folder / html).is_file()
        figures = []
        for name in KEY_INDICATORS:
            row = values.get((code, name), {})
            raw = row.get("value", "")
            shown = fmt_number(float(raw), name in RATIO_INDICATORS) if raw else "n/a"
            figures.append({"name": name, "value": shown, "raw": raw, "rag": row.get("rag", "")})
        error = job.get("error") or ""
        if job.get("cell"):
            error = f"cell {job['cell']}: {error}"
        pdf = job.get("paths", {}).get("pdf") or ""
        partners.append(
            {
                "code": code,
                "name": get_partner(code).name,
                "href": html if exists else "",
                "pdf": pdf if exists and pdf and (folder / pdf).is_file() else "",
                "status": job["status"],
                "status_text": STATUS_TEXT.get(job["status"], job["status"]),
                "seconds": job.get("seconds", 0),
                "error": error,
                "figures": figures,
            }
        )
    failed = [p for p in partners if p["status"] not in ("ok", "skipped")]
    return {
        "title": f"Programming reports {manifest['period']}",
        "period": manifest["period"],
        "partners": partners,
        "failed": failed,
        "labels": [indicator(n).label for n in KEY_INDICATORS],
        "finished": manifest.get("finished", ""),
        "version": manifest.get("version", ""),
        "footnote": KOSOVO_FOOTNOTE,
    }


def write_index(folder: Path, manifest: dict[str, Any]) -> Path:
    path = folder / "index.html"
    path.write_text(render_index(index_context(folder, manifest)), encoding="utf-8")
    return path
