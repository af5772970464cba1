"""A real run in two scripts: ``wbreport run --partners BA --lang hr,sr-Cyrl --pdf`` (issue 13).

Bosnia and Herzegovina reads Croatian (Latin with č ć đ š ž) and Serbian Cyrillic. The run
renders both reports through papermill and nbconvert and prints them to PDF; each report
must declare its ``<html lang>``, stay within the size budget, show no missing glyph in
Chromium (see :mod:`tests.glyphs`), have Cyrillic headings in sr-Cyrl, and its PDF must
draw the headings' characters as text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests import browser_helpers as bh
from tests import glyphs
from tests.test_i18n_browser import browser  # noqa: F401 - the module's headless Chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser]

RUN_PARTNER = "BA"  # reads both scripts: bs, hr, sr-Latn and sr-Cyrl
RUN_LANGS = {"hr": "čćđšž", "sr-Cyrl": "љњџђћшжч"}
REPORT_KB = 150


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``wbreport run --partners BA --lang hr,sr-Cyrl --kinds programming --pdf``."""
    from wbreport.batch import RunOptions, plan_and_run

    options = RunOptions(
        out=tmp_path_factory.mktemp("languages"),
        period="2021Q4",
        partners=[RUN_PARTNER],
        languages=list(RUN_LANGS),
        kinds=["programming"],
        pdf=True,
    )
    result = plan_and_run(options)
    (period,) = result.periods
    statuses = {(r.partner, getattr(r, "lang", "?")): r.status.value for r in period.results}
    assert set(statuses.values()) == {"ok"}, statuses
    return period.folder.resolve()


@pytest.mark.parametrize("lang", list(RUN_LANGS))
def test_rendered_report_language(rendered: Path, browser: Any, lang: str) -> None:  # noqa: F811
    path = rendered / f"{RUN_PARTNER}.{lang}.html"
    source = path.read_text(encoding="utf-8")
    assert re.search(rf'<html[^>]*\blang="{re.escape(lang)}"', source), source[:300]
    assert path.stat().st_size <= REPORT_KB * 1024
    pdf = (rendered / f"{RUN_PARTNER}.{lang}.pdf").read_bytes()
    context, record = bh.offline_context(browser)
    try:
        page = bh.open_page(context, record, path)
        findings = bh.screenshot_findings(page.screenshot(full_page=False))
        glyph, _used = glyphs.page_glyph_findings(page)
        findings += glyph
        headings = page.evaluate(
            "[...document.querySelectorAll('h1,h2')].map(e => e.innerText).join('\\n')"
        )
        findings += [
            f"chart: {f}" for s in glyphs.chart_svgs(source) for f in glyphs.svg_glyph_findings(s)
        ]
        findings += bh.network_findings(record)
    finally:
        context.close()
    assert findings == []
    text = page_text = headings
    assert any(c in page_text for c in RUN_LANGS[lang]), headings
    if lang == "sr-Cyrl":
        for line in text.splitlines():
            assert re.search("[\u0400-\u04ff]", line), f"not Cyrillic: {line!r}"
    assert glyphs.pdf_script_findings(pdf, re.sub(r"\s", "", headings)) == []
