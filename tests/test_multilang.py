"""Several languages from one notebook execution (wbreport.multilang, issue 13): grouping of
jobs, the per-language notebook, and the kernel-side facade — without a kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from wbreport.jobs import Job, JobResult, Status, expand, group_languages
from wbreport.multilang import ALTERNATIVES, language_notebook
from wbreport.report.languages import LanguageReports, Rendered, open_languages


def job(partner: str, lang: str, kind: str = "programming", languages: bool = True) -> Job:
    parameters: dict = {"partner": partner, "lang": lang}
    if languages:
        parameters["languages"] = [lang]
    return Job(
        partner, "2021Q4", "t", Path("nb.ipynb"), parameters, f"k-{partner}-{lang}",
        Path("stage"), kind=kind, lang=lang,
    )  # fmt: skip


def test_jobs_of_one_report_are_grouped_per_partner_and_kind() -> None:
    jobs = [
        job("AL", "en"),
        job("AL", "sq"),
        job("BA", "en"),
        job("AL", "en", kind="evaluation"),
        job("BA", "bs"),
        job("XK", "en", languages=False),  # the notebook does not declare ``languages``
        job("XK", "sq", languages=False),
    ]
    groups = group_languages(jobs)
    assert [(g.partner, g.kind, g.lang, [m.lang for m in g.also]) for g in groups] == [
        ("AL", "programming", "en", ["sq"]),
        ("BA", "programming", "en", ["bs"]),
        ("AL", "evaluation", "en", []),
        ("XK", "programming", "en", []),
        ("XK", "programming", "sq", []),
    ]
    assert groups[0].parameters["languages"] == ["en", "sq"]
    assert groups[0].parameters["lang"] == "en"
    assert jobs[0].parameters["languages"] == ["en"]  # the planned jobs are left as they were
    assert [m.stem for m in groups[0].members] == ["AL", "AL.sq"]


def test_expand_gives_one_result_per_language() -> None:
    group = group_languages([job("AL", "en"), job("AL", "sq")])[0]
    first = JobResult("AL", "2021Q4", Status.ok, lang="en", paths={"html": "AL.html"})
    first.also = [JobResult("AL", "2021Q4", Status.failed, lang="sq", error="ValueError: x")]
    pairs = expand(group, first)
    assert [(j.stem, r.lang, r.status) for j, r in pairs] == [
        ("AL", "en", Status.ok),
        ("AL.sq", "sq", Status.failed),
    ]
    assert all(r.also == [] for _, r in pairs)
    # An execution that failed before writing anything (a worker lost): every language fails.
    lost = JobResult("AL", "2021Q4", Status.kernel_died, error="the kernel died")
    pairs = expand(group, lost)
    assert [(r.lang, r.status, r.key, r.paths) for _, r in pairs] == [
        ("en", Status.kernel_died, "", {}),
        ("sq", Status.kernel_died, "k-AL-sq", {}),
    ]
    assert "also" not in first.to_json()


def executed(outputs: list) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"lang": "en", "languages": ["en", "sq"]}}
    nb.cells = [
        nbformat.v4.new_code_cell("partner = 'AL'", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("report.header()", outputs=outputs[:1]),
        nbformat.v4.new_code_cell("report.trend()", outputs=outputs[1:]),
    ]
    return nb


def output(html: str, alternatives: dict) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "execute_result",
        {"text/html": html, "text/plain": "<Fragment>"},
        metadata={ALTERNATIVES: alternatives},
        execution_count=1,
    )


def test_language_notebook_shows_one_language_and_reports_its_failures() -> None:
    nb = executed(
        [
            output("<h1>Title</h1>", {"sq": {"data": {"text/html": "<h1>Titulli</h1>"},
                                             "metadata": {}}}),
            output("<p>trend</p>", {"sq": {"error": {"ename": "ValueError", "evalue": "boom"}}}),
        ]
    )  # fmt: skip
    english, failed = language_notebook(nb, "en")
    assert failed is None
    assert english.cells[1].outputs[0].data["text/html"] == "<h1>Title</h1>"
    assert ALTERNATIVES not in english.cells[1].outputs[0].metadata
    assert english.metadata.papermill.parameters.lang == "en"
    albanian, failed = language_notebook(nb, "sq")
    assert albanian.cells[1].outputs[0].data == {"text/html": "<h1>Titulli</h1>"}
    assert failed == (2, "ValueError", "boom")  # code cells counted as the analyst wrote them
    assert albanian.metadata.papermill.parameters.lang == "sq"
    nbformat.validate(albanian)
    # the executed notebook itself is left as it was
    assert ALTERNATIVES in nb.cells[1].outputs[0].metadata


class Section:
    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return self.html


class FakeReport:
    def __init__(self, lang: str, fail: bool = False) -> None:
        self.lang, self.fail = lang, fail

    def heading(self, text: str) -> Section:
        if self.fail:
            raise ValueError(f"no {self.lang}")
        return Section(f"<h2 lang={self.lang}>{text}</h2>")

    def count(self) -> int:
        return 3


def test_language_reports_render_each_section_in_every_language() -> None:
    reports = LanguageReports({"en": FakeReport("en"), "sq": FakeReport("sq", fail=True)})
    assert reports.lang == "en" and reports.count() == 3  # not a section: the first's
    rendered = reports.heading("Trend")
    assert isinstance(rendered, Rendered)
    data, metadata = rendered._repr_mimebundle_()
    assert data["text/html"] == "<h2 lang=en>Trend</h2>"
    assert metadata[ALTERNATIVES] == {"sq": {"error": {"ename": "ValueError", "evalue": "no sq"}}}
    # A failure in the shown language alone: its output holds the error, the others render.
    data, metadata = (
        LanguageReports({"sq": FakeReport("sq", fail=True), "en": FakeReport("en")})
        .heading("x")
        ._repr_mimebundle_()
    )
    assert data == {"text/plain": "ValueError: no sq"}
    assert metadata[ALTERNATIVES]["sq"] == {"error": {"ename": "ValueError", "evalue": "no sq"}}
    assert metadata[ALTERNATIVES]["en"]["data"]["text/html"] == "<h2 lang=en>x</h2>"
    # A failure in every language fails the cell, as in a one-language report.
    with pytest.raises(ValueError, match="no sq"):
        failing = {lang: FakeReport(lang, fail=True) for lang in ("sq", "en")}
        LanguageReports(failing).heading("x")


def test_languages_share_the_data_selections() -> None:
    from wbreport.report import Report, open_context

    reports = open_languages(
        lambda **p: Report(open_context(**p)), ["en", "sq", "en"], partner="AL", period="2021Q4"
    )
    assert list(reports.reports) == ["en", "sq"]
    en, sq = reports.reports["en"], reports.reports["sq"]
    assert en.data is sq.data and en.run is sq.run
    first = en.data.activities()
    first.loc[:, "partner"] = "changed"  # a renderer changing its copy changes nobody else's
    assert (sq.data.activities()["partner"] != "changed").all()
    bundle, metadata = reports.heading("Key figures")._repr_mimebundle_()
    assert bundle["text/html"] == en.heading("Key figures")._repr_html_()
    assert (
        metadata[ALTERNATIVES]["sq"]["data"]["text/html"] == sq.heading("Key figures")._repr_html_()
    )


@pytest.mark.parametrize("section", ["participation_chart", "milestones_chart", "trend_chart"])
@pytest.mark.parametrize("partner", ["AL", "WB"])
def test_a_chart_redressed_in_another_language_equals_the_chart_drawn_anew(
    section: str, partner: str
) -> None:
    from wbreport import charts
    from wbreport.report import open_report

    english, serbian = (open_report(partner, "2021Q4", lang=lang) for lang in ("en", "sr-Cyrl"))
    charts.forget_figures()
    getattr(english, section)()
    redressed = getattr(serbian, section)()  # the English figure, re-dressed
    assert charts._FIGURES  # (the figure was kept)
    charts.forget_figures()
    anew = getattr(serbian, section)()
    assert redressed.svg == anew.svg and redressed.alt == anew.alt
    assert getattr(english, section)().svg != anew.svg


def test_the_comparison_chart_redressed_equals_the_chart_drawn_anew() -> None:
    from wbreport import charts
    from wbreport.report import open_report

    english, albanian = (open_report("WB", "2021Q4", lang=lang) for lang in ("en", "sq"))
    charts.forget_figures()
    english.comparison_chart()
    redressed = albanian.comparison_chart()
    charts.forget_figures()
    assert redressed.svg == albanian.comparison_chart().svg


class Parts:
    def __init__(self, *parts: Section) -> None:
        self.parts = list(parts)

    def _ipython_display_(self) -> None:  # pragma: no cover - replaced in several languages
        raise AssertionError("shown part by part")


class PartsReport:
    def __init__(self, lang: str, count: int = 2) -> None:
        self.lang, self.count = lang, count

    def section(self) -> Parts:
        return Parts(*(Section(f"<p>{self.lang} {i}</p>") for i in range(self.count)))


def test_sections_made_of_parts_show_each_part_in_every_language(monkeypatch) -> None:
    import IPython.display

    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    reports = LanguageReports(
        {"en": PartsReport("en"), "sq": PartsReport("sq"), "mk": PartsReport("mk", count=1)}
    )
    reports.section()._ipython_display_()
    bundles = [part._repr_mimebundle_() for part in shown]
    assert [data["text/html"] for data, _ in bundles] == ["<p>en 0</p>", "<p>en 1</p>"]
    first = bundles[0][1][ALTERNATIVES]
    assert first["sq"]["data"]["text/html"] == "<p>sq 0</p>"
    assert first["mk"]["error"]["ename"] == "ValueError"  # its parts do not match: it fails
