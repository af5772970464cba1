"""Report languages: message catalogues (gettext through Babel) and CLDR formatting.

One registry, :data:`LANGUAGES`, names every report language; :func:`translator` gives the
(cached) :class:`Translator` of one of them. Report, index and portal code route every fixed
text through it and format numbers, percentages, dates and periods with it::

    from wbreport import i18n
    from wbreport.i18n import N_          # marks a string for extraction only

    tr = i18n.translator("sr-Cyrl")
    tr.gettext("Key figures")             # "Кључни показатељи"
    tr.ngettext("{n} activity", "{n} activities", n).format(n=tr.number(n))
    tr("{count} overdue", count=3)        # gettext, then str.format with the arguments
    tr.percent(0.524, 1)                  # "52,4%"
    tr.period("2021Q4")                   # "4. квартал 2021"
    tr.lang                               # "sr-Cyrl", for <html lang>

In Jinja templates pass ``tr`` and ``_=tr.gettext`` into the context and write
``{{ _("Text") }}`` (the extractor finds ``_``, ``gettext``, ``ngettext`` and ``pgettext``).

Catalogues live in ``wbreport/locale/<tag>/LC_MESSAGES/wbreport.po`` (compiled ``.mo`` next to
them, shipped as package data). ``python -m wbreport.i18n_tools`` extracts, merges and compiles them
(see ``docs/translations.md``). A string missing from a catalogue falls back to English at
run time but is recorded in :attr:`Translator.missing`; the tests fail on it, and
``WBREPORT_STRICT_I18N=1`` turns it into an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, parse_pattern
from babel.support import NullTranslations, Translations

from wbreport.errors import WbreportError
from wbreport.registry import N_

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "NA",
    "N_",
    "Language",
    "MissingTranslationError",
    "Translator",
    "get_language",
    "partner_name",
    "translator",
]

DOMAIN = "wbreport"
LOCALE_DIR: Path = Path(__file__).parent / "locale"
#: How a missing value (NA) is shown in every language.
NA = "–"
SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class Language:
    """One report language.

    Attributes
    ----------
    tag
        BCP-47 tag: file names (``RS.sr-Cyrl.html``), ``<html lang>``, catalogue folder.
    name
        The language's name in itself (for language switchers).
    english
        The language's English name.
    cldr
        The Babel/CLDR locale used for numbers, dates and plural rules (``cnr`` has no CLDR
        locale of its own: Serbian Latin as used in Montenegro).
    script
        ``Latn`` or ``Cyrl``: what the fonts must cover.
    """

    tag: str
    name: str
    english: str
    cldr: str
    script: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.cldr)

    @property
    def catalogue(self) -> Path:
        return LOCALE_DIR / self.tag / "LC_MESSAGES" / f"{DOMAIN}.po"

    @property
    def compiled(self) -> Path:
        return self.catalogue.with_suffix(".mo")


#: The report languages (SPEC §10), English first.
LANGUAGES: dict[str, Language] = {
    lang.tag: lang
    for lang in (
        Language("en", "English", "English", "en", "Latn"),
        Language("sq", "shqip", "Albanian", "sq", "Latn"),
        Language("bs", "bosanski", "Bosnian", "bs", "Latn"),
        Language("hr", "hrvatski", "Croatian", "hr", "Latn"),
        Language("sr-Latn", "srpski (latinica)", "Serbian (Latin)", "sr_Latn", "Latn"),
        Language("sr-Cyrl", "српски (ћирилица)", "Serbian (Cyrillic)", "sr_Cyrl", "Cyrl"),
        Language("mk", "македонски", "Macedonian", "mk", "Cyrl"),
        Language("cnr", "crnogorski", "Montenegrin", "sr_Latn_ME", "Latn"),
    )
}


class MissingTranslationError(WbreportError):
    """A fixed text has no translation in a language's catalogue (strict mode)."""

    def __init__(self, lang: str, message: str) -> None:
        self.lang = lang
        self.message = message
        super().__init__(
            f"no {lang} translation of {message!r}: add it to {LANGUAGES[lang].catalogue} "
            "(see docs/translations.md)"
        )


def get_language(tag: str) -> Language:
    """The :class:`Language` for ``tag``; case-insensitive, ``_`` accepted for ``-``.

    Raises
    ------
    WbreportError
        When ``tag`` is not one of :data:`LANGUAGES`.
    """
    wanted = str(tag).strip().replace("_", "-").lower()
    for lang in LANGUAGES.values():
        if lang.tag.lower() == wanted:
            return lang
    raise WbreportError(f"unknown report language {tag!r}; allowed: {', '.join(LANGUAGES)}")


_PERIOD_NAMES = {
    # TRANSLATORS: a quarter, e.g. "Q4 2021"; {roman} (IV) may replace {quarter} (4).
    "quarter": N_("Q{quarter} {year}"),
    # TRANSLATORS: a half year, e.g. "H2 2021"; {roman} (II) may replace {half} (2).
    "half": N_("H{half} {year}"),
}


def _missing(value: object) -> bool:
    """None, NaN, pandas NA/NaT."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA: "boolean value of NA is ambiguous"
        return True


def _roman(n: int) -> str:
    return ("I", "II", "III", "IV")[n - 1]


@cache
def _integer_of(locale: str, category: str) -> int:
    """The smallest whole number of the CLDR plural ``category`` in ``locale`` (that of
    "other" when only decimals fall in it): the number that makes gettext's integer plural
    formula pick that category's form."""
    rule = Locale.parse(locale).plural_form
    found = next((n for n in range(1000) if rule(n) == category), None)
    return found if found is not None else _integer_of(locale, "other")


class Translator:
    """Fixed texts and CLDR formatting for one report language (see the module docstring)."""

    def __init__(self, language: Language, strict: bool = False) -> None:
        self.language = language
        self.lang = language.tag
        self.locale = language.locale
        self.strict = strict
        #: msgids asked for that the catalogue lacks (English was shown instead).
        self.missing: set[str] = set()
        self._catalogue = self._load()

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"

    def _load(self) -> NullTranslations:
        path = self.language.compiled
        if self.lang == SOURCE_LANGUAGE or not path.is_file():
            return NullTranslations()
        with path.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)

    @property
    def is_source(self) -> bool:
        """English: msgids are the texts, nothing can be missing."""
        return self.lang == SOURCE_LANGUAGE

    def _found(self, key: str, result: str, untranslated: str) -> str:
        if self.is_source:
            return result
        catalog: dict[Any, Any] = getattr(self._catalogue, "_catalog", {})
        if key not in catalog and (key, 0) not in catalog:
            self.missing.add(key)
            if self.strict:
                raise MissingTranslationError(self.lang, key)
            return untranslated
        return result

    # -- messages ---------------------------------------------------------------------------

    def gettext(self, message: str) -> str:
        """``message`` in this language."""
        return self._found(message, self._catalogue.gettext(message), message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of ``singular``/``plural`` for ``n`` under the language's plural rules."""
        english = singular if n == 1 else plural
        return self._found(singular, self._catalogue.ngettext(singular, plural, n), english)

    def ngettext_decimal(self, singular: str, plural: str, x: float | None, decimals: int) -> str:
        """The form of ``singular``/``plural`` for the figure ``x`` as shown with ``decimals``
        digits, under the language's CLDR rules for decimals: English "1.0 points",
        Croatian "2,1 bod", "2,2 boda", "2,5 bodova". A missing ``x`` takes the "other" form.
        """
        if x is None or _missing(x):
            category = "other"
        else:
            category = self.locale.plural_form(Decimal(f"{abs(float(x)):.{decimals}f}"))
        return self.ngettext(singular, plural, _integer_of(str(self.locale), category))

    def pgettext(self, context: str, message: str) -> str:
        """``message`` in ``context`` (for words English uses in two senses)."""
        key = f"{context}\x04{message}"
        return self._found(key, str(self._catalogue.pgettext(context, message)), message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        english = singular if n == 1 else plural
        key = f"{context}\x04{singular}"
        return self._found(key, self._catalogue.npgettext(context, singular, plural, n), english)

    def configured(self, message: str) -> str:
        """A text users may configure (a report title pattern from ``defaults.yaml``):
        its translation when the catalogue has one (the defaults), else as written."""
        catalog: dict[Any, Any] = getattr(self._catalogue, "_catalog", {})
        return catalog.get(message, message) if not self.is_source else message

    def __call__(self, message: str, **values: object) -> str:
        """``gettext(message).format(**values)``; values are shown as given."""
        text = self.gettext(message)
        return text.format(**values) if values else text

    # -- CLDR formatting --------------------------------------------------------------------

    def number(self, x: float | int | None, decimals: int | None = None) -> str:
        """``x`` with the locale's decimal sign and grouping; ``decimals`` fixes the digits
        (``None``: integers without decimals, other numbers with up to 3); NA shows as
        :data:`NA`."""
        if x is None or _missing(x):
            return NA
        if decimals is None:
            return format_decimal(x, locale=self.locale)
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        return format_decimal(round(float(x), decimals), pattern, locale=self.locale)

    def percent(self, share: float | None, decimals: int = 0) -> str:
        """``share`` (0–1) as a percentage in the locale's pattern (e.g. ``52,4%``)."""
        if share is None or _missing(share):
            return NA
        pattern = parse_pattern(self.locale.percent_formats[None].pattern)
        pattern.frac_prec = (decimals, decimals)
        return pattern.apply(share, self.locale)

    def date(self, d: Date | datetime | str | None, form: str = "long") -> str:
        """A date as the locale writes it (``form``: short, medium, long, full)."""
        if _missing(d):
            return NA
        if isinstance(d, str):
            d = Date.fromisoformat(d[:10])
        if isinstance(d, datetime):
            d = d.date()
        return format_date(d, form, locale=self.locale)

    def datetime(self, moment: datetime, form: str = "medium") -> str:
        """A date and time as the locale writes it (e.g. the footer's generation time)."""
        return format_datetime(moment, form, locale=self.locale)

    def month(self, year: int, month: int) -> str:
        """``2021-11`` as "November 2021" in the locale's stand-alone month names."""
        return format_date(Date(year, month, 1), "LLLL y", locale=self.locale)

    def period(self, period: object) -> str:
        """A reporting period (``2021``, ``2021H2``, ``2021Q4``, ``2021-11`` or a
        :class:`~wbreport.periods.Period`) in the language's words, e.g. "Q4 2021"."""
        from wbreport.periods import Period, parse_period

        p = period if isinstance(period, Period) else parse_period(str(period))
        year = p.start.year
        if p.kind == "year":
            return str(year)
        if p.kind == "month":
            return self.month(year, p.start.month)
        n = (p.start.month - 1) // p.months + 1
        return self.gettext(_PERIOD_NAMES[p.kind]).format(
            quarter=n, half=n, roman=_roman(n), year=year
        )

    def join(self, items: Iterable[str]) -> str:
        """``a, b and c`` in the language (CLDR list patterns)."""
        from babel.lists import format_list

        return format_list(list(items), locale=self.locale)


@cache
def _translator(tag: str, strict: bool) -> Translator:
    return Translator(LANGUAGES[tag], strict=strict)


def translator(lang: str | None = "en", strict: bool | None = None) -> Translator:
    """The cached :class:`Translator` for ``lang`` (a tag of :data:`LANGUAGES`; None: en).

    ``strict`` (default: environment ``WBREPORT_STRICT_I18N=1``) raises
    :class:`MissingTranslationError` instead of falling back to English.
    """
    tag = get_language(lang or SOURCE_LANGUAGE).tag
    if strict is None:
        strict = os.environ.get("WBREPORT_STRICT_I18N", "") not in ("", "0")
    return _translator(tag, strict)


def partner_name(code: str, tr: Translator) -> str:
    """A partner's display name in ``tr``'s language (``Kosovo*`` keeps its asterisk)."""
    from wbreport.partners import get_partner

    return tr.gettext(get_partner(code).name)
