"""The period index and the portal, rendered from hand-made sets without a kernel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from wbreport.cli import app
from wbreport.jobs import JobResult, Status
from wbreport.manifest import write_manifest
from wbreport.partners import KOSOVO_FOOTNOTE
from wbreport.portal import published_periods, write_portal
from wbreport.publication import make_set, publish
from wbreport.registry import selected

HOSTILE = "<script>alert('x')</script>"


def fake_set(
    out: Path, period: str, results: list[JobResult], csv: str = "", disclosure: dict | None = None
) -> Path:
    """A published set with the given jobs (their HTML files written when ``paths`` say so)."""
    out.mkdir(parents=True, exist_ok=True)
    folder = make_set(out, f"{period}.run-{period}")
    for result in results:
        if result.paths.get("html"):
            (folder / result.paths["html"]).write_text("<html><body>r</body></html>")
    if csv:
        (folder / "indicators.csv").write_text(csv, encoding="utf-8")
    meta = {"run_id": f"run-{period}", "period": period, "disclosure": disclosure or {}}
    manifest = write_manifest(folder, meta, results)
    from wbreport.index import write_index

    write_index(folder, manifest)
    publish(out, period, folder)
    return out / period


def ok(code: str, kind: str = "programming", lang: str = "en") -> JobResult:
    from wbreport.naming import report_file

    name = report_file(code, kind, lang)
    return JobResult(code, "", Status.ok, seconds=1.0, paths={"html": name}, kind=kind, lang=lang)


def test_portal_lists_periods_newest_first_with_reports_and_failures(tmp_path: Path) -> None:
    out = tmp_path / "out"
    fake_set(out, "2021Q3", [ok("AL"), ok("AL", "evaluation")])
    failed = JobResult(
        "RS",
        "",
        Status.failed,
        error=f"ValueError: {HOSTILE} \u202egnp.exe",
        cell=3,
        kind="evaluation",
    )
    carried = JobResult(
        "BA",
        "",
        Status.timeout,
        error="a cell ran longer than 120 s",
        paths={"html": "BA.html"},
        carried_from={"run_id": "r1", "time": "2021-10-01T08:00:00+00:00"},
    )
    fake_set(out, "2021Q4", [ok("AL"), ok("AL", lang="sq"), failed, carried])
    fake_set(out, "2021", [ok("WB")])
    (out / "2022Q1").mkdir()  # not a publication of wbreport: not listed
    assert [p for p, _ in published_periods(out)] == ["2021Q4", "2021", "2021Q3"]

    page = write_portal(out).read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page
    index = (out / "2021Q4" / "index.html").read_text(encoding="utf-8")
    for shown in (page, index):  # a right-to-left override would show "exe.png" reversed
        assert "gnp.exe" in shown and "\u202e" not in shown
    soup = BeautifulSoup(page, "html.parser")
    sections = [s["data-period"] for s in soup.select("section[data-period]")]
    assert sections == ["2021Q4", "2021", "2021Q3"]
    q4 = soup.select_one('section[data-period="2021Q4"]')
    links = {a["href"] for a in q4.find_all("a")}
    assert {"2021Q4/index.html", "2021Q4/AL.html", "2021Q4/AL.sq.html", "2021Q4/BA.html"} <= links
    assert all((out / href).is_file() for href in links)
    alert = q4.select_one(".alert").get_text(" ", strip=True)
    assert "ValueError" in alert and "Timed out" in alert and "showing the version of" in alert
    # as in the period index: one line per kind, a shared status once
    lines = {
        row["data-partner"]: [" ".join(li.get_text().split()) for li in row.select(".reports > li")]
        for row in q4.select("tr[data-partner]")
    }
    assert lines == {
        "AL": ["Programming report: English · shqip — Rendered"],
        "BA": [
            "Programming report: English (Timed out, showing the version of Oct 1, 2021 08:00 UTC)"
        ],
        "RS": ["Training evaluation: English (no report) — Failed"],
    }
    assert KOSOVO_FOOTNOTE in soup.get_text()
    assert not list(out.glob(".*.tmp"))


def test_period_index_shows_registry_figures_reports_per_kind_and_language(
    tmp_path: Path,
) -> None:
    indicators = selected(index=True)
    csv = "period,partner,indicator,value,baseline,target,achievement,rag\n" + "".join(
        f"2021Q4,AL,{i.name},{0.5 if i.unit == 'share' else 12},0,1,0.5,amber\n" for i in indicators
    )
    carried = JobResult(
        "AL",
        "",
        Status.failed,
        error=HOSTILE,
        paths={"html": "AL.evaluation.html"},
        kind="evaluation",
        carried_from={"run_id": "r1", "time": "2021-10-01T08:00:00+00:00"},
    )
    folder = fake_set(
        tmp_path / "out",
        "2021Q4",
        [ok("AL"), ok("AL", lang="sq"), carried],
        csv,
        {"min_respondents": 7, "suppressed": ["AL:satisfied_share"]},
    )
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    soup = BeautifulSoup(html, "html.parser")
    headers = [th.get_text() for th in soup.select("table.overview thead th")]
    assert headers[2:] == [i.label for i in indicators]
    row = soup.select_one('tr[data-partner="AL"]')
    cells = {
        td["data-indicator"]: td.get_text(" ", strip=True)
        for td in row.select("td[data-indicator]")
    }
    assert cells["participants"] == "12 AMBER" and cells["women_share"] == "50.0% AMBER"
    assert cells["satisfied_share"] == "n < 7"  # suppressed (SPEC §8): not 50.0%
    reports = {li["data-report"]: li for li in row.select("[data-report]")}
    assert set(reports) == {"AL.programming.en", "AL.programming.sq", "AL.evaluation.en"}
    assert reports["AL.programming.sq"].a["href"] == "AL.sq.html"
    assert reports["AL.programming.sq"].a["hreflang"] == "sq"
    marked = reports["AL.evaluation.en"].get_text(" ", strip=True)
    assert "Failed" in marked and "showing the version of Oct 1, 2021 08:00 UTC" in marked
    # one line per kind; a status its languages share is shown once, a carried one per report
    lines = [" ".join(li.get_text().split()) for li in row.select("ul.reports > li")]
    assert lines == [
        "Programming report: English · shqip — Rendered",
        "Training evaluation: English (Failed, showing the version of Oct 1, 2021 08:00 UTC)",
    ]
    assert "The last good version" in soup.select_one(".alert").get_text()


def test_json_summary_of_a_refused_run_is_the_only_stdout(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--out", str(tmp_path), "--partners", ",", "--json"])
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 2 and "names no partner" in summary["errors"][0]
    assert summary["periods"] == []


def test_the_punctuation_of_report_lines_comes_from_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A translator may reorder a line or change its separators: every joining piece of the
    report lines is a catalogue entry, filled with escaped text."""
    from wbreport.i18n import Translator

    patterns = {
        "{kind}: {languages}": "{languages} ← {kind}",
        " · ": " / ",
        "{languages} — {status}": "{languages} [{status}]",
        "{language} ({status})": "{language} <{status}>",
        "{status}, {note}": "{status}; {note}",
    }
    english = Translator.gettext
    monkeypatch.setattr(
        Translator, "gettext", lambda self, message: patterns.get(message, english(self, message))
    )
    failed = JobResult("AL", "", Status.failed, error="x", kind="evaluation")
    carried = JobResult(
        "AL",
        "",
        Status.failed,
        lang="sq",
        error="x",
        paths={"html": "AL.evaluation.sq.html"},
        kind="evaluation",
        carried_from={"run_id": "r1", "time": "2021-10-01T08:00:00+00:00"},
    )
    folder = fake_set(tmp_path / "out", "2021Q4", [ok("AL"), ok("AL", lang="sq"), failed, carried])
    soup = BeautifulSoup((folder / "index.html").read_text(encoding="utf-8"), "html.parser")
    row = soup.select_one('tr[data-partner="AL"]')
    lines = [" ".join(li.get_text().split()) for li in row.select("ul.reports > li")]
    assert lines == [
        "English / shqip [Rendered] ← Programming report",
        "English (no report) <Failed> / shqip <Failed; showing the version of"
        " Oct 1, 2021 08:00 UTC> ← Training evaluation",
    ]
