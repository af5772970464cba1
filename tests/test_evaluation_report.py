"""The training-evaluation report (SPEC §8) section by section, without a kernel.

Values are read back from the parsed HTML of each section and compared with the data of
tests/evaluation_package.py and with the indicator table, so a table always adds up to
the key figure it explains and suppressed figures never show a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from tests import evaluation_package
from wbreport import evaluation_charts
from wbreport.i18n import translator
from wbreport.registry import EVALUATION_NAMES, csv_number, get
from wbreport.report import evaluation_data
from wbreport.report.evaluation import EvaluationReport, Section, open_evaluation

PERIOD = "2020Q4"
HIDDEN = "n < 5"
WITHHELD = "withheld"


@pytest.fixture
def package(make_package: Callable[..., Path]) -> Path:
    return evaluation_package.make(make_package)


@pytest.fixture
def report(package: Path) -> Callable[..., EvaluationReport]:
    def open_(partner: str = "AL", period: str = PERIOD, **kw: Any) -> EvaluationReport:
        return open_evaluation(partner, period, str(package), **kw)

    return open_


def soup(part: Section | Any) -> BeautifulSoup:
    html = part.html() if isinstance(part, Section) else str(part)
    return BeautifulSoup(html, "html.parser")


def text(cell: Any, separator: str = " ") -> str:
    """A cell's text as read (a date's no-break spaces read as spaces)."""
    return cell.get_text(separator, strip=True).replace("\u00a0", " ")


def rows(table: Any) -> dict[str, list[str]]:
    """Body rows of a table by their header cell's text: the other cells' texts."""
    out = {}
    for tr in table.select("tbody tr"):
        cells = [text(c) for c in tr.find_all(["th", "td"])]
        out[cells[0]] = cells[1:]
    return out


def number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").replace("+", "").replace("−", "-"))


def assert_hidden(cells: list[str]) -> None:
    """A suppressed row: every figure shows "n < 5" and no cell holds a digit but the 5."""
    assert cells and all(c == HIDDEN for c in cells), cells
    assert not re.search(r"\d", " ".join(cells).replace(HIDDEN, ""))


def assert_withheld(cells: list[str]) -> None:
    """A row hidden besides a suppressed one (its own n is 5 or more): "withheld"."""
    assert cells and all(c == WITHHELD for c in cells), cells


# --- header, key figures, footer ----------------------------------------------------------


def test_header_title_period_and_link(report: Callable[..., EvaluationReport]) -> None:
    r = report()
    header = soup(r.header())
    assert header.h1.get_text() == "Albania — training evaluation Q4 2020" == r.title
    assert header.find("a")["href"] == "AL.html"
    assert "Illustrative sample" not in header.get_text()
    assert soup(report("XK").header()).h1.get_text().startswith("Kosovo*")


def test_key_figures_match_indicator_table(report: Callable[..., EvaluationReport]) -> None:
    """Every indicator 16–22 with its value (data-value as in indicators.csv), n, target and
    RAG as text; the suppressed figure shows "n < 5" and an empty data-value."""
    for code in ("AL", "RS", "WB"):
        r = report(code)
        table = soup(r.key_figures()).find("table", class_="key-figures")
        table_rows = r.indicators[r.indicators["partner"] == code].set_index("indicator")
        cells = {td["data-indicator"]: td for td in table.select("td[data-indicator]")}
        assert list(cells) == list(EVALUATION_NAMES)
        for name, td in cells.items():
            row = table_rows.loc[name]
            if row["suppressed"]:
                assert td.get_text() == HIDDEN and td["data-value"] == ""
            else:
                assert td["data-value"] == csv_number(row["value"], get(name))
    al = rows(soup(report().key_figures()).find("table"))
    # value, change since the previous period, n, baseline, target, achievement, status
    # achievement 0.2 / 0.3 = 0.667, shown rounded down (as the RAG judges it unrounded)
    assert al["Share satisfied"][2:6] == ["20", "50.0%", "80.0%", "66%"]
    assert al["Share satisfied"][0] == "70.0%" and "Watch (AMBER)" in al["Share satisfied"][6]
    assert "Off track (RED)" in al["Pass rate"][6]
    rs = rows(soup(report("RS").key_figures()).find("table"))
    assert rs["Share applying it at work"][:3] == [HIDDEN, "–", "–"]  # n = 3: no number
    assert rs["Evaluation response rate"][0] == "75.0%"  # never suppressed


def test_footer_and_narrative(
    report: Callable[..., EvaluationReport], tmp_path: Path, package: Path
) -> None:
    folder = tmp_path / "params" / PERIOD
    folder.mkdir(parents=True)
    hostile = "Good **news**.\n\n<script>alert(1)</script> [x](javascript:alert(1))"
    (folder / "AL.evaluation.yaml").write_text(
        yaml.safe_dump({"highlights": hostile, "next_steps": "- more tests"}), encoding="utf-8"
    )
    (folder / "AL.yaml").write_text(yaml.safe_dump({"highlights": "programming"}), "utf-8")
    r = open_evaluation("AL", PERIOD, str(package), str(tmp_path / "params"))
    highlights = soup(r.highlights())
    assert highlights.h2.get_text() == "Highlights"
    assert highlights.strong.get_text() == "news"
    assert not highlights.find("script") and not highlights.select("a[href^=javascript]")
    assert "more tests" in soup(r.next_steps()).get_text()
    assert "No narrative" in soup(report().highlights()).get_text()
    footer = soup(r.footer()).get_text()
    assert "data fingerprint sha256:" in footer and "UNSCR 1244/1999" in footer


# --- satisfaction, knowledge, pass rate --------------------------------------------------


def test_likert_table_counts_sum_to_respondents(report: Callable[..., EvaluationReport]) -> None:
    section = soup(report().satisfaction())
    assert section.h2.get_text() == "Satisfaction and usefulness"
    assert section.find("img")["alt"].startswith("Overall satisfaction by module, Albania")
    table = rows(section.find("table", class_="likert"))
    assert list(table) == ["Inclusion", "Interview", "No module (workshops)", "Total"]
    for module in ("Inclusion", "Total"):
        respondents, *ratings = (number(c) for c in table[module][:6])
        assert sum(ratings) == respondents
    assert table["Inclusion"] == ["11", "0", "1", "2", "4", "4", "4.00", "72.7%", "81.8%"]
    assert_hidden(table["Interview"])  # 4 respondents
    # ... and the smallest other row (5), else Total − Inclusion would give Interview's
    assert_withheld(table["No module (workshops)"])
    note = section.find("p", class_="note").get_text()
    assert note.startswith("withheld: not shown, because with the total")
    total = report().own
    assert table["Total"][6] == f"{total['satisfaction_mean']['value']:.2f}"
    assert table["Total"][7] == f"{total['satisfied_share']['value']:.1%}"


def test_knowledge_table_and_gain(report: Callable[..., EvaluationReport]) -> None:
    section = soup(report().knowledge())
    table = rows(section.find("table", class_="knowledge"))
    # A2 was not tested before: it is not in the gain (SPEC §8 knowledge_gain).
    assert_hidden(table["Interview"])  # min(4, 4) < 5
    assert_withheld(table["Inclusion"])  # the only other row: the Total would give Interview's
    gain = report().own["knowledge_gain"]["value"]
    assert table["Total"][-1] == f"+{gain:.1f}"
    assert section.find("p", class_="lead").get_text() == f"Knowledge gain: +{gain:.1f} points."
    assert "Interview: n < 5" in section.find("img")["alt"]


def test_knowledge_gain_sentence_without_a_figure(
    report: Callable[..., EvaluationReport], tmp_path: Path
) -> None:
    """A suppressed gain is not read as a number of points ("n < 5 points")."""
    params = tmp_path / "params"
    params.mkdir()
    defaults = (Path(__file__).parents[1] / "params" / "defaults.yaml").read_text()
    (params / "defaults.yaml").write_text(
        defaults.replace("min_respondents: 5 ", "min_respondents: 99"), encoding="utf-8"
    )
    hidden = soup(report(params_dir=str(params)).knowledge()).find("p", class_="lead")
    assert hidden.get_text() == "Knowledge gain: n < 99."
    croatian = soup(report(params_dir=str(params), lang="hr").knowledge()).find("p", class_="lead")
    assert croatian.get_text() == "Porast znanja: n < 99."


def test_pass_rate_by_module(report: Callable[..., EvaluationReport]) -> None:
    section = soup(report().pass_rate())
    table = rows(section.find("table", class_="pass-rate"))
    assert_hidden(table["Interview"])  # 4 tested after
    assert_withheld(table["Inclusion"])  # A1 and A2 (11): with the lead's 73.3%, it would tell
    assert "73.3%" in section.find("p", class_="lead").get_text()


# --- follow-up, activities, comparison, trend -------------------------------------------


def test_follow_up_rows_and_suppression(report: Callable[..., EvaluationReport]) -> None:
    table = soup(report().follow_up()).find("table")
    figures = [[text(c) for c in tr.find_all("td")] for tr in table.tbody("tr")]
    assert len(figures) == 2
    # A5's survey rests on 2 people, so A1's (6) is hidden too: the lead's share of the 8
    # minus A1's would give A5's
    assert figures[0] == ["Oct 15, 2020", "Dec 15, 2020", *[WITHHELD] * 3]
    assert figures[1][:2] == ["Oct 1, 2020", "Dec 20, 2020"] and figures[1][2:] == [HIDDEN] * 3
    rs = soup(report("RS").follow_up())
    assert HIDDEN in rs.find("p", class_="lead").get_text()
    assert "No follow-up" in soup(report("BA").follow_up()).get_text()


def test_activity_table_matches_data(report: Callable[..., EvaluationReport]) -> None:
    r = report()
    table = soup(r.activities()).find("table", class_="activities")
    body = [[text(c, "") for c in tr.find_all(["th", "td"])] for tr in table.tbody("tr")]
    ends = [datetime.strptime(b[1], "%b %d, %Y") for b in body]  # medium dates (en)
    assert ends == sorted(ends) and len(body) == 5  # A5, A1, A7, A2, A3
    by_end = {b[1]: b for b in body}
    assert by_end["Oct 15, 2020"][0] == "Activity(Training: Inclusion)"
    # A1 (Inclusion, 8 respondents) is hidden with A2 (3): the Inclusion rows of the module
    # tables minus A1 would give A2's figures
    assert by_end["Oct 15, 2020"][2:] == ["10", "8", "80.0%", *[WITHHELD] * 4]
    assert by_end["Nov 10, 2020"][2:] == ["12", "3", "25.0%", HIDDEN, HIDDEN, "n/a", HIDDEN]
    assert by_end["Oct 1, 2020"][2:5] == ["8", "0", "0.0%"]  # delivered, not evaluated
    participants = sum(number(b[2]) for b in body)
    respondents = sum(number(b[3]) for b in body)
    assert respondents / participants == pytest.approx(r.own["evaluation_response_rate"]["value"])


def test_comparison_side_by_side(report: Callable[..., EvaluationReport]) -> None:
    wb = report("WB")
    section = soup(wb.comparison())
    assert section.find("img")["alt"].startswith("Overall satisfaction by partner")
    cells = section.select("td[data-partner]")
    assert {c["data-partner"] for c in cells} == {"AL", "BA", "XK", "ME", "MK", "RS", "WB"}
    table = wb.indicators.set_index(["partner", "indicator"])
    for c in cells:
        row = table.loc[(c["data-partner"], c["data-indicator"])]
        expected = "" if row["suppressed"] else csv_number(row["value"], get(row.name[1]))
        assert c["data-value"] == expected
    rs = section.select_one('td[data-partner="RS"][data-indicator="applying_share"]')
    assert rs.get_text() == HIDDEN
    al = soup(report().comparison())
    assert {c["data-partner"] for c in al.select("td[data-partner]")} == {"AL", "WB"}
    assert not al.find("img")


def test_trend_over_recent_periods(report: Callable[..., EvaluationReport]) -> None:
    section = soup(report(period="2021Q1").trend())
    table = rows(section.find("table", class_="trend"))
    assert list(table)[-2:] == ["Q4 2020", "Q1 2021"] and len(table) == 6
    assert table["Q1 2021"][1] == "4.33"  # A6: (3 + 16 + 20) / 9
    assert table["Q4 2020"][1] == "3.85"
    alt = section.find("img")["alt"]
    assert "Q1 2021: satisfaction 4.33, gain 20.0" in alt


def test_sections_without_evaluation_tables(
    make_package: Callable[..., Path],
) -> None:
    bare = evaluation_package.make(make_package, evaluations=[], followups=[])
    r = open_evaluation("AL", PERIOD, str(bare))
    for name in ("satisfaction", "knowledge", "follow_up"):
        assert soup(getattr(r, name)()).find("p", class_="empty"), name
    assert not soup(r.pass_rate()).find("table")
    key = soup(r.key_figures()).select("td[data-indicator]")
    assert [c.get_text() for c in key][1:] == ["n/a"] * 6


def test_other_language(report: Callable[..., EvaluationReport]) -> None:
    r = report(lang="sq")
    html = "".join(
        soup(getattr(r, s)()).get_text()
        for s in ("header", "key_figures", "satisfaction", "knowledge", "activities", "trend")
    )
    assert "Shqipëria" in html and "Albania" not in html
    assert "70,0%" in html  # CLDR decimal comma
    assert r.tr.missing == set()


# --- selections and charts ------------------------------------------------------------------


def test_selections_for_analysts(package: Path) -> None:
    from wbreport.package import load_package

    pkg = load_package(package)
    ev = evaluation_data.evaluated(pkg, "WB", PERIOD)
    assert set(ev["activity_id"]) == {"A1", "A2", "A3", "A7", "A9"}
    by_partner = evaluation_data.satisfaction(ev, "partner")
    assert by_partner.loc["AL", "respondents"] == 20 and by_partner.loc["RS", "respondents"] == 21
    assert not by_partner["suppressed"].any()
    assert evaluation_data.satisfaction(ev, "partner", min_respondents=21)[
        "suppressed"
    ].tolist() == [
        True,
        False,
    ]
    follow = evaluation_data.followups(pkg, "WB", PERIOD)
    assert follow["suppressed"].tolist() == [True, False, False][: len(follow)] or len(follow) == 3
    assert evaluation_data.is_suppressed(pd.Series([0, 1, 4, 5]), 5).tolist() == [
        False,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("n", "suppressed", "groups", "hidden"),
    [
        ([3, 20, 8], [1, 0, 0], None, [1, 0, 1]),  # one row alone would be total − shown
        ([1, 2, 20, 9], [1, 1, 0, 0], None, [1, 1, 0, 1]),  # 1 + 2 people: still fewer than 5
        ([3, 4, 20], [1, 1, 0], None, [1, 1, 0]),  # 3 + 4 = 7 people: enough
        ([0, 6, 9], [0, 0, 0], None, [0, 0, 0]),  # nothing suppressed, nothing hidden
        ([3, 0, 9], [1, 0, 0], None, [1, 0, 1]),  # a row of no one protects nothing
        ([3, 20, 10, 12], [1, 0, 0, 0], ["A", "A", "B", "B"], [1, 1, 0, 0]),  # within A
        ([3, 10, 12], [1, 0, 0], ["A", "B", "B"], [1, 1, 0]),  # then for the whole
        ([3], [1], None, [1]),
        ([], [], None, []),
    ],
)
def test_protect_leaves_nothing_to_work_out_by_subtraction(
    n: list[int], suppressed: list[int], groups: list[str] | None, hidden: list[int]
) -> None:
    got = evaluation_data.protect(pd.Series(n), pd.Series(suppressed, dtype=bool), 5, groups)
    assert got.tolist() == [bool(h) for h in hidden]


def test_no_hidden_figure_follows_from_a_table_and_its_total(package: Path) -> None:
    """In every table of every evaluation report, what the shown rows leave of the total
    rests on no one or on at least 5 people; per activity, within each module too."""
    from wbreport.package import load_package

    pkg = load_package(package)
    for code in ("AL", "RS", "WB"):
        ev = evaluation_data.evaluated(pkg, code, PERIOD)
        tables = [
            evaluation_data.satisfaction(ev),
            evaluation_data.knowledge(ev),
            evaluation_data.passing(ev),
            evaluation_data.followups(pkg, code, PERIOD),
        ]
        for frame in tables:
            hide = evaluation_data.protect(frame["n"], frame["suppressed"], 5)
            left = frame["n"][hide].sum()
            assert left == 0 or left >= 5 or hide.all(), code  # all hidden: so is the total
        acts = evaluation_data.protect_activities(evaluation_data.activities(pkg, code, PERIOD), 5)
        for n, flag in (("respondents", "satisfaction_suppressed"), ("gain_n", "gain_suppressed")):
            for _, group in [("all", acts), *acts.groupby(acts["module"].fillna(""))]:
                left = group[n].fillna(0)[group[flag]].sum()
                # (a module whose every row is hidden has its own row hidden in the tables)
                assert left == 0 or left >= 5 or group[flag].all(), (code, n)


def _bars(svg: str) -> int:
    """Filled bar rectangles drawn in the axes (legend swatches excluded)."""
    return len(re.findall(r'<g id="patch_\d+">', svg))


def test_likert_chart_never_draws_a_suppressed_row() -> None:
    tr = translator("en")
    shown = evaluation_charts.likert(["A"], [[1, 2, 3, 4, 5]], [False], "T", tr, HIDDEN)
    both = evaluation_charts.likert(
        ["A", "B"], [[1, 2, 3, 4, 5], [0, 1, 1, 1, 0]], [False, True], "T", tr, HIDDEN
    )
    assert _bars(both.svg) == _bars(shown.svg)
    assert "B: n < 5" in both.alt and ">n &lt; 5<" in both.svg
    assert "A: 60% satisfied or very satisfied, 20% neutral, 20% dissatisfied" in both.alt
    for text in evaluation_charts.LIKERT_LABELS:
        assert text in both.svg  # the full legend, in order


def test_dumbbell_and_trend_charts() -> None:
    tr = translator("en")
    chart = evaluation_charts.dumbbell(
        ["A", "B", "C"], [50.0, 40.0, float("nan")], [62.5, 30.0, 70.0], [False, False, False],
        "T", tr, HIDDEN,
    )  # fmt: skip
    assert "A: 50.0 before, 62.5 after (+12.5 points)" in chart.alt
    assert "B: 40.0 before, 30.0 after (−10.0 points)" in chart.alt
    assert "C: not tested before and after" in chart.alt
    trend = evaluation_charts.trend(
        ["Q1", "Q2"], [4.0, float("nan")], [float("nan"), 3.0], ("T", "L", "R"), tr
    )
    assert (
        trend.alt
        == "T. Q1: satisfaction 4.00, gain no figure; Q2: satisfaction no figure, gain 3.0"
    )
    assert trend.svg.startswith("<?xml")


def test_adding_a_report_walkthrough(tmp_path: Path, package: Path) -> None:
    """docs/adding-a-report.md: its two YAML lines declare a kind, its cells are sections."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "adding-a-report.md").read_text(
        encoding="utf-8"
    )
    (declared,) = re.findall(r"```yaml\n(reports:\n.*?)```", doc, re.S)
    params = tmp_path / "params"
    params.mkdir()
    (params / "defaults.yaml").write_text(declared, encoding="utf-8")
    calls = re.findall(r"```python\nreport\.(\w+)\(\)\n```", doc)
    assert calls == ["key_figures", "satisfaction", "highlights", "footer"]
    r = open_evaluation("AL", PERIOD, str(package), str(params), kind="brief")
    assert r.title == "Albania — training brief Q4 2020"
    for call in calls:
        assert soup(getattr(r, call)()).get_text()


def test_the_activity_table_keeps_hidden_what_the_module_table_hides(tmp_path: Path) -> None:
    """A module withheld in its table (satisfaction, knowledge, pass rate) had its only
    activity shown in the per-activity table, which gave the module's figures back (a demo
    package, AL 2021Q4: Evidence Assessment, then 2 people's ratings by subtraction)."""
    from wbreport import demo
    from wbreport.package import load_package

    folder = tmp_path / "demo"
    demo.write_package(demo.generate(2, seed=1), folder)
    pkg = load_package(folder)
    checked = 0
    for code in ("AL", "XK", "WB"):
        rows = evaluation_data.evaluated(pkg, code, "2021Q4")
        hidden = evaluation_data.hidden_modules(rows, 5)
        acts = evaluation_data.activities(pkg, code, "2021Q4")
        shown = evaluation_data.protect_activities(acts, 5, hidden)
        module = acts["module"].fillna("")
        for flag, people in evaluation_data.ACTIVITY_FIGURES.items():
            for name in hidden[flag]:
                mine = (module == name) & (acts[people].fillna(0) > 0)
                assert shown[flag][mine].all(), (code, flag, name)
                checked += int(mine.sum())
    assert checked  # the package has modules hidden with activities of people in them
