"""The period index and the portal in every language of a set (SPEC §10, issue 13).

A hand-made set with reports in all eight languages gets ``index.html`` and one
``index.<lang>.html`` per other language; each is compared with the English one: same
structure and links, ``<html lang>``, no English fixed text, the period and dates in the
language's words, partner names (Kosovo* with its asterisk) and the footnote translated,
and a language switcher linking every version. The portal follows the same rule.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.test_i18n_reports import WORD
from wbreport import i18n
from wbreport.i18n_tools import extract_catalog
from wbreport.jobs import JobResult, Status
from wbreport.manifest import write_manifest
from wbreport.naming import index_file, report_file
from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE
from wbreport.portal import write_portal
from wbreport.publication import make_set, publish
from wbreport.registry import selected

PERIOD = "2021Q4"
TAGS = list(i18n.LANGUAGES)
TRANSLATED = [t for t in TAGS if t != "en"]
#: Each partner in English and in a language of the set (every language appears).
LANGS = {
    "AL": "sq",
    "BA": "bs",
    "XK": "hr",
    "ME": "cnr",
    "MK": "mk",
    "RS": "sr-Latn",
    "WB": "sr-Cyrl",
}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    folder = make_set(out, f"{PERIOD}.run-1")
    results = []
    for code in ALL_CODES:
        for lang in ("en", LANGS[code]):
            name = report_file(code, lang=lang)
            (folder / name).write_text("<html><body>r</body></html>", encoding="utf-8")
            results.append(
                JobResult(code, "", Status.ok, seconds=1.0, paths={"html": name}, lang=lang)
            )
    results.append(
        JobResult("RS", "", Status.failed, error="ValueError: x", cell=3, kind="evaluation")
    )
    indicators = selected(index=True)
    (folder / "indicators.csv").write_text(
        "period,partner,indicator,value,baseline,target,achievement,rag\n"
        + "".join(
            f"{PERIOD},{c},{i.name},{0.525 if i.unit == 'share' else 1234},0,1,0.5,amber\n"
            for c in ALL_CODES
            for i in indicators
        ),
        encoding="utf-8",
    )
    meta = {"run_id": "run-1", "period": PERIOD, "version": "1.0"}
    manifest = write_manifest(folder, meta, results)
    from wbreport.index import write_index

    write_index(folder, manifest)
    publish(out, PERIOD, folder)
    write_portal(out)
    return out


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def english_words() -> dict[str, set[str]]:
    """Per language: words of English msgids its own translations do not use."""
    catalog = [m for m in extract_catalog() if m.id]
    words: set[str] = set()
    for m in catalog:
        for text in m.id if isinstance(m.id, tuple) else (m.id,):
            words |= set(WORD.findall(re.sub(r"\{[^}]*\}", " ", text)))
    out = {}
    for tag in TRANSLATED:
        tr = i18n.translator(tag)
        own: set[str] = set()
        for m in catalog:
            if isinstance(m.id, tuple):
                own |= {w for n in (1, 2, 5) for w in WORD.findall(tr.ngettext(*m.id, n))}
            else:
                own |= set(WORD.findall(tr.gettext(m.id)))
        out[tag] = words - own
    # Each report's language is named in its own words ("English · shqip"): data, not text
    # left untranslated.
    autonyms = {w for lang in i18n.LANGUAGES.values() for w in WORD.findall(lang.name)}
    return {tag: found - autonyms for tag, found in out.items()}


def fixed_text(soup: BeautifulSoup) -> str:
    """The page's text without data: language names, error messages, file names."""
    for element in soup.select("nav.languages, code, a[href$='.csv'], a[href$='.json']"):
        element.decompose()
    return soup.get_text(" ").replace("ValueError: x", " ").replace("wbreport", " ")


def links(soup: BeautifulSoup) -> set[str]:
    return {a["href"] for a in soup.find_all("a") if not a.find_parent("nav")}


def test_one_index_per_language_of_the_set(out: Path) -> None:
    folder = out / PERIOD
    assert sorted(p.name for p in folder.glob("index*.html")) == sorted(index_file(t) for t in TAGS)
    english = soup_of(folder / "index.html")
    assert english.html["lang"] == "en"
    assert "Q4 2021" in english.h1.get_text() and PERIOD not in english.h1.get_text()
    switch = english.select("nav.languages a")
    assert {a["href"] for a in switch} == {index_file(t) for t in TRANSLATED}
    assert all((folder / a["href"]).is_file() for a in switch)
    assert {a["hreflang"] for a in switch} == set(TRANSLATED)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_index_in_the_language(out: Path, english_words, lang: str) -> None:
    tr = i18n.translator(lang)
    folder = out / PERIOD
    soup = soup_of(folder / index_file(lang))
    english = soup_of(folder / "index.html")
    assert soup.html["lang"] == lang
    # the same index: same links to reports, same rows, same headings count
    assert links(soup) == links(english)
    assert len(soup.select("tr[data-partner]")) == len(english.select("tr[data-partner]"))
    assert len(soup.select("h1, h2")) == len(english.select("h1, h2"))
    # period and dates in the language's words, numbers in its format
    assert tr.period(PERIOD) in soup.h1.get_text()
    finished = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["finished"]
    day = tr.date(datetime.fromisoformat(finished), "medium")
    assert day in soup.select_one(".subtitle").get_text()
    assert tr.percent(0.525, 1) in soup.get_text() and tr.number(1234) in soup.get_text()
    # partners in the language, Kosovo* with its asterisk and the translated footnote
    names = {tr_["data-partner"]: tr_.th.get_text(strip=True) for tr_ in soup.select("tr")
             if tr_.has_attr("data-partner")}  # fmt: skip
    assert names == {c: i18n.partner_name(c, tr) for c in ALL_CODES}
    assert names["XK"].endswith("*")
    footnote = soup.select_one("#kosovo-footnote").get_text(strip=True)
    assert footnote == tr.gettext(KOSOVO_FOOTNOTE) != KOSOVO_FOOTNOTE
    # the failure in words of the language: one report (singular form)
    alert = soup.select_one(".alert h2").get_text(strip=True)
    expected = tr.ngettext(
        "{count} report could not be rendered", "{count} reports could not be rendered", 1
    )
    assert alert == expected.format(count="1")
    # no English fixed text left, no raw period or ISO date
    text = fixed_text(soup_of(folder / index_file(lang)))
    allowed = {w for s in _identical(lang) for w in WORD.findall(s)}
    left = [w for w in WORD.findall(text) if w in english_words[lang] and w not in allowed]
    assert left == [], f"English words in index.{lang}.html: {sorted(set(left))}"
    assert PERIOD not in text and not re.search(r"\d{4}-\d\d-\d\d", text)
    switch = soup.select_one("nav.languages")
    assert switch.select_one('[aria-current="page"]').get_text() == i18n.LANGUAGES[lang].name
    assert "index.html" in {a["href"] for a in switch.find_all("a")}
    assert tr.missing == set()


def _identical(lang: str) -> set[str]:
    from tests.test_i18n import i18n_identical

    return i18n_identical(lang)


@pytest.mark.parametrize("lang", TAGS)
def test_portal_in_every_language_of_the_sets(out: Path, lang: str) -> None:
    tr = i18n.translator(lang)
    soup = soup_of(out / index_file(lang))
    assert soup.html["lang"] == lang
    section = soup.select_one(f'section[data-period="{PERIOD}"]')
    heading = section.h2.a
    assert heading.get_text() == tr.period(PERIOD)
    assert heading["href"] == f"{PERIOD}/{index_file(lang)}"
    assert (out / heading["href"]).is_file()
    count = len(ALL_CODES) * 2
    assert (
        tr.ngettext("{count} report", "{count} reports", count).format(count=tr.number(count))
        in section.get_text()
    )
    switch = {a["href"] for a in soup.select("nav.languages a")}
    assert switch == {index_file(t) for t in TAGS if t != lang}
    assert all((out / href).is_file() for href in switch)


def test_portal_drops_a_language_no_set_has_any_more(tmp_path: Path) -> None:
    from tests.test_portal import fake_set, ok

    out = tmp_path / "out"
    fake_set(out, PERIOD, [ok("AL"), ok("AL", lang="sq")])
    write_portal(out)
    assert (out / "index.sq.html").is_file() and (out / PERIOD / "index.sq.html").is_file()
    (out / PERIOD).unlink()  # that period is no longer published
    fake_set(out, "2021Q3", [ok("AL")])  # English only
    write_portal(out)
    assert (out / "index.html").is_file() and not (out / "index.sq.html").exists()
    assert soup_of(out / "index.html").select("nav.languages") == []
