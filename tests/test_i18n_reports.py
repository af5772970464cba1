"""Reports in every language: no English fixed text left, locale numbers, scripts (issue 13).

Each report notebook is run without a kernel (:mod:`tests.i18n_render`) on the sample,
once in English and once per language, for a partner that reads that language. The fixed
texts of the translated report — headings, captions, column headers, notes, RAG words,
chart alt texts, the footer — must not contain English words of the catalogue (data text
such as activity titles and module names is shown as written and is left out), percentages
must use the locale's decimal sign, and Serbian Cyrillic and Macedonian headings must be
Cyrillic. The page ``<html lang>`` of real renders is checked by the slow test at the end.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from tests.i18n_render import render
from tests.test_i18n import i18n_identical
from wbreport import i18n
from wbreport.i18n_tools import extract_catalog

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2021Q4"
#: A partner that reads each language (SPEC §1), and the region once.
CASES = [
    ("sq", "AL"),
    ("bs", "BA"),
    ("hr", "BA"),
    ("sr-Latn", "XK"),
    ("sr-Cyrl", "RS"),
    ("mk", "MK"),
    ("cnr", "ME"),
    ("sr-Cyrl", "WB"),
]
COMMA = {"sq", "bs", "hr", "sr-Latn", "sr-Cyrl", "mk", "cnr"}
CYRILLIC = {"sr-Cyrl", "mk"}
FIXED = "h1, h2, h3, caption, thead th, .note, .empty, .kicker, .rag, footer, p.lead"
WORD = re.compile(r"[^\W\d_]{4,}")
PERCENT = re.compile(r"\d+([.,]\d+)?\s?%")


#: The evaluation report in every language and the WB report are in the slow suite; the
#: programming report in every language and two evaluation reports run in the fast one.
FAST_EVALUATION = {("sq", "AL"), ("sr-Cyrl", "RS")}


def cases() -> list[object]:
    """(lang, partner, notebook) for the programming report and the evaluation report."""
    out: list[object] = []
    report = ROOT / "notebooks" / "report.ipynb"
    evaluation = ROOT / "notebooks" / "evaluation.ipynb"
    for lang, partner in CASES:
        slow = (pytest.mark.slow,) if partner == "WB" else ()
        out.append(pytest.param(lang, partner, report, id=f"{lang}-{partner}-report", marks=slow))
        if evaluation.is_file():
            marks = () if (lang, partner) in FAST_EVALUATION else (pytest.mark.slow,)
            ident = f"{lang}-{partner}-evaluation"
            out.append(pytest.param(lang, partner, evaluation, id=ident, marks=marks))
    return out


def english_cases() -> list[object]:
    """The English programming and evaluation reports of one partner (fast)."""
    return [
        pytest.param("en", "AL", ROOT / "notebooks" / f"{name}.ipynb", id=f"en-AL-{name}")
        for name in ("report", "evaluation")
    ]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The sample's data computed once, saved as ``wbreport run`` passes it to notebooks."""
    from wbreport.config import load_settings
    from wbreport.package import load_package
    from wbreport.periods import parse_period
    from wbreport.report import Prepared, prepare

    prepared = prepare(load_package(None), [parse_period(PERIOD)], load_settings(None))
    assert isinstance(prepared, Prepared)
    return prepared, str(prepared.save(tmp_path_factory.mktemp("run") / "prepared.pickle"))


@pytest.fixture(scope="module")
def prepared(run):
    return run[1]


@pytest.fixture(scope="module")
def data_text(run) -> list[str]:
    """Every text of the sample package (shown as written, in any language), longest first."""
    texts: set[str] = set()
    for value in vars(run[0].package).values():
        if isinstance(value, pd.DataFrame):
            for column in value.columns:
                series = value[column]
                if series.dtype == object or not pd.api.types.is_numeric_dtype(series):
                    texts |= {str(v).strip() for v in series.dropna() if isinstance(v, str)}
    return sorted((t for t in texts if len(t) > 1), key=len, reverse=True)


@pytest.fixture(scope="module")
def english_words() -> dict[str, set[str]]:
    """Per language: words of the English msgids that its catalogue does not also use."""
    catalog = list(extract_catalog())
    words = set()
    for m in catalog:
        if m.id:
            for text in m.id if isinstance(m.id, tuple) else (m.id,):
                words |= set(WORD.findall(re.sub(r"\{[^}]*\}", " ", text)))
    out = {}
    for tag in i18n.LANGUAGES:
        tr = i18n.translator(tag)
        own: set[str] = set()
        for m in catalog:
            if m.id and not isinstance(m.id, tuple):
                own |= set(WORD.findall(tr.gettext(m.id)))
        out[tag] = {w for w in words if w not in own}
    return out


_pages: dict[tuple[str, str, str], str] = {}


def page(prepared, notebook: Path, partner: str, lang: str) -> BeautifulSoup:
    key = (notebook.name, partner, lang)
    if key not in _pages:
        parameters = dict(partner=partner, period=PERIOD, lang=lang, prepared=prepared)
        _pages[key] = render(notebook, parameters)
    return BeautifulSoup(_pages[key], "html.parser")


def fixed_texts(soup: BeautifulSoup, data_text: list[str]) -> list[str]:
    """The fixed texts of a page, data text removed."""
    texts = [e.get_text(" ", strip=True) for e in soup.select(FIXED)]
    texts += [img.get("alt", "") for img in soup.select("img[alt]")]
    return [strip_data(t, data_text) for t in texts]


def strip_data(text: str, data_text: list[str]) -> str:
    for d in data_text:
        if d in text:
            text = text.replace(d, " ")
    return text


@pytest.mark.parametrize(("lang", "partner", "notebook"), cases())
def test_no_english_fixed_text(prepared, data_text, english_words, lang, partner, notebook):
    tr = i18n.translator(lang)  # the one the in-process render used
    soup = page(prepared, notebook, partner, lang)
    english = page(prepared, notebook, partner, "en")
    allowed = {w for s in i18n_identical(lang) for w in WORD.findall(s)}
    left = []
    for text in fixed_texts(soup, data_text):
        words = [w for w in WORD.findall(text) if w in english_words[lang] and w not in allowed]
        if words:
            left.append(f"{text[:80]!r}: {words}")
    assert left == [], f"English left in the {lang} {notebook.stem} report of {partner}: {left}"
    # Same structure as the English report, and every heading differs from its English one.
    ours = [e.get_text(" ", strip=True) for e in soup.select("h1, h2")]
    theirs = [e.get_text(" ", strip=True) for e in english.select("h1, h2")]
    assert len(ours) == len(theirs)
    same = [
        a for a, b in zip(ours, theirs, strict=True) if a == b and a not in i18n_identical(lang)
    ]
    assert same == []
    assert tr.missing == set()


@pytest.mark.parametrize(("lang", "partner", "notebook"), cases())
def test_locale_numbers_and_script(prepared, data_text, lang, partner, notebook):
    soup = page(prepared, notebook, partner, lang)
    text = soup.get_text(" ")
    percents = [m.group(0) for m in PERCENT.finditer(text)]
    assert percents, "no percentage shown"
    if lang in COMMA:
        wrong = [p for p in percents if "." in p]
        assert wrong == [], f"decimal points in {lang}: {wrong[:5]}"
        assert any("," in p for p in percents), percents[:10]
    if lang in CYRILLIC:
        for heading in soup.select("h1, h2"):
            words = WORD.findall(strip_data(heading.get_text(" ", strip=True), data_text))
            latin = [w for w in words if re.search("[A-Za-z]", w)]
            assert not latin, f"Latin words in a {lang} heading: {heading.get_text()!r}"
            assert re.search("[\u0400-\u04ff]", heading.get_text()), heading.get_text()


ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")
RAW_PERIOD = re.compile(r"\b\d{4}(Q[1-4]|H[12])\b")


@pytest.fixture(scope="module")
def package_dates(run) -> list[object]:
    """Every activity, milestone, tool and survey date of the sample."""
    days: set[object] = set()
    for value in vars(run[0].package).values():
        if isinstance(value, pd.DataFrame):
            for column in value.columns:
                if column.endswith("_date"):
                    days |= {d.date() for d in pd.to_datetime(value[column]).dropna()}
    return sorted(days)


@pytest.mark.parametrize(("lang", "partner", "notebook"), [*cases(), *english_cases()])
def test_periods_and_dates_in_the_language(
    prepared, data_text, package_dates, lang, partner, notebook
):
    """Title and headings name the period in words ("4. kvartal 2021", "Q4 2021"), never
    "2021Q4"; date cells are the locale's medium dates, never ISO (data text aside)."""
    tr = i18n.translator(lang)
    soup = page(prepared, notebook, partner, lang)
    assert tr.period(PERIOD) in soup.h1.get_text(), soup.h1.get_text()
    assert tr.period(PERIOD) != PERIOD
    visible = strip_data(soup.get_text(" "), data_text)
    alts = strip_data(" ".join(img.get("alt", "") for img in soup.select("img[alt]")), data_text)
    assert RAW_PERIOD.findall(visible + alts) == []
    assert ISO_DATE.findall(visible + alts) == []
    # (a date cell's spaces are no-break spaces, but for the one before the year)
    shown = {td.get_text(strip=True).replace("\u00a0", " ") for td in soup.select("td")}
    localised = {tr.date(d, "medium") for d in package_dates}
    assert shown & localised, "no date cell in the locale's medium form"
