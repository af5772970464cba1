"""Report languages: catalogues complete and current, CLDR formatting, transliteration."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from wbreport import i18n
from wbreport.errors import WbreportError
from wbreport.i18n_tools import extract_catalog, message_keys, problems, to_cyrillic
from wbreport.partners import ALL_CODES, KOSOVO_FOOTNOTE
from wbreport.registry import BUILTIN

TAGS = list(i18n.LANGUAGES)
TRANSLATED = [t for t in TAGS if t != "en"]
COMMA_DECIMAL = ["sq", "bs", "hr", "sr-Latn", "sr-Cyrl", "mk", "cnr"]
CYRILLIC = {"sr-Cyrl", "mk"}


@pytest.fixture(scope="module")
def extracted():
    return extract_catalog()


def test_languages_registry():
    assert TAGS == ["en", "sq", "bs", "hr", "sr-Latn", "sr-Cyrl", "mk", "cnr"]
    assert i18n.translator("sr_latn").lang == "sr-Latn"
    assert i18n.translator(None).lang == "en"
    assert i18n.translator("mk") is i18n.translator("mk")  # cached
    with pytest.raises(WbreportError, match="unknown report language"):
        i18n.translator("de")


def test_catalogues_complete_and_current(extracted):
    """Every catalogue has every extracted string, none fuzzy or untranslated, .mo fresh."""
    assert problems(extracted) == []


def test_extraction_finds_registry_partners_and_footnote(extracted):
    ids = {k[1] for k in message_keys(extracted)}
    assert {i.label for i in BUILTIN} <= ids
    assert KOSOVO_FOOTNOTE in ids
    assert "Kosovo*" in ids and "Western Balkans" in ids


@pytest.mark.parametrize("tag", TRANSLATED)
def test_every_string_translated_and_differs(tag, extracted):
    """Looking every extracted msgid up through the compiled catalogue finds a translation;
    texts without letters of their own (placeholders, numbers) may stay identical."""
    tr = i18n.Translator(i18n.LANGUAGES[tag])
    same = []
    for m in extracted:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            text = tr.npgettext(m.context, *m.id, 5) if m.context else tr.ngettext(*m.id, 5)
            english = m.id[1]
        else:
            text = tr.pgettext(m.context, m.id) if m.context else tr.gettext(m.id)
            english = m.id
        if text == english and english not in i18n_identical(tag) and own_words(english):
            same.append(english)
    assert tr.missing == set()
    assert same == []


def own_words(text: str) -> bool:
    """Whether ``text`` has letters besides its placeholders: a pattern such as
    ``"{kind}: {languages}"`` or a separator may stay as in English."""
    return any(c.isalpha() for c in re.sub(r"\{[^{}]*\}", "", text))


def i18n_identical(tag: str) -> set[str]:
    """Strings that are the same in English and ``tag`` by design (names, symbols, words
    the languages share); everything else must differ from English."""
    common = {"Kosovo*", "n < {limit}", "n < {threshold}"}
    # the same word in Bosnian, Croatian, Serbian and Montenegrin
    shared_bcms = {"Period", "Partner", "Status", "status"}
    extra = {
        "sq": {"Serbia", "Neutral"},
        "bs": shared_bcms,
        "hr": shared_bcms - {"Period"},  # hr: "Razdoblje"
        "sr-Latn": shared_bcms,
        "sr-Cyrl": set(),
        "mk": set(),
        "cnr": shared_bcms,
    }
    return common | extra[tag]


@pytest.mark.parametrize("tag", COMMA_DECIMAL)
def test_decimal_comma(tag):
    tr = i18n.translator(tag)
    assert tr.percent(0.524, 1).startswith("52,4")
    assert tr.number(1.25, 2) == "1,25"
    assert "," not in tr.number(1234) and tr.number(1234).replace("\xa0", "") != "1,234"


def test_english_formatting():
    tr = i18n.translator("en")
    assert tr.percent(0.524, 1) == "52.4%"
    assert tr.percent(0.5) == "50%"
    assert tr.number(12345) == "12,345"
    assert tr.number(2.0, 1) == "2.0"
    assert tr.number(float("nan")) == i18n.NA
    assert tr.percent(None) == i18n.NA
    assert tr.percent(pd.NA) == tr.number(pd.NA) == tr.date(pd.NaT) == i18n.NA
    assert tr.number(np.int64(12345)) == "12,345" and tr.percent(np.float64(0.5)) == "50%"
    assert tr.date(date(2021, 11, 5)) == "November 5, 2021"
    assert tr.date("2021-11-05") == "November 5, 2021"
    assert [tr.period(p) for p in ("2021", "2021H2", "2021Q4", "2021-11")] == [
        "2021",
        "H2 2021",
        "Q4 2021",
        "November 2021",
    ]


def test_locale_periods_and_dates():
    assert i18n.translator("hr").period("2021-11") == "studeni 2021"
    assert i18n.translator("hr").date(date(2021, 11, 5)) == "5. studenoga 2021."
    assert i18n.translator("sr-Cyrl").period("2021Q4") == "4. квартал 2021"
    assert i18n.translator("sq").period("2021Q4") == "tremujori IV 2021"
    assert i18n.translator("mk").period("2021-11") == "ноември 2021"
    # cnr formats with sr-Latn-ME (CLDR) and translates with its own catalogue
    assert i18n.translator("cnr").locale.territory == "ME"
    assert i18n.translator("cnr").date(date(2021, 11, 5)) == "5. novembar 2021."


@pytest.mark.parametrize("tag", TAGS)
def test_partner_names_and_footnote(tag):
    tr = i18n.translator(tag)
    names = [i18n.partner_name(code, tr) for code in ALL_CODES]
    assert len(set(names)) == len(names)
    assert i18n.partner_name("XK", tr).endswith("*")
    assert tr.gettext(KOSOVO_FOOTNOTE).startswith("*")
    assert "1244/1999" in tr.gettext(KOSOVO_FOOTNOTE)
    if tag in CYRILLIC:
        assert all(any("\u0400" <= ch <= "\u04ff" for ch in n) for n in names)


def test_missing_string_falls_back_but_is_recorded(monkeypatch):
    tr = i18n.Translator(i18n.LANGUAGES["sq"])
    assert tr.gettext("No such fixed text") == "No such fixed text"
    assert tr.missing == {"No such fixed text"}
    strict = i18n.Translator(i18n.LANGUAGES["sq"], strict=True)
    with pytest.raises(i18n.MissingTranslationError, match=r"docs/translations\.md"):
        strict.gettext("No such fixed text")
    assert i18n.translator("en", strict=True).gettext("Anything") == "Anything"


def test_to_cyrillic():
    assert to_cyrillic("Ljubljana, njegov džep, Đurđevdan") == "Љубљана, његов џеп, Ђурђевдан"
    assert to_cyrillic("{n} aktivnosti u {period}") == "{n} активности у {period}"
    assert to_cyrillic("n < 5; wbreport 1.0, sha256:{d}") == "n < 5; wbreport 1.0, sha256:{d}"
    assert to_cyrillic("Rezolucija UNSCR 1244/1999, <b>RAG</b>") == (
        "Резолуција UNSCR 1244/1999, <b>RAG</b>"
    )


def test_configured_texts_translate_when_known():
    tr = i18n.translator("sr-Cyrl")
    title = "{name} — programming report {period}"
    assert tr.configured(title).format(name="X", period="P") == "X — програмски извештај, P"
    assert tr.configured("{name} — my own kind {period}") == "{name} — my own kind {period}"
    assert "{name} — my own kind {period}" not in tr.missing


#: Plural forms per language (gettext Plural-Forms from CLDR): sq and mk two, the
#: Bosnian/Croatian/Serbian/Montenegrin family three (one: 1, 21; few: 2–4, 22; other).
NPLURALS = {"en": 2, "sq": 2, "bs": 3, "hr": 3, "sr-Latn": 3, "sr-Cyrl": 3, "mk": 2, "cnr": 3}


@pytest.mark.parametrize("tag", TAGS)
def test_catalogue_plural_forms(tag):
    text = i18n.LANGUAGES[tag].catalogue.read_text(encoding="utf-8")
    assert f'"Plural-Forms: nplurals={NPLURALS[tag]};' in text
    catalogue = i18n.translator(tag)._catalogue
    if tag != "en":
        assert catalogue.plural(1) == 0 and catalogue.plural(2) == 1
        assert catalogue.plural(5) == NPLURALS[tag] - 1
    if NPLURALS[tag] == 3:
        assert [catalogue.plural(n) for n in (1, 2, 5, 11, 21, 22, 25)] == [0, 1, 2, 2, 0, 1, 2]


@pytest.mark.parametrize(
    ("tag", "forms"),
    [
        ("hr", ["1 žena", "2 žene", "5 žena", "21 žena"]),
        ("sr-Cyrl", ["1 жена", "2 жене", "5 жена", "21 жена"]),
        ("mk", ["1 жена", "2 жени", "5 жени", "21 жена"]),
        ("sq", ["1 grua", "2 gra", "5 gra", "21 gra"]),
        ("en", ["1 woman", "2 women", "5 women", "21 women"]),
    ],
)
def test_plural_forms_chosen_by_the_count(tag, forms):
    """Counts in chart alt texts and captions take the language's plural form."""
    from wbreport import charts
    from wbreport.wording import Text

    t = Text(i18n.translator(tag))
    assert [t.plural("{n} woman", "{n} women", n) for n in (1, 2, 5, 21)] == forms
    chart = charts.participation_by_module(["A", "B", "C"], [1, 2, 5], [1, 2, 5], "T", t)
    for form in forms[:3]:
        assert form in chart.alt
    if tag == "hr":
        assert "1 muškarac" in chart.alt and "2 muškarca" in chart.alt
        assert "5 muškaraca" in chart.alt
        trend = [t.plural("Trend over the last {n} period", "Trend over the last {n} periods", n)
                 for n in (1, 2, 5)]  # fmt: skip
        assert len(set(trend)) == 3
    assert i18n.translator(tag).missing == set()


@pytest.mark.parametrize(
    ("tag", "forms"),
    [
        # shown as 1.0, 2.1, 2.2, 2.5, 11.1 and missing (CLDR: the visible decimals count)
        ("hr", ["bodova", "bod", "boda", "bodova", "bod", "bodova"]),
        ("sr-Cyrl", ["поена", "поен", "поена", "поена", "поен", "поена"]),
        ("mk", ["поени", "поен", "поени", "поени", "поен", "поени"]),
        ("en", ["points", "points", "points", "points", "points", "points"]),
    ],
)
def test_decimal_figures_take_the_cldr_plural_form(tag, forms):
    """A figure shown with decimals takes the form CLDR gives the decimal as shown, not the
    form of its rounded whole number: English "1.0 points", Croatian "2,1 bod", "2,2 boda"."""
    from wbreport import evaluation_charts
    from wbreport.wording import Text

    t = Text(i18n.translator(tag))
    gains = (1.0, 2.1, 2.2, 2.5, -11.1, None)
    leads = [
        t.plural("Knowledge gain: {gain} point.", "Knowledge gain: {gain} points.", x, 1, gain="G")
        for x in gains
    ]
    assert [lead.rstrip(".").rsplit(" ", 1)[1] for lead in leads] == forms
    chart = evaluation_charts.dumbbell(
        ["A", "B"], [50.0, 60.0], [52.1, 62.5], [False, False], "T", i18n.translator(tag), "n<5"
    )
    gain_21, gain_25 = (f"+{t.number(x, 1)} {forms[i]})" for i, x in ((1, 2.1), (3, 2.5)))
    assert gain_21 in chart.alt and gain_25 in chart.alt
    assert i18n.translator(tag).missing == set()


def test_chart_axes_in_the_locale():
    """Trend charts label periods in words and write decimals with the locale's sign."""
    import re

    from wbreport import charts, evaluation_charts
    from wbreport.wording import Text

    tr = i18n.translator("hr")
    texts = re.compile(r">([^<>]+)</text>")
    chart = evaluation_charts.trend(["a", "b"], [4, 4.2], [1, 2.2], ("T", "S", "G"), tr)
    ticks = texts.findall(chart.svg)
    assert "0,5" in ticks and not [t for t in ticks if re.fullmatch(r"\d+\.\d+", t)]
    t = Text(i18n.translator("mk"))
    periods = [t.period(p) for p in ("2021Q3", "2021Q4")]
    chart = charts.trend(periods, [3, 4], [1, 2], "T", t)
    shown = " ".join(texts.findall(chart.svg))
    assert "3. тримесечје" in shown and "2021" in shown and "2021Q" not in shown
