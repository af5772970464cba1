"""Report sections, charts, the HTML export and the index on the hand-made package,
without a kernel (issue 10): fast tests of the output side."""

from __future__ import annotations

import ast
import itertools
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from wbreport import charts
from wbreport.batch import default_notebook
from wbreport.config import Settings
from wbreport.fragments import DateText
from wbreport.naming import report_file
from wbreport.package import load_package
from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE
from wbreport.periods import parse_period
from wbreport.report import Prepared, Report, open_report, prepare
from wbreport.report.common import HEADINGS
from wbreport.report.results import results_rows

PERIOD = "2020Q4"
PARTNERS = ("AL", "RS", "XK", "ME", "WB")


@pytest.fixture
def prepared(handmade_package: Path) -> Prepared:
    return prepare(load_package(handmade_package), [parse_period(PERIOD)], Settings())


def report_of(run: Prepared, partner: str, lang: str = "en", **kw: Any) -> Report:
    return open_report(partner, PERIOD, prepared=run, lang=lang, **kw)


def soup(fragment: Any) -> BeautifulSoup:
    return BeautifulSoup(str(fragment), "html.parser")


def notebook_calls() -> list[str]:
    """The report's calls as the notebook makes them (one expression per code cell)."""
    nb = nbformat.read(default_notebook(), as_version=4)
    calls = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        last = ast.parse(cell.source).body[-1]
        calls.append(ast.unparse(last))
    return calls


def executed_notebook(report: Report) -> nbformat.NotebookNode:
    """The report notebook with the outputs a kernel would give, computed in-process."""
    nb = nbformat.read(default_notebook(), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        expression = ast.unparse(ast.parse(cell.source).body[-1])
        value = eval(expression, {"report": report})
        if isinstance(value, charts.Chart):
            data, meta = value._repr_mimebundle_()
        else:
            data, meta = {"text/html": value._repr_html_()}, {}
        cell.outputs = [
            nbformat.v4.new_output("execute_result", data, metadata=meta, execution_count=1)
        ]
    nb.metadata["papermill"] = {"parameters": {"lang": report.lang, "partner": report.partner}}
    return nb


# --- every section of every partner ---------------------------------------------------------


@pytest.mark.parametrize("partner", PARTNERS)
def test_every_notebook_call_renders_for_every_partner(prepared: Prepared, partner: str) -> None:
    report = report_of(prepared, partner)
    for call in notebook_calls():
        out = eval(call, {"report": report})
        if isinstance(out, charts.Chart):
            assert out.svg.startswith("<?xml") and out.alt
            assert "<script" not in out.svg
        else:
            html = out._repr_html_()
            assert "<script" not in html.lower() and "Traceback" not in html


@pytest.mark.parametrize("partner", ["AL", "WB"])
def test_no_plural_written_as_s_in_brackets(prepared: Prepared, partner: str) -> None:
    """ "6 cascade session(s)" read as a form, not a report: a count comes with its plural
    (ngettext) or follows its label ("cascade sessions: 6"), in every language."""
    for lang in ("en", "sq"):
        report = report_of(prepared, partner, lang)
        for call in notebook_calls():
            out = eval(call, {"report": report})
            if not isinstance(out, charts.Chart):
                assert "(s)" not in soup(out._repr_html_()).get_text(), (lang, call)


def test_headings_come_from_the_catalogue_list(prepared: Prepared) -> None:
    report = report_of(prepared, "AL")
    headings = [c for c in notebook_calls() if c.startswith("report.heading(")]
    calls = [ast.parse(c, mode="eval").body for c in headings]
    texts = [ast.literal_eval(call.args[0]) for call in calls]  # type: ignore[attr-defined]
    assert texts and set(texts) <= set(HEADINGS)
    h2 = soup(report.heading("Key figures")).h2
    assert h2.get_text() == "Key figures" and h2["id"] == "s-key-figures"


# --- detail tables agree with the indicator they explain -----------------------------------


@pytest.mark.parametrize("partner", PARTNERS)
def test_detail_tables_agree_with_indicators(prepared: Prepared, partner: str) -> None:
    report = report_of(prepared, partner)
    value = report.data.indicators()["value"]
    d = report.data
    assert len(d.activities()) == value["activities_delivered"]
    assert d.participation()["participants"].sum() == value["participants"]
    assert d.participation()["women"].sum() == pytest.approx(
        0 if math.isnan(value["women_share"]) else value["women_share"] * value["participants"]
    )
    assert d.train_the_trainers()["certified_trainers"].sum() == value["trainers_certified"]
    assert len(d.cascade()) == value["cascade_sessions"]
    assert len(d.regional_activities()) == value["regional_activities"]
    assert len(d.overdue_milestones()) == value["milestones_overdue"]
    ms = d.milestones()
    assert ms["due"].sum() == value["milestones_due"]
    assert ms["achieved"].sum() == value["milestones_achieved"]
    areas = d.milestone_areas()
    assert areas["overdue"].sum() == value["milestones_overdue"]
    virtual = (d.activities()["delivery"] == "virtual").sum()
    if value["activities_delivered"]:
        assert virtual / value["activities_delivered"] == pytest.approx(value["virtual_share"])


@pytest.mark.parametrize("partner", PARTNERS)
def test_rendered_tables_have_the_selected_rows(prepared: Prepared, partner: str) -> None:
    """The HTML tables show exactly the selections (one row per item)."""
    report = report_of(prepared, partner)
    value = report.data.indicators()["value"]

    def body_rows(fragment: Any, section: str) -> int:
        found = soup(fragment).select_one(f'table[data-section="{section}"]')
        return 0 if found is None else len(found.select("tbody tr"))

    assert body_rows(report.activities(), "activities") == value["activities_delivered"]
    assert body_rows(report.trainers(), "cascade") == value["cascade_sessions"]
    overdue = body_rows(report.milestones(), "overdue-milestones")
    assert overdue == value["milestones_overdue"]
    regional = body_rows(report.regional_activities(), "regional-activities")
    assert regional == value["regional_activities"]


@pytest.mark.parametrize("lang", ["en", "sr-Cyrl", "mk", "bs"])
def test_a_date_in_a_table_breaks_before_its_year_only(prepared: Prepared, lang: str) -> None:
    """A localised date broke over three lines in the activities table ("Oct / 11, / 2021").
    Its spaces are no-break spaces now, but for the one before the year ("Oct 11, / 2021";
    keeping the whole date on one line squeezed the titles and added a printed page)."""
    report = report_of(prepared, "WB", lang)
    table = soup(report.activities()).select_one('table[data-section="activities"]')
    rows = table.select("tbody tr")
    assert rows
    for row in rows:
        for cell in row.find_all(["th", "td"])[1:3]:  # Activity, Start, End, …
            text = cell.get_text()
            assert re.search(r"\d{4}", text), text
            assert text.count(" ") <= 1, repr(text)
            assert " " not in text or re.search(r" \d{4}", text), repr(text)
    assert DateText("Oct 11, 2021").in_cell() == "Oct\u00a011, 2021"
    assert DateText("5. 10. 2021.").in_cell() == "5.\u00a010. 2021."
    assert DateText("5 окт. 2021\u202fг.").in_cell() == "5\u00a0окт. 2021\u202fг."


def test_handmade_details_by_hand(prepared: Prepared) -> None:
    al = report_of(prepared, "AL").data
    assert list(al.activities()["activity_id"]) == ["A5", "A1", "A7", "A2", "A3"]
    assert list(al.cascade()["activity_id"]) == ["A5", "A1"]
    assert list(al.overdue_milestones()["milestone_id"]) == ["M2"]
    modules = al.participation_by_module()
    assert modules.loc["Inclusion", "participants"] == 22 and modules.loc["Inclusion", "men"] == 12
    matrix = al.tools_matrix()
    assert matrix.loc["T1", "sq"] == "published" and matrix.loc["T2", "sq"] == "in_translation"
    wb = report_of(prepared, "WB").data
    assert wb.tools_matrix().loc["T1", "sr-Latn"] == "XK"
    assert wb.regional_activities().iloc[0]["partners"] == ["AL", "RS"]
    assert wb.regional_activities().iloc[0]["organisers"] == "UNHCR; IOM"
    assert list(wb.workplan_activities()["activity_id"]) == ["A10"]
    assert list(report_of(prepared, "AL").data.workplan_milestones()["milestone_id"]) == ["M4"]
    trend = al.trend()
    assert list(trend.index)[-1] == PERIOD and trend.loc[PERIOD, "participants"] == 41


# --- key figures: arrows, suppression, RAG ------------------------------------------------


def test_key_figures_values_equal_the_indicator_table(prepared: Prepared) -> None:
    report = report_of(prepared, "AL")
    cells = soup(report.key_figures()).select("td[data-indicator]")
    shown = {td["data-indicator"]: td for td in cells}
    assert shown["participants"]["data-value"] == "41"
    assert shown["participants"].get_text() == "41"
    assert shown["women_share"].get_text() == "56.1%"  # 23/41
    status = shown["participants"].find_parent("tr").find_all("td")[-1].get_text(" ")
    # target 50 from baseline 0: achievement 41/50 = 0.82, between amber 0.6 and green 0.9
    assert status == "Watch (AMBER)"
    assert shown["participants"].find_parent("tr").find_all("td")[-2].get_text() == "82%"


def test_arrows_against_the_previous_period(prepared: Prepared) -> None:
    report = report_of(prepared, "AL")
    rows = {
        tr.th.get_text(): tr for tr in soup(report.key_figures()).select("table.key-figures tr")
    }
    # The column holds the previous value: under "Since Q3 2020", "↑ 4" read as four more.
    headers = [th.get_text() for th in soup(report.key_figures()).select("thead th")]
    assert headers[:3] == ["Indicator", "Value", "Q3 2020"]
    participants = rows["Participants"].select_one(".change")
    # 2020Q3: A8 (regional, AL 4 participants) ended 2020-09-15 -> 4; now 41.
    assert participants.select_one("[aria-hidden]").get_text() == "↑ 4"
    assert participants.select_one(".visually-hidden").get_text() == "up from 4"
    assert "change-good" in participants["class"]
    overdue = rows["Milestones overdue"].select_one(".change")
    # Overdue at 2020-09-30: M1 achieved in time, M3 dropped -> 0; now 1 (up, lower is better).
    assert overdue.select_one(".visually-hidden").get_text() == "up from 0"
    assert "change-bad" in overdue["class"]
    same = rows["Milestones due"].select_one(".change")
    assert same.get_text(" ").startswith("↑")


def _suppress(run: Prepared, name: str, n: int) -> None:
    table = run.table(parse_period(PERIOD))
    mask = (table["partner"] == "AL") & (table["indicator"] == name)
    table.loc[mask, "value"] = 0.8
    table.loc[mask, "n"] = n
    table.loc[mask, "suppressed"] = 0 < n < run.settings.min_respondents


def test_suppressed_figures_read_n_below_threshold(prepared: Prepared) -> None:
    _suppress(prepared, "satisfied_share", 3)
    report = report_of(prepared, "AL")
    dd = soup(report.training_evaluation()).select_one('dd[data-indicator="satisfied_share"]')
    assert dd.get_text() == "n < 5" and dd["data-value"] == ""
    assert "0.8" not in str(report.training_evaluation())


def test_training_evaluation_links_the_evaluation_report(prepared: Prepared) -> None:
    _suppress(prepared, "satisfied_share", 12)
    for lang in ("en", "sq"):
        html = soup(report_of(prepared, "AL", lang=lang).training_evaluation())
        assert html.a["href"] == report_file("AL", "evaluation", lang)
        assert html.select_one('dd[data-indicator="satisfied_share"]')["data-value"] == "0.8000"
        figures = {dd["data-indicator"] for dd in html.select("dd")}
        assert figures == {"satisfied_share", "knowledge_gain", "applying_share"}


# --- results framework (SPEC §9) ----------------------------------------------------------

RESULTS = pd.DataFrame(
    [
        ("I1", "impact", "", "WB", "Protection space <b>widened</b>", "", "Annual review"),
        ("O1", "outcome", "I1", "AL", "AL asylum system stronger", "milestone_completion_rate", ""),
        ("P1", "output", "O1", "AL", "Staff trained", "participants;trainers_certified", "Lists"),
        ("P2", "output", "O1", "RS", "RS staff trained", "participants", ""),
        ("O2", "outcome", "I1", "WB", "Regional <script>x</script>", "participants", "MoV"),
    ],
    columns=[
        "result_id",
        "level",
        "parent_id",
        "partner",
        "statement",
        "indicators",
        "means_of_verification",
    ],
)


@pytest.fixture
def with_results(prepared: Prepared) -> Prepared:
    prepared.package.results = RESULTS  # type: ignore[attr-defined]
    return prepared


def test_results_framework_is_an_indented_hierarchy(with_results: Prepared) -> None:
    assert list(results_rows(with_results.package, "AL")["result_id"]) == ["I1", "O1", "P1"]
    html = soup(report_of(with_results, "AL").results_framework())
    impact = html.select_one("li.result-impact")
    outcome = impact.select_one("li.result-outcome")
    output = outcome.select_one("li.result-output")
    assert output["id"] == "r-P1" and "Staff trained" in output.get_text()
    assert "Protection space <b>widened</b>" in impact.p.get_text()  # escaped, as written
    table = output.select_one("table.result-indicators")
    labels = [th.get_text() for th in table.select("tbody th")]
    assert labels == ["Participants", "Trainers certified"]
    first = [td.get_text(" ", strip=True) for td in table.select("tbody tr")[0].find_all("td")]
    # baseline 0, target 50, value 41, status "82% · Watch (AMBER)", no to-date target
    assert first[0:3] == ["0", "50", "41"] and "AMBER" in first[3] and "82%" in first[3]
    assert "Lists" in output.select_one(".mov").get_text()
    assert "Staff trained" in table.caption.get_text()  # the statement captions its table


def test_each_status_stands_beside_its_own_baseline(with_results: Prepared) -> None:
    """A to-date target counts from its own baseline: shown in a column of its own, so the
    to-date status can be worked out from the row (it showed the period's baseline only)."""
    table = with_results.table(parse_period(PERIOD))
    row = (table["partner"] == "AL") & (table["indicator"] == "participants")
    table.loc[row, ["to_date_baseline", "to_date_target", "to_date_achievement"]] = [20, 100, 0.5]
    table.loc[row, "to_date_rag"] = "red"
    html = soup(report_of(with_results, "AL").results_framework())
    grid = html.select_one("li.result-output table.result-indicators")
    headers = [th.get_text() for th in grid.select("thead th")]
    assert headers[5:7] == ["Baseline to date", "Target to date"]
    cells = [td.get_text(" ", strip=True) for td in grid.select("tbody tr")[0].find_all("td")]
    assert cells[0:2] == ["0", "50"] and cells[4:6] == ["20", "100"], cells


def test_results_framework_of_the_region_escapes_statements(with_results: Prepared) -> None:
    html = str(report_of(with_results, "WB").results_framework())
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "RS staff trained" not in html  # WB shows programme-wide results


def test_results_framework_absent(prepared: Prepared) -> None:
    assert "No results framework" in str(report_of(prepared, "AL").results_framework())


# --- languages ----------------------------------------------------------------------------


def test_sections_in_another_language(prepared: Prepared) -> None:
    report = report_of(prepared, "XK", lang="sr-Cyrl")
    assert report.lang == "sr-Cyrl"
    text = soup(report.key_figures()).get_text()
    assert "Учесници" in text or "Учесн" in text  # indicator labels from the catalogue
    footer = soup(report.footer()).get_text()
    assert KOSOVO_FOOTNOTE not in footer  # the footnote is translated
    rs = report_of(prepared, "RS", lang="sr-Cyrl").key_figures()
    assert soup(rs).select_one('td[data-indicator="women_share"]').text == "57,1%"  # 16/28


# --- charts ---------------------------------------------------------------------------------


def test_charts_have_alt_text_and_locale_numbers() -> None:
    chart = charts.participation_by_module(["Inclusion"], [1200], [34], "Title")
    assert chart.alt == "Title. Inclusion: 1,200 women, 34 men"
    assert "font-family" in chart.svg or "<text" in chart.svg
    trend = charts.trend(["2020Q3", "2020Q4"], [4, 41], [1, 5], "T")
    assert "2020Q4: 41 participants, 5 activities" in trend.alt
    ms = charts.milestone_status(["Asylum"], [1], [2], [3], "M")
    assert ms.alt == "M. Asylum: 1 achieved, 2 not yet due, 3 overdue"
    comparison = charts.partner_comparison(["Albania", "Serbia"], [10, 20], [0.5, math.nan], "C")
    assert comparison.alt == "C. Albania: 10 participants, 50% women; Serbia: 20 participants"
    bundle, meta = chart._repr_mimebundle_()
    assert meta["image/svg+xml"]["alt"] == chart.alt and bundle["text/plain"] == chart.alt


def test_trend_legend_and_points_stay_clear_of_the_bars() -> None:
    """The trend chart's legend sat inside the axes over the first bars, and the highest
    point's marker on the top edge. The legend is under the axes now, with room above the
    line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    participants, activities = [211, 313, 208, 286, 201, 289], [11, 22, 13, 17, 11, 19]
    charts.trend([f"Q{q}" for q in range(6)], participants, activities, "T")
    key = ("trend", tuple(map(float, participants)), tuple(map(float, activities)))
    fig, ax, ax2, _, _ = charts._FIGURES[key]  # the figure the chart was drawn from
    renderer = FigureCanvasAgg(fig).get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y1 <= ax.get_window_extent(renderer).y0  # under the axes
    assert ax2.get_ylim()[1] >= max(activities) * 1.1


def test_empty_charts_render() -> None:
    assert "No milestones" in charts.milestone_status([], [], [], [], "M").alt
    assert "No training" in charts.participation_by_module([], [], [], "P").alt


# --- the HTML export and the index ---------------------------------------------------------


@pytest.mark.parametrize(("partner", "lang"), [("AL", "en"), ("WB", "en"), ("RS", "sr-Latn")])
def test_html_export_without_kernel(prepared: Prepared, partner: str, lang: str) -> None:
    from wbreport.render import export_html

    report = report_of(prepared, partner, lang=lang)
    html = export_html(executed_notebook(report), report.title)
    page = BeautifulSoup(html, "html.parser")
    assert page.html["lang"] == lang
    assert page.h1.get_text() == report.title and len(page.find_all("h1")) == 1
    assert len(html.encode()) < 150_000
    assert "<script" not in html.lower() and "http://" not in html.replace("http://www.w3.org", "")
    assert all(img.get("alt") for img in page.find_all("img"))
    levels = [int(h.name[1]) for h in page.find_all(["h1", "h2", "h3", "h4"])]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert "report.heading" not in html and "open_report" not in html


def test_export_language_falls_back_to_english_and_refuses_odd_tags(prepared: Prepared) -> None:
    from wbreport.render import export_html

    nb = executed_notebook(report_of(prepared, "AL"))
    nb.metadata["papermill"]["parameters"]["lang"] = '"><script>'
    assert BeautifulSoup(export_html(nb, "t"), "html.parser").html["lang"] == "en"
    del nb.metadata["papermill"]
    assert BeautifulSoup(export_html(nb, "t"), "html.parser").html["lang"] == "en"


def test_hostile_fragment_is_sanitised_in_the_export(prepared: Prepared) -> None:
    from wbreport.render import export_html

    nb = executed_notebook(report_of(prepared, "AL"))
    nb.cells[3].outputs[0]["data"]["text/html"] = (
        '<p onclick="x()">hi<script>alert(1)</script><a href="javascript:x">l</a></p>'
    )
    html = export_html(nb, "t")
    assert "onclick" not in html and "<script" not in html and "javascript:" not in html


def test_a_narrative_image_shows_its_words_and_loads_nothing() -> None:
    """The sanitiser drops an image whole: the words of its alt text were lost silently."""
    from wbreport.fragments import markdown

    html = str(
        markdown(
            "Our ![new *regional* <b>logo</b>](https://example.org/logo.png) and"
            " [![badge](b.png)](https://example.org/) here"
        )
    )
    assert soup(html).get_text().strip() == "Our new regional <b>logo</b> and badge here"
    assert "<img" not in html and "logo.png" not in html and "b.png" not in html
    assert '<a href="https://example.org/"' in html


def test_a_language_has_its_own_narrative_and_keeps_the_shared_one_for_the_rest(
    prepared: Prepared, tmp_path: Path
) -> None:
    """The Albanian page showed the English highlights: ``AL.sq.yaml`` is the Albanian
    page's own narrative; a field it leaves out or empty comes from ``AL.yaml``."""
    folder = tmp_path / PERIOD
    folder.mkdir()
    (folder / "AL.yaml").write_text(
        "highlights: Training resumed.\nnext_steps: Plan the cascade.\n", encoding="utf-8"
    )
    (folder / "AL.sq.yaml").write_text("highlights: Trajnimi rifilloi.\n", encoding="utf-8")
    (folder / "AL.evaluation.bs.yaml").write_text("next_steps: Drugi krug.\n", encoding="utf-8")

    def narrative(lang: str) -> tuple[str, str]:
        report = report_of(prepared, "AL", lang, params_dir=str(tmp_path))
        texts = (report.highlights(), report.next_steps())
        return soup(texts[0]).get_text().strip(), soup(texts[1]).get_text().strip()

    assert narrative("en") == ("Training resumed.", "Plan the cascade.")
    assert narrative("sq") == ("Trajnimi rifilloi.", "Plan the cascade.")
    assert narrative("mk") == ("Training resumed.", "Plan the cascade.")  # none of its own
    evaluation = open_report(
        "AL", PERIOD, prepared=prepared, lang="bs", params_dir=str(tmp_path), kind="evaluation"
    )
    assert "Drugi krug." in str(evaluation.next_steps())


def test_a_narrative_table_and_strikethrough_are_shown_as_such() -> None:
    """Analysts write GitHub's pipe tables and ~~strikethrough~~ out of habit: plain
    CommonMark showed them as raw text with pipes and tildes."""
    from wbreport.fragments import markdown

    html = soup(
        markdown(
            "| Module | Participants |\n|:---|---:|\n| Inclusion <b>x</b> | 12 |\n\n"
            "~~postponed~~ moved to March"
        )
    )
    table = html.select_one("table")
    assert table is not None and "|" not in html.get_text()
    assert [th.get_text() for th in table.select("thead th")] == ["Module", "Participants"]
    cells = table.select("tbody td")
    assert [c.get_text() for c in cells] == ["Inclusion <b>x</b>", "12"]  # HTML as text
    assert cells[1]["class"] == ["num"] and not cells[0].get("class")  # right-aligned column
    assert "style" not in str(html)
    assert html.select_one("s").get_text() == "postponed"


def test_footer_names_source_and_fingerprint(prepared: Prepared) -> None:
    when = datetime(2021, 1, 2, 3, 4, tzinfo=UTC)
    text = soup(report_of(prepared, "AL").footer(when)).get_text()
    assert "03:04 UTC" in text and "sha256:" in text and KOSOVO_FOOTNOTE in text


def test_index_page_without_a_run(prepared: Prepared, tmp_path: Path) -> None:
    from wbreport.index import write_index
    from wbreport.targets import to_csv_text

    table = prepared.table(parse_period(PERIOD))
    (tmp_path / "indicators.csv").write_text(to_csv_text(table), encoding="utf-8")
    (tmp_path / "AL.html").write_text("<html></html>", encoding="utf-8")
    jobs = [
        {"partner": c, "status": "ok" if c == "AL" else "failed", "paths": {"html": f"{c}.html"}}
        for c in ALL_CODES
    ]
    jobs[1]["error"], jobs[1]["cell"] = "ValueError: <b>x</b>", 3
    manifest = {"period": PERIOD, "jobs": jobs, "finished": "now", "version": "0"}
    page = BeautifulSoup(write_index(tmp_path, manifest).read_text(), "html.parser")
    hrefs = {a["href"] for a in page.find_all("a")}
    assert "AL.html" in hrefs and "BA.html" not in hrefs
    assert "ValueError: <b>x</b>" in page.get_text()
    assert KOSOVO_FOOTNOTE in page.get_text()


# Texts that are not extracted (patterns from settings, mappings) are the same in every
# language; the catalogue test checks every language has every extracted string.
@pytest.mark.parametrize("lang", ["sq", "sr-Cyrl"])
def test_every_fixed_text_of_every_section_is_in_the_catalogue(
    prepared: Prepared, lang: str
) -> None:
    """Rendering every section (and chart) in ``lang`` asks the catalogue for nothing it
    lacks: no English fallback at run time (SPEC §10)."""
    from wbreport import i18n

    tr = i18n.translator(lang)
    tr.missing.clear()
    for partner in ("AL", "WB"):
        report = report_of(prepared, partner, lang=lang)
        for call in notebook_calls():
            eval(call, {"report": report})
    assert tr.missing == set()


def test_no_next_or_previous_period_at_the_calendar_ends(prepared: Prepared) -> None:
    last = open_report("AL", "9999Q4", prepared=prepared)
    assert "–" in soup(last.workplan()).get_text()
    assert last.data.workplan_activities().empty and last.data.workplan_milestones().empty
    first = open_report("AL", "0001Q1", prepared=prepared)
    changes = soup(first.key_figures()).select(".change")
    assert changes and all(c.get_text() == "–" for c in changes)


def test_chart_svg_is_compact_and_keeps_label_digits() -> None:
    chart = charts.participation_by_module(["Module 1.123456"], [10], [5], "T 3.14159")
    assert "Module 1.123456" in chart.svg and "T 3.14159" in chart.svg
    assert "<metadata>" not in chart.svg and ">\n" not in chart.svg.strip()
    assert charts.compact_svg('<a d="M 1.23456 2.5\n L 3"> 9.87654 </a>') == (
        '<a d="M 1.23 2.5 L 3"> 9.87654 </a>'
    )


# --- the picture at the end of the period -----------------------------------------------------


def test_a_milestone_achieved_after_the_period_reads_open_then(prepared: Prepared) -> None:
    """M2 was due 31 Dec 2020 and achieved 15 Jan 2021: overdue at the end of 2020Q4 (as the
    indicators count it), so its row must not read "Achieved"."""
    table = soup(report_of(prepared, "AL").milestones()).select_one(
        'table[data-section="overdue-milestones"]'
    )
    (row,) = table.select("tbody tr")
    status = row.find_all(["th", "td"])[5].get_text()
    assert status.startswith("open at period end; achieved") and "2021" in status, status


def test_a_workplan_re_rendered_later_shows_the_plan_it_showed_then(
    handmade_package: Path,
) -> None:
    """For 2020Q3, Q4's plan: A6 was delivered since (so it was planned then), A4 was
    cancelled; M5 and M2, due in Q4, were achieved only after 30 Sep 2020."""
    run = prepare(load_package(handmade_package), [parse_period("2020Q3")], Settings())
    report = open_report("AL", "2020Q3", prepared=run)
    activities = list(report.data.workplan_activities()["activity_id"])
    assert "A6" in activities and "A4" not in activities
    assert list(report.data.workplan_milestones()["milestone_id"]) == ["M5", "M2"]
    table = soup(report.workplan()).select_one('table[data-section="workplan-milestones"]')
    statuses = [row.find_all(["th", "td"])[4].get_text() for row in table.select("tbody tr")]
    assert all(s.startswith("open at period end; achieved") for s in statuses), statuses


def test_rows_of_one_date_follow_the_fixed_partner_order() -> None:
    from wbreport.report.data import in_order

    frame = pd.DataFrame(
        {
            "due_date": pd.to_datetime(["2021-03-31"] * 4 + ["2021-01-31"]),
            "partner": ["RS", "XK", "WB", "AL", "RS"],
            "milestone_id": ["RS-1", "XK-1", "WB-1", "AL-1", "RS-0"],
        }
    )
    ordered = in_order(frame, "due_date", "milestone_id")
    assert list(ordered["milestone_id"]) == ["RS-0", "AL-1", "XK-1", "RS-1", "WB-1"]


def test_an_achievement_never_reads_as_reaching_a_threshold_it_missed(prepared: Prepared) -> None:
    """RAG compares the unrounded achievement (SPEC §4): 0.895 and the float
    0.8999999999999999 are amber under green 0.9, so they read 89 %, not 90 %."""
    from wbreport.wording import whole_percent_below

    cases = {0.9: 90, 0.8999999999999999: 89, 0.895: 89, 0.29: 29, 1.0: 100, 2.2857: 228}
    assert {share: whole_percent_below(share) for share in cases} == cases
    assert whole_percent_below(-0.3333) == -34
    assert whole_percent_below((9.0 - 5.4) / (9.0 - 5.0)) == 89  # 0.8999999999999999
    table = prepared.table(parse_period(PERIOD))
    row = (table["partner"] == "AL") & (table["indicator"] == "participants")
    table.loc[row, ["target", "baseline", "achievement", "rag"]] = [50, 0, 0.895, "amber"]
    report = report_of(prepared, "AL")
    cells = soup(report.key_figures()).find("th", string="Participants").find_parent("tr")
    texts = [cell.get_text() for cell in cells.find_all("td")]
    assert "89%" in texts and "90%" not in " ".join(texts), texts
    assert whole_percent_below(0.9) == 90


def test_a_change_too_small_to_show_reads_unchanged(prepared: Prepared) -> None:
    """80.6 % against 80.6 % as shown is "→ unchanged", whatever the fourth decimal."""
    table = prepared.table(parse_period(PERIOD))
    before = prepared.table(parse_period("2020Q3"))
    for frame, value in ((table, 0.8061), (before, 0.8058)):
        row = (frame["partner"] == "AL") & (frame["indicator"] == "women_share")
        frame.loc[row, "value"] = value
    change = (
        soup(report_of(prepared, "AL").key_figures())
        .find("th", string="Share of women")
        .find_parent("tr")
        .select_one(".change")
    )
    assert change.select_one("[aria-hidden]").get_text() == "→ 80.6%"
    assert "change-same" in change["class"]


@pytest.mark.parametrize(("lang", "named"), [("en", "sq Albanian"), ("mk", "sq албански")])
def test_the_tools_matrix_names_its_language_codes(
    prepared: Prepared, lang: str, named: str
) -> None:
    """The matrix's columns are codes (sq, sr-Latn, …) to keep it narrow; a note under it
    names each in the report's language."""
    html = soup(report_of(prepared, "WB", lang).tools())
    codes = [th.get_text() for th in html.select("thead th")][1:]
    legend = html.select_one("p.note").get_text()
    assert codes and named in legend
    assert all(f"{code} " in legend for code in codes), (codes, legend)


def test_an_achievement_outside_0_to_100_percent_is_explained(prepared: Prepared) -> None:
    """−33 % or 229 % read as mistakes; the note under the key figures says what they mean,
    only when one is shown."""
    sentence = "An achievement below 0% means the figure moved away from its target"
    table = prepared.table(parse_period(PERIOD))
    rows = table["partner"] == "AL"
    table.loc[rows, "achievement"] = table.loc[rows, "achievement"].clip(0, 1)
    assert sentence not in soup(report_of(prepared, "AL").key_figures()).get_text()
    row = rows & (table["indicator"] == "participants")
    table.loc[row, ["target", "baseline", "achievement", "rag"]] = [50, 60, -1.9, "red"]
    assert sentence in soup(report_of(prepared, "AL").key_figures()).get_text()


def test_the_results_framework_explains_an_achievement_outside_0_to_100_percent(
    with_results: Prepared,
) -> None:
    """BA's results framework showed 190 % and −240 % with no word: the explanation was
    under the key figures only, which had none such."""
    sentence = "An achievement below 0% means the figure moved away from its target"
    table = with_results.table(parse_period(PERIOD))
    rows = table["partner"] == "AL"
    for column in ("achievement", "to_date_achievement"):
        table.loc[rows, column] = table.loc[rows, column].clip(0, 1)
    assert sentence not in soup(report_of(with_results, "AL").results_framework()).get_text()
    row = rows & (table["indicator"] == "participants")
    table.loc[row, ["to_date_baseline", "to_date_target", "to_date_achievement"]] = [0, 20, 2.4]
    table.loc[row, "to_date_rag"] = "green"
    assert sentence in soup(report_of(with_results, "AL").results_framework()).get_text()
