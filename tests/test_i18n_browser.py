"""Scripts and fonts in a real Chromium: Latin with diacritics and Cyrillic (issue 13).

For one Latin language with diacritics and one Cyrillic one, two pages are opened offline in
Debian's ``chromium``: a *specimen* (every text of the language's catalogue, in the reports'
own CSS, with a chart drawn by :mod:`wbreport.charts`) and, when the renderer supports it,
a rendered report. Checks: the screenshot is not blank; every character is drawn by a font
that has its glyph (no missing-glyph boxes: Chromium's platform fonts per element, resolved
with ``fc-match`` and read with fontTools); the charts' SVG font has the glyphs; and the PDF
printed by :mod:`wbreport.pdf` draws the headings' characters as text.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from tests import browser_helpers as bh
from tests import glyphs
from wbreport import charts, i18n
from wbreport.pdf import CHROMIUM_ARGS, chromium_path, print_pdf, unavailable_reason

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CSS = (Path(i18n.__file__).parent / "resources" / "report.css").read_text(encoding="utf-8")
#: One Latin language with diacritics and one Cyrillic one (plus the letters they must show).
CASES = {
    "hr": "čćđšžČĆĐŠŽ",
    "sq": "ëçËÇ",
    "sr-Cyrl": "љњџђћшжчЉЊЏЂЋШЖЧ",
    "mk": "ѓќѕљњџЃЌЅЉЊЏ",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = unavailable_reason() or (None if glyphs.fontconfig_available() else "no fc-match")
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests must run in CI, but {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS))
        yield instance
        instance.close()


def _strings(tag: str) -> list[str]:
    with i18n.LANGUAGES[tag].catalogue.open("rb") as fp:
        catalog = read_po(fp)
    out: list[str] = []
    for m in catalog:
        if m.id:
            out += list(m.string) if isinstance(m.string, tuple) else [m.string]
    return [s for s in out if s]


def specimen(tag: str, folder: Path) -> Path:
    """A page in the report CSS showing every translated text of ``tag``, and a chart."""
    tr = i18n.translator(tag)
    texts = _strings(tag)
    names = [i18n.partner_name(c, tr) for c in ("AL", "BA", "XK", "ME", "MK", "RS")]
    chart = charts.participation_by_module(names, [3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6], texts[0])
    uri = "data:image/svg+xml;base64," + base64.b64encode(chart.svg.encode()).decode()
    rows = "".join(
        f"<tr><th>{html.escape(t)}</th><td class=num>{tr.percent(0.524, 1)}</td></tr>"
        for t in texts
    )
    body = (
        f"<h1>{html.escape(tr.gettext('Serbia'))} — {html.escape(tr.period('2021Q4'))}</h1>"
        f"<h2>{html.escape(texts[1])}</h2><p><em>{html.escape(texts[2])}</em></p>"
        f'<img alt="{html.escape(chart.alt)}" src="{uri}">'
        f"<table><caption>{html.escape(texts[3])}</caption>{rows}</table>"
    )
    page = (
        f'<!DOCTYPE html><html lang="{tr.lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(texts[0])}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    path = folder / f"specimen.{tag}.html"
    path.write_text(page, encoding="utf-8")
    return path


def _check_page(browser: Any, path: Path, letters: str) -> list[str]:
    context, record = bh.offline_context(browser, java_script_enabled=True)
    try:
        page = bh.open_page(context, record, path)
        findings = bh.screenshot_findings(page.screenshot(full_page=False))
        glyph, used = glyphs.page_glyph_findings(page)
        findings += glyph
        assert used, "Chromium reported no platform font"
        text = page.evaluate("document.body.innerText")
        findings += [f"page text lacks {c!r}" for c in letters if c not in text]
        source = path.read_text(encoding="utf-8")
        for svg in glyphs.chart_svgs(source):
            findings += glyphs.svg_glyph_findings(svg)
        headings = page.evaluate(
            "[...document.querySelectorAll('h1,h2,h3,caption,th')].map(e => e.innerText).join('')"
        )
        pdf = print_pdf(page, path)
        findings += glyphs.pdf_script_findings(pdf, headings + letters)
        findings += bh.network_findings(record)
    finally:
        context.close()
    return findings


@pytest.mark.parametrize("tag", list(CASES))
def test_specimen_glyphs_screen_and_pdf(browser: Any, tmp_path: Path, tag: str) -> None:
    letters = "".join(c for c in CASES[tag] if any(c in s for s in _strings(tag)))
    assert letters, f"the {tag} catalogue shows none of {CASES[tag]!r}"
    assert _check_page(browser, specimen(tag, tmp_path), letters) == []


def test_glyph_check_catches_missing_glyphs(browser: Any, tmp_path: Path) -> None:
    """A character no installed font has (a private-use code point) is reported."""
    path = tmp_path / "tofu.html"
    path.write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
        f"<style>{CSS}</style></head><body><h1>Tofu \ue000 here</h1></body></html>",
        encoding="utf-8",
    )
    context, record = bh.offline_context(browser)
    try:
        page = bh.open_page(context, record, path)
        found, _ = glyphs.page_glyph_findings(page)
    finally:
        context.close()
    assert any("no glyph" in f and "ue000" in f for f in found), found
    pdf_found = glyphs.pdf_script_findings(b"%PDF-1.4 nothing", "Ж")
    assert pdf_found and "Ж" in pdf_found[0]
