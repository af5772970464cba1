"""One execution renders every language of a report (issue 13), and each language's page is
the page a one-language run renders; a failure in one language loses only that language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.reporting import jobs_by_report, notebook_with_cell, read_manifest
from wbreport.batch import RunOptions, plan_and_run
from wbreport.naming import report_file

pytestmark = pytest.mark.slow

PERIOD = "2021Q4"
GENERATED = re.compile(r"\d{1,2}:\d{2} UTC")  # the generation time, in any language


LANGUAGE_LINKS = re.compile(r'<nav class="languages".*?</nav>', re.DOTALL)


def normalised(html: Path) -> str:
    """The page without its generation time and its links to the other languages it was
    rendered in (none when rendered alone), the only things allowed to differ."""
    text = GENERATED.sub("<time>", html.read_text(encoding="utf-8"))
    return LANGUAGE_LINKS.sub("", text)


@pytest.mark.longest
def test_each_language_of_one_execution_equals_its_one_language_run(tmp_path: Path) -> None:
    # WB has the partner comparison chart; mk is Cyrillic. Charts of the later languages
    # re-dress the first language's figures (wbreport.charts); the evaluation report's
    # sections are made of parts, each part an output of its own.
    partners, languages, kinds = ["AL", "WB"], ["en", "sq", "mk"], ["programming", "evaluation"]
    together = plan_and_run(
        RunOptions(
            period=PERIOD,
            partners=partners,
            kinds=kinds,
            languages=languages,
            out=tmp_path / "all",
        )
    )
    assert together.exit_code == 0
    folder = together.periods[0].folder
    jobs = jobs_by_report(folder)
    assert set(jobs) == {(c, k, lang) for c in partners for k in kinds for lang in languages}
    assert all(j["status"] == "ok" and j["key"] for j in jobs.values())
    for code in partners:  # one execution rendered every language of a report
        for kind in kinds:
            assert len({jobs[(code, kind, lang)]["worker"] for lang in languages}) == 1
    for lang in languages:
        alone = plan_and_run(
            RunOptions(
                period=PERIOD,
                partners=partners,
                kinds=kinds,
                languages=[lang],
                out=tmp_path / lang,
            )
        )
        assert alone.exit_code == 0
        for code, kind in ((c, k) for c in partners for k in kinds):
            page = report_file(code, kind, lang)
            assert normalised(folder / page) == normalised(alone.periods[0].folder / page), page
            assert f'<html lang="{lang}">' in (folder / page).read_text(encoding="utf-8")
            assert LANGUAGE_LINKS.search((folder / page).read_text(encoding="utf-8")), page
    assert (folder / "notebooks" / "WB.mk.ipynb").is_file()
    assert (folder / "logs" / "WB.mk.log").is_file()


FAIL_IN = """
import wbreport.report.common as _common
_heading = _common.heading
def _failing(ctx, text, level=2):
    if ctx.text.lang == {lang!r} and text == "Trend":
        raise ValueError("no trend in {lang}")
    return _heading(ctx, text, level)
_common.heading = _failing
"""


@pytest.mark.parametrize(("failing", "fine"), [("sq", "en"), ("en", "sq")])
def test_a_failure_in_one_language_loses_only_that_language(
    tmp_path: Path, failing: str, fine: str
) -> None:
    # English is the language the cells show: a section failing in English alone fails the
    # English report only, too.
    notebook = notebook_with_cell(tmp_path / "nb", FAIL_IN.format(lang=failing))
    result = plan_and_run(
        RunOptions(
            period=PERIOD,
            partners=["AL"],
            kinds=["programming"],
            notebook=notebook,
            out=tmp_path / "out",
            reuse_kernels=False,  # the cell patches a module of the kernel
        )
    )
    folder = result.periods[0].folder
    jobs = jobs_by_report(folder)
    bad, good = jobs[("AL", "programming", failing)], jobs[("AL", "programming", fine)]
    assert good["status"] == "ok" and (folder / report_file("AL", "programming", fine)).is_file()
    assert bad["status"] == "failed"
    assert bad["exception"] == "ValueError" and f"no trend in {failing}" in bad["error"]
    assert bad["cell"] is not None
    assert not (folder / report_file("AL", "programming", failing)).exists()
    assert result.exit_code != 0
    assert {j["lang"] for j in read_manifest(folder)["jobs"]} == {"en", "sq"}
