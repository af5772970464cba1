"""One notebook execution for several report languages (SPEC §10).

``wbreport run`` executes a report notebook once per (partner, kind) with the parameter
``languages`` (the notebook's ``lang`` first). :func:`open_languages` then gives a
:class:`LanguageReports`: it has the methods of the one-language report, and each call
renders the section in every language from the same context data (the selections
behind the tables are computed once). The cell shows the first language, as a one-language
report would; the other languages' outputs ride along in the output's metadata under
:data:`ALTERNATIVES` (``{lang: {"data": ..., "metadata": ...}}``, or ``{lang: {"error":
{"ename", "evalue"}}}`` when that language failed), and :mod:`wbreport.multilang` exports
one HTML page per language from them. An analyst opening the notebook in JupyterLab with
its default parameters (``languages = None``) gets the plain English report.

A section shows through ``_repr_html_``/``_repr_mimebundle_`` (one output) or, like the
evaluation report's sections, through ``_ipython_display_`` of its ``parts`` (one output per
part, each carrying its other languages: :class:`RenderedParts`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

import pandas as pd

#: Output-metadata key of the other languages' output bundles.
ALTERNATIVES = "wbreport/languages"


def mime_bundle(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The (data, metadata) IPython displays for ``obj`` (in a kernel: its display
    formatter, so each language's bundle is the one a one-language report shows)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is a dependency of every kernel
        shell = None
    if shell is not None:
        data, metadata = shell.display_formatter.format(obj)
        return dict(data), dict(metadata)
    if hasattr(obj, "_repr_mimebundle_"):
        data, metadata = obj._repr_mimebundle_()
        return dict(data), dict(metadata)
    return {"text/plain": repr(obj), "text/html": obj._repr_html_()}, {}


REPRS = ("_repr_html_", "_repr_mimebundle_", "_ipython_display_")


def _displayable(obj: Any) -> bool:
    return any(hasattr(obj, name) for name in REPRS)


class Rendered:
    """A section rendered in several languages: displays as the first, carries the others."""

    def __init__(self, primary: Any, others: Mapping[str, Any]) -> None:
        self.primary = primary
        self.others = dict(others)  # lang -> the section's object, or the exception

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        data, metadata = mime_bundle(self.primary)
        alternatives: dict[str, Any] = {}
        for lang, obj in self.others.items():
            if isinstance(obj, BaseException):
                alternatives[lang] = {"error": {"ename": type(obj).__name__, "evalue": str(obj)}}
            else:
                other_data, other_metadata = mime_bundle(obj)
                alternatives[lang] = {"data": other_data, "metadata": other_metadata}
        metadata[ALTERNATIVES] = alternatives
        return data, metadata


class RenderedParts:
    """A section made of parts (``parts`` shown one output each, as the evaluation report's
    sections are) in several languages: each part displays as :class:`Rendered`."""

    def __init__(self, primary: Any, others: Mapping[str, Any]) -> None:
        self.primary = primary
        self.others = dict(others)

    def _part(self, index: int, lang: str) -> Any:
        other = self.others[lang]
        if isinstance(other, BaseException):
            return other
        count = len(self.primary.parts)
        if len(getattr(other, "parts", ())) != count:
            return ValueError(f"the section has {count} parts in the first language only")
        return other.parts[index]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(
            *(
                Rendered(part, {lang: self._part(i, lang) for lang in self.others})
                for i, part in enumerate(self.primary.parts)
            )
        )


class LanguageReports:
    """The reports of one partner, period and kind in several languages, called as one.

    Attributes that are not section methods (``data``, ``text``, ``title``, ...) are the
    first language's.
    """

    def __init__(self, reports: Mapping[str, Any]) -> None:
        if not reports:
            raise ValueError("no report language")
        self.reports = dict(reports)
        self.lang, self.primary = next(iter(self.reports.items()))

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.primary, name)
        if name.startswith("_") or not callable(value) or isinstance(value, type):
            return value
        return self._each(name, value)

    def _each(self, name: str, first: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(first)
        def call(*args: Any, **kwargs: Any) -> Any:
            result = first(*args, **kwargs)  # the first language's error fails the cell
            if not _displayable(result):
                return result
            others: dict[str, Any] = {}
            for lang, report in list(self.reports.items())[1:]:
                try:
                    others[lang] = getattr(report, name)(*args, **kwargs)
                except Exception as exc:  # only that language's report fails
                    others[lang] = exc
            if hasattr(result, "_ipython_display_") and hasattr(result, "parts"):
                return RenderedParts(result, others)
            return Rendered(result, others)

        return call


def _memoised(data: Any) -> Any:
    """``data`` (a ``ReportData``) with each selection computed once; every caller gets its
    own copy of a DataFrame, so a renderer that changes one changes nobody else's."""
    cache: dict[tuple[str, Any, Any], Any] = {}

    def once(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            key = (name, args, tuple(sorted(kwargs.items())))
            try:
                value = (
                    cache[key] if key in cache else cache.setdefault(key, method(*args, **kwargs))
                )
            except TypeError:  # arguments that cannot be a key: not kept
                value = method(*args, **kwargs)
            return value.copy() if isinstance(value, pd.DataFrame | pd.Series) else value

        return call

    for name in dir(type(data)):
        method = getattr(data, name)
        if not name.startswith("_") and callable(method):
            setattr(data, name, once(name, method))
    return data


def open_languages(
    open_one: Callable[..., Any], languages: list[str], **parameters: Any
) -> LanguageReports:
    """``open_one(lang=..., **parameters)`` for each of ``languages`` (duplicates dropped),
    sharing the first report's data selections."""
    reports: dict[str, Any] = {}
    for lang in dict.fromkeys(languages):
        first = next(iter(reports.values())).ctx if reports else None
        if first is not None:  # the run's data, loaded once
            parameters["prepared"] = first.run
        report = open_one(lang=lang, **parameters)
        ctx = report.ctx
        if first is None:
            ctx.__dict__["data"] = _memoised(ctx.data)
        else:  # the shared, memoised selections and indicator rows
            ctx.__dict__["data"] = first.data
            ctx._rows = first._rows
        reports[lang] = report
    return LanguageReports(reports)


__all__ = [
    "ALTERNATIVES",
    "LanguageReports",
    "Rendered",
    "RenderedParts",
    "mime_bundle",
    "open_languages",
]
