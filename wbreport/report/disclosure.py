"""How the evaluation report shows figures hidden for disclosure control (SPEC §8).

A figure resting on ``0 < n < min_respondents`` people is *suppressed* and reads "n < 5";
a figure hidden with it so that it cannot be worked out from a published total
(:func:`wbreport.report.evaluation_data.protect`) is *withheld*, and a note under its table
says why.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wbreport.fragments import Fragment, tag
from wbreport.registry import N_
from wbreport.wording import Text

#: What a figure hidden besides a suppressed one reads.
WITHHELD = N_("withheld")


def mask(t: Text, hidden: str, suppressed: Any, protected: Any) -> np.ndarray:
    """Per row what a hidden figure shows: ``hidden`` ("n < 5") when suppressed, "withheld"
    when protected besides, or "" (shown)."""
    return np.where(suppressed, hidden, np.where(protected, t(WITHHELD), ""))


def withheld_note(t: Text, limit: int, *masks: Any) -> list[Fragment]:
    """A note for a table with "withheld" figures, saying why (none without)."""
    if not any((np.asarray(m, dtype=object) == t(WITHHELD)).any() for m in masks):
        return []
    note = t(
        "withheld: not shown, because with the total it would reveal a figure resting on "
        "fewer than {threshold} people.",
        threshold=limit,
    )
    return [Fragment(tag("p", note, class_="note"))]
