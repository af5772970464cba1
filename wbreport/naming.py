"""File names of published reports (SPEC §5, §8, §10): one rule for writers and linkers.

English programming reports are ``<CODE>.html``; another kind adds ``.<kind>``, another
language adds ``.<lang>``: ``<CODE>.<kind>.<lang>.html``. Executed notebooks, logs, PDFs
and narratives (``params/<period>/<CODE>.<kind>.<lang>.yaml``, falling back to the
``<CODE>.<kind>.yaml`` a report's languages share) follow the same stem.
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
    """The narrative a report's languages share: per partner and kind."""
    return code if kind == PROGRAMMING else f"{code}.{kind}"


def narrative_stems(code: str, kind: str = PROGRAMMING, lang: str = ENGLISH) -> tuple[str, ...]:
    """The narrative files one report reads, the first that fills a field wins: in a
    language other than English the page's own (``AL.sq``, ``AL.evaluation.sq``: the
    report's stem), then the one its languages share (``AL``, ``AL.evaluation``)."""
    shared = narrative_stem(code, kind)
    return (shared,) if lang == ENGLISH else (report_stem(code, kind, lang), shared)


__all__ = [
    "ENGLISH",
    "PROGRAMMING",
    "index_file",
    "narrative_stem",
    "narrative_stems",
    "report_file",
    "report_stem",
]
