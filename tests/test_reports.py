"""The main job: the notebook renders every partner and the set is published (issue 4)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from bs4 import BeautifulSoup

from tests.reporting import jobs_by_partner, jobs_by_report, notebook_with_cell, read_indicators
from wbreport.batch import INJECTED, RunOptions, default_notebook, plan_and_run
from wbreport.config import DEFAULT_LANGUAGES
from wbreport.naming import report_file
from wbreport.parameters import OPTIONAL_INJECTED
from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE, get_partner
from wbreport.registry import PROGRAMMING_NAMES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def sample_run(default_set: Path) -> Path:
    """A default ``wbreport run`` on the sample: every kind, every partner's languages."""
    return default_set


def test_default_run_publishes_english_and_each_partners_languages(sample_run: Path) -> None:
    """SPEC §10: each partner's English report plus its languages, for every kind."""
    jobs = jobs_by_report(sample_run)
    expected = {
        (code, kind, lang)
        for code, langs in DEFAULT_LANGUAGES.items()
        for kind in ("programming", "evaluation")
        for lang in langs
    }
    assert set(jobs) == expected
    for code, kind, lang in expected:
        name = report_file(code, kind, lang)
        assert jobs[(code, kind, lang)]["status"] == "ok", name
        assert jobs[(code, kind, lang)]["paths"]["html"] == name
        soup = BeautifulSoup((sample_run / name).read_text(encoding="utf-8"), "html.parser")
        if kind == "programming":
            assert soup.html["lang"] == lang, name
    index = BeautifulSoup((sample_run / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a["href"] for a in index.find_all("a")}
    assert {report_file(*report) for report in expected} <= links


def test_notebook_is_stored_without_outputs_and_declares_its_parameters() -> None:
    nb = nbformat.read(default_notebook(), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert set(pm.inspect_notebook(str(default_notebook()))) == {*INJECTED, *OPTIONAL_INJECTED}
    assert not any("secret" in c.source or "password" in c.source for c in code)


def test_notebook_runs_top_to_bottom_with_its_defaults(tmp_path: Path) -> None:
    """What an analyst gets in JupyterLab: the defaults on the sample, run from notebooks/."""
    out = tmp_path / "run.ipynb"
    nb = pm.execute_notebook(
        str(default_notebook()), str(out), progress_bar=False, cwd=str(default_notebook().parent)
    )
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert "Albania — programming report Q4 2021" in html


def test_every_report_is_published_without_error_cells(sample_run: Path) -> None:
    jobs = jobs_by_partner(sample_run)
    assert [jobs[c]["status"] for c in ALL_CODES] == ["ok"] * 7
    for code in ALL_CODES:
        nb = nbformat.read(sample_run / "notebooks" / f"{code}.ipynb", as_version=4)
        assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert (sample_run / f"{code}.html").stat().st_size > 10_000
    for name in ("index.html", "indicators.csv", "manifest.json", "logs"):
        assert (sample_run / name).exists()


@pytest.mark.parametrize("code", ALL_CODES)
def test_html_figures_equal_indicators_csv(sample_run: Path, code: str) -> None:
    expected = {
        r["indicator"]: r
        for r in read_indicators(sample_run)
        if r["partner"] == code and r["indicator"] in PROGRAMMING_NAMES
    }
    soup = BeautifulSoup((sample_run / f"{code}.html").read_text(encoding="utf-8"), "html.parser")
    key_table = soup.select_one("table.key-figures")
    shown = {td["data-indicator"]: td for td in key_table.select("td[data-indicator]")}
    assert set(shown) == set(expected)
    for name, row in expected.items():
        assert shown[name]["data-value"] == row["value"], name
        text = shown[name].get_text(strip=True)
        if row["value"] == "":
            assert text == "n/a"
        elif name.endswith("_share") or name.endswith("_rate"):
            assert text == f"{float(row['value']) * 100:.1f}%"
        else:
            assert text.replace(",", "") == row["value"]
        status = shown[name].find_parent("tr").find_all("td")[-1].get_text(" ", strip=True)
        if row["rag"]:
            assert row["rag"].upper() in status  # RAG as text, not colour alone


@pytest.mark.parametrize("code", ALL_CODES)
def test_report_reads_as_a_finished_document(sample_run: Path, code: str) -> None:
    html = (sample_run / f"{code}.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    title = f"{get_partner(code).name} — programming report Q4 2021"
    assert soup.title.get_text() == title and soup.h1.get_text() == title
    assert "<script" not in html.lower()
    for leak in (
        "Traceback",
        "open_report(",
        "injected-parameters",
        "prepared =",
        "In&nbsp;[",
        "jp-InputArea",
        "http://",
        "https://",
    ):
        assert leak not in html, leak
    assert KOSOVO_FOOTNOTE in soup.get_text()
    headings = [h.get_text(strip=True) for h in soup.find_all("h2")]
    for section in (
        "Key figures",
        "Highlights",
        "Activities delivered",
        "Training participation",
        "Train-the-trainers and cascade",
        "Roadmap milestones",
        "Practical tools and translations",
        "Trend",
        "Workplan for the next period",
        "Results framework",
        "Training evaluation",
    ):
        assert any(h.startswith(section) for h in headings), section
    assert all(img.get("alt") for img in soup.find_all("img"))
    assert "Q1 2022" in soup.get_text()  # the workplan names the next period
    # The analyst's next steps follow the workplan's tables under a heading of their own.
    workplan = soup.find("h2", string="Workplan for the next period")
    assert workplan.find_next(["h2", "h3"]).get_text() == "Next steps"


def test_narrative_from_params_is_shown(sample_run: Path) -> None:
    text = BeautifulSoup(
        (sample_run / "WB.html").read_text(encoding="utf-8"), "html.parser"
    ).get_text()
    assert "The joint EASO–MARRI regional training on Inclusion" in text


def test_regional_report_compares_partners_and_lists_organisers(sample_run: Path) -> None:
    soup = BeautifulSoup((sample_run / "WB.html").read_text(encoding="utf-8"), "html.parser")
    comparison = soup.select_one("table.comparison")
    partners = {td["data-partner"] for td in comparison.select("td[data-partner]")}
    assert partners == set(ALL_CODES)
    assert "Organisers" in soup.get_text()


def test_index_links_every_report_and_shows_status(sample_run: Path) -> None:
    soup = BeautifulSoup((sample_run / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a["href"] for a in soup.find_all("a")}
    assert {f"{c}.html" for c in ALL_CODES} <= links
    assert all((sample_run / href).exists() for href in links)
    assert KOSOVO_FOOTNOTE in soup.get_text()
    # each kind on one line, its languages side by side, their shared status once
    row = soup.select_one('tr[data-partner="MK"]')
    assert [" ".join(li.get_text().split()) for li in row.select("ul.reports > li")] == [
        "Programming report: English · македонски — Rendered",
        "Training evaluation: English · македонски — Rendered",
    ]


def test_manifest_records_inputs_versions_and_jobs(sample_run: Path) -> None:
    manifest = json.loads((sample_run / "manifest.json").read_text())
    assert manifest["period"] == "2021Q4" and manifest["tool"] == "wbreport"
    assert set(manifest["data"]["sha256"]) >= {"activities.csv", "participation.csv"}
    assert {"python", "papermill", "nbconvert", "pandas"} <= set(manifest["packages"])
    assert "git_commit" in manifest["notebook"] and "started" in manifest and "finished" in manifest
    for job in manifest["jobs"]:
        name = report_file(job["partner"], job["kind"], job["lang"])
        assert job["seconds"] > 0 and job["paths"]["html"] == name
    # the index in each language of the set's reports, English first
    languages = {job["lang"] for job in manifest["jobs"]} | {"en"}
    assert set(manifest["indexes"]) == languages and len(languages) > 1
    assert next(iter(manifest["indexes"].items())) == ("en", "index.html")
    for lang, name in manifest["indexes"].items():
        assert name == ("index.html" if lang == "en" else f"index.{lang}.html")
        assert (sample_run / name).is_file()


def test_run_csv_equals_indicators_command(tmp_path: Path) -> None:
    data = tmp_path / "data"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "wbreport",
            "demo-data",
            "--out",
            str(data),
            "--scale",
            "2",
            "--seed",
            "5",
        ],
        check=True,
        capture_output=True,
    )
    # indicators.csv holds every indicator whatever the kinds and languages rendered
    result = plan_and_run(
        RunOptions(
            data=data,
            period="2020H2",
            partners=["AL", "WB"],
            out=tmp_path / "out",
            kinds=["programming"],
            languages=["en"],
        )
    )
    assert result.exit_code == 0
    printed = subprocess.run(
        [
            sys.executable,
            "-m",
            "wbreport",
            "indicators",
            "--data",
            str(data),
            "--period",
            "2020H2",
            "--format",
            "csv",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    published = (result.periods[0].folder / "indicators.csv").read_text(encoding="utf-8")
    assert published == printed


def test_failing_report_is_isolated_and_run_exits_1(tmp_path: Path) -> None:
    notebook = notebook_with_cell(
        tmp_path / "nb", 'if partner == "BA":\n    raise ValueError("broken")'
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wbreport",
            "run",
            "--partners",
            "AL,BA",
            "--out",
            str(out),
            "--notebook",
            str(notebook),
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    folder = out / "2021Q4"
    jobs = jobs_by_partner(folder)
    assert jobs["AL"]["status"] == "ok" and (folder / "AL.html").exists()
    assert jobs["BA"]["status"] == "failed" and not (folder / "BA.html").exists()
    assert jobs["BA"]["cell"] == 2 and "ValueError: broken" in jobs["BA"]["error"]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "Failed" in index and "ValueError: broken" in index and 'href="BA.html"' not in index
    assert "Traceback" not in proc.stderr


def test_unknown_parameter_is_refused_before_any_kernel(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "wbreport", "run", "--out", str(tmp_path), "--param", "partnr=AL"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "unknown notebook parameter" in proc.stderr and "partnr" in proc.stderr
    assert not list(tmp_path.iterdir())


def test_rendering_some_partners_keeps_the_others_published(tmp_path: Path) -> None:
    failing = notebook_with_cell(tmp_path / "nb", 'if partner == "BA":\n    raise ValueError("x")')
    # partners, not languages, are the point here: English only
    first = plan_and_run(
        RunOptions(out=tmp_path, partners=["AL", "BA"], notebook=failing, languages=["en"])
    )
    assert first.exit_code == 1
    second = plan_and_run(
        RunOptions(out=tmp_path, partners=["RS"], notebook=failing, languages=["en"])
    )
    assert second.exit_code == 0  # BA's earlier failure is shown, but not this run's doing
    folder = second.periods[0].folder
    jobs = jobs_by_partner(folder)
    assert {c: jobs[c]["status"] for c in jobs} == {"AL": "ok", "BA": "failed", "RS": "ok"}
    assert (folder / "AL.html").exists() and (folder / "RS.html").exists()


def test_each_report_links_its_other_languages(sample_run: Path) -> None:
    """A reader of AL.sq.html found the English report only through the index: each report
    names its languages in their own words and links the others (none for WB, English only)."""
    pages = [p for p in sample_run.glob("*.html") if not p.name.startswith("index")]
    for page in pages:
        nav = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one(
            "nav.languages"
        )
        if page.name.startswith("WB"):
            assert nav is None, page.name
            continue
        links = [a["href"] for a in nav.select("a")]
        assert links and all((sample_run / href).is_file() for href in links), page.name
        assert page.name not in links and nav.select_one("[aria-current=page]")
    al = BeautifulSoup((sample_run / "AL.html").read_text(encoding="utf-8"), "html.parser")
    assert [(a["href"], a.get_text()) for a in al.select("nav.languages a")] == [
        ("AL.sq.html", "shqip")
    ]


def test_a_column_of_numbers_is_headed_like_its_numbers(sample_run: Path) -> None:
    """Headers of number columns sat left above right-aligned numbers ("Partners side by
    side"): a column whose every body cell is a number has its header aligned with them."""
    for page in sorted(sample_run.glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for grid in soup.select("table"):
            head = grid.select("thead th")
            body = [tr.find_all(["th", "td"]) for tr in grid.select("tbody tr")]
            for position, th in enumerate(head):
                cells = [row[position] for row in body if len(row) == len(head)]
                if cells and all("num" in (c.get("class") or []) for c in cells):
                    assert "num" in (th.get("class") or []), (page.name, th.get_text())
