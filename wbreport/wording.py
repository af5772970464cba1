"""Fixed text and locale formatting of reports, through the message catalogue.

Every heading, caption, column header, note and label a report shows goes through a
:class:`wbreport.i18n.Translator`. :class:`Text` wraps it with the NA and unit rules of
reports, so section code reads ``t("Key figures")`` and ``t.value(x, indicator)``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from wbreport import i18n, registry
from wbreport.fragments import DateText
from wbreport.i18n import Translator
from wbreport.partners import KOSOVO_FOOTNOTE, get_partner
from wbreport.registry import N_, Indicator

#: Activity types, deliveries and statuses: message ids, translated on display.
TYPE_LABELS = {
    "training": N_("Training"),
    "train_the_trainers": N_("Train-the-trainers"),
    "workshop": N_("Workshop"),
    "expert_meeting": N_("Expert meeting"),
    "study_visit": N_("Study visit"),
    "tool_handover": N_("Tool handover"),
}
DELIVERY_LABELS = {"in_person": N_("In person"), "virtual": N_("Virtual"), "blended": N_("Blended")}
MILESTONE_STATUS = {
    "not_started": N_("Not started"),
    "in_progress": N_("In progress"),
    "achieved": N_("Achieved"),
    "dropped": N_("Dropped"),
}
#: The languages of tools and reports (SPEC §10), named in the report's language.
LANGUAGE_NAMES = {
    "en": N_("English"),
    "sq": N_("Albanian"),
    "bs": N_("Bosnian"),
    "hr": N_("Croatian"),
    "sr-Latn": N_("Serbian (Latin)"),
    "sr-Cyrl": N_("Serbian (Cyrillic)"),
    "mk": N_("Macedonian"),
    "cnr": N_("Montenegrin"),
}
FRAMEWORKS = {
    "first_generation_roadmap": N_("First generation roadmap"),
    "second_generation_roadmap": N_("Second generation roadmap"),
    "advanced_cooperation_framework": N_("Advanced cooperation framework"),
}
TOOL_STATUS = {
    "planned": N_("Planned"),
    "in_translation": N_("In translation"),
    "published": N_("Published {date}"),
}
RAG_WORDS = {"green": N_("On track"), "amber": N_("Watch"), "red": N_("Off track")}
RAG_CODES = {"green": N_("GREEN"), "amber": N_("AMBER"), "red": N_("RED")}
LEVELS = {"impact": N_("Impact"), "outcome": N_("Outcome"), "output": N_("Output")}
NO_STATUS = N_("no status")
# TRANSLATORS: not available: no data for this figure (e.g. a share of zero people),
# not "not applicable"
NOT_AVAILABLE = N_("n/a")


def translator(lang: str = "en") -> Translator:
    """The translator of ``lang`` (:func:`wbreport.i18n.translator`)."""
    return i18n.translator(lang)


def is_na(value: Any) -> bool:
    """True for ``None`` and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def whole_percent_below(share: float) -> int:
    """The largest whole percentage ``k`` with ``k / 100 <= share`` as floats compare (so
    a float 0.9 is 90 and 0.8999999999999999 is 89, as a threshold of 0.9 judges them)."""
    k = math.floor(share * 100)
    while (k + 1) / 100 <= share:
        k += 1
    while k / 100 > share:
        k -= 1
    return k


class Text:
    """Report wording and formatting in one language (wraps a :class:`Translator`)."""

    def __init__(self, tr: Translator, custom: Iterable[Indicator] = ()) -> None:
        self.tr = tr
        self.lang = tr.lang
        self.custom = tuple(custom)

    def __call__(self, message: str, **values: Any) -> str:
        """The translation of ``message`` with ``{name}`` fields filled in."""
        text = self.tr.gettext(message)
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, n: Any, decimals: int = 0, **values: Any) -> str:
        """Singular or plural form for ``n`` (the language's plural rules) with fields
        (``n`` included, as a count) filled in; a missing ``n`` takes the plural form.

        With ``decimals``, ``n`` is a figure shown with that many digits and its form follows
        the CLDR rules for decimals ("1.0 points"; Croatian "2,1 bod", "2,5 bodova").
        """
        missing = is_na(n) or pd.isna(n)
        if decimals:
            shown = None if missing else float(n)
            form = self.tr.ngettext_decimal(singular, plural, shown, decimals)
            return form.format(n=self.number(n, decimals), **values)
        k = 0 if missing else round(float(n))
        return self.tr.ngettext(singular, plural, k).format(n=self.count(n), **values)

    def na(self) -> str:
        """The text of a missing value."""
        return self(NOT_AVAILABLE)

    def count(self, value: Any) -> str:
        """An integer count with the locale's grouping; ``–`` when missing."""
        return "–" if is_na(value) else self.tr.number(round(float(value)), 0)

    def number(self, value: Any, decimals: int = 0) -> str:
        """A number with ``decimals``; n/a when missing."""
        return self.na() if is_na(value) else self.tr.number(float(value), decimals)

    def percent(self, value: Any, decimals: int = 1) -> str:
        """A share (0–1) as a percentage; n/a when missing."""
        return self.na() if is_na(value) else self.tr.percent(float(value), decimals)

    def achievement(self, value: Any) -> str:
        """An achievement as a whole percentage, rounded down: the RAG status compares the
        unrounded value with the thresholds (SPEC §4), so 0.895 (amber under green 0.9)
        reads 89 %, never the 90 % the legend calls green; n/a when missing."""
        if is_na(value):
            return self.na()
        return self.tr.percent(whole_percent_below(float(value)) / 100, 0)

    def date(self, value: Any) -> str:
        """A date in the locale's format (in a table cell its line breaks before the year
        only); ``–`` when missing."""
        if value is None or pd.isna(value):
            return "–"
        return DateText(self.tr.date(pd.Timestamp(value).date(), "medium"))

    def period(self, period: Any) -> str:
        """A period's name in the locale."""
        return self.tr.period(period)

    def indicator(self, name: str) -> Indicator:
        """The registry entry of ``name`` (built-in or custom)."""
        return registry.get(name, self.custom)

    def label(self, name: str) -> str:
        """An indicator's label: translated for built-ins, as written for custom ones."""
        info = self.indicator(name)
        return info.label if info.kind == "custom" else self(info.label)

    def value(self, value: Any, name: str) -> str:
        """An indicator value in its unit: counts, percentages, scores, points."""
        info = self.indicator(name)
        if info.unit == "share":
            return self.percent(value, 1)
        if info.unit == "count" and info.kind != "custom":
            return self.na() if is_na(value) else self.count(value)
        if info.unit == "count":
            return self.number(value, 0 if is_na(value) or float(value).is_integer() else 2)
        return self.number(value, 2 if info.unit == "score" else 1)

    def partner(self, code: str) -> str:
        """A partner's display name (``Kosovo*`` with its asterisk)."""
        return self(get_partner(code).name)

    def footnote(self) -> str:
        """The Kosovo* footnote of SPEC §1."""
        return self(KOSOVO_FOOTNOTE)

    def activity_type(self, value: str) -> str:
        """Translated activity type."""
        return self(TYPE_LABELS.get(value, value))

    def delivery(self, value: str) -> str:
        """Translated delivery mode."""
        return self(DELIVERY_LABELS.get(value, value))

    def language(self, tag: str) -> str:
        """A language's name (``sr-Latn`` → "Serbian (Latin)") in the report's language."""
        return self(LANGUAGE_NAMES[tag]) if tag in LANGUAGE_NAMES else tag

    def milestone_status(self, value: str) -> str:
        """Translated milestone status."""
        return self(MILESTONE_STATUS.get(value, value))

    def framework(self, value: str) -> str:
        """Translated roadmap framework."""
        return self(FRAMEWORKS.get(value, value))

    def rag(self, rag: str) -> str:
        """RAG as words: ``On track (GREEN)``; ``no status`` when empty."""
        if not rag:
            return self(NO_STATUS)
        return f"{self(RAG_WORDS[rag])} ({self(RAG_CODES[rag])})"


def as_date(value: Any) -> dt.date | None:
    """A pandas/NumPy/Python date as :class:`datetime.date` (``None`` when missing)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


__all__ = ["Text", "Translator", "is_na", "translator"]
