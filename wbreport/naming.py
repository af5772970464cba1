"""File names of published reports (SPEC §5, §8, §10): one rule for writers and linkers.

English programming reports are ``<CODE>.html``; another kind adds ``.<kind>``, another
language adds ``.<lang>``: ``<CODE>.<kind>.<lang>.html``. Executed notebooks, logs, PDFs
and narratives (``params/<period>/<CODE>.<kind>.yaml``) follow the same stem.
"""

from __future__ import annotations

PROGRAMMING = "programming"
ENGLISH = "en"


def report_stem(code: str, kind: str = PROGRAMMING, lang: str = ENGLISH) -> str:
    """``AL``, ``AL.sq``, ``AL.evaluation`` or ``AL.evaluation.sq``."""
    parts = [code]
    if kind != PROGRAMMING:
        parts.append(kind)
    if lang != ENGLISH:
        parts.append(lang)
    return ".".join(parts)


def report_file(code: str, kind: str = PROGRAMMING, lang: str = ENGLISH) -> str:
    """The published HTML file name of one report."""
    return f"{report_stem(code, kind, lang)}.html"


def index_file(lang: str = ENGLISH) -> str:
    """A period index (or the portal) in ``lang``: ``index.html`` in English,
    ``index.<lang>.html`` otherwise (the reports' convention)."""
    return "index.html" if lang == ENGLISH else f"index.{lang}.html"


def narrative_stem(code: str, kind: str = PROGRAMMING) -> str:
    """Narratives are per partner and kind (shared by the report's languages)."""
    return code if kind == PROGRAMMING else f"{code}.{kind}"


__all__ = ["ENGLISH", "PROGRAMMING", "index_file", "narrative_stem", "report_file", "report_stem"]
