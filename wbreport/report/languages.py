"""One notebook execution for several report languages (SPEC §10).

``wbreport run`` executes a report notebook once per (partner, kind) with the parameter
``languages`` (the notebook's ``lang`` first). :func:`open_languages` then gives a
:class:`LanguageReports`: it has the methods of the one-language report, and each call
renders the section in every language from the same context data (the selections
behind the tables are computed once). The cell shows the first language, as a one-language
report would; the other languages' outputs ride along in the output's metadata under
:data:`ALTERNATIVES` (``{lang: {"data": ..., "metadata": ...}}``, or ``{lang: {"error":
{"ename", "evalue"}}}`` when that language failed), and :mod:`wbreport.multilang` exports
one HTML page per language from them. A section that fails in some of the languages fails
those languages' reports only (the shown language's too: its output then holds the error);
one that fails in every language fails the cell, as in a one-language report. An analyst
opening the notebook in JupyterLab with its default parameters (``languages = None``) gets
the plain English report.

A section shows through ``_repr_html_``/``_repr_mimebundle_`` (one output) or, like the
evaluation report's sections, through ``_ipython_display_`` of its ``parts`` (one output per
part, each carrying its other languages: :class:`RenderedParts`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

import pandas as pd

# The output-metadata key of the other languages' output bundles, as the runner reads it.
from wbreport.multilang import ALTERNATIVES


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


def _error(exc: BaseException) -> dict[str, Any]:
    return {"error": {"ename": type(exc).__name__, "evalue": str(exc)}}


class Rendered:
    """A section rendered in several languages (``{lang: object or exception}``, the shown
    language first): displays as the first, carries the others in its metadata."""

    def __init__(self, results: Mapping[str, Any]) -> None:
        self.results = dict(results)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        (lang, shown), *others = self.results.items()
        alternatives: dict[str, Any] = {}
        if isinstance(shown, BaseException):  # failed in the shown language only
            data, metadata = {"text/plain": f"{type(shown).__name__}: {shown}"}, {}
            alternatives[lang] = _error(shown)
        else:
            data, metadata = mime_bundle(shown)
        for other, obj in others:
            if isinstance(obj, BaseException):
                alternatives[other] = _error(obj)
            else:
                other_data, other_metadata = mime_bundle(obj)
                alternatives[other] = {"data": other_data, "metadata": other_metadata}
        metadata[ALTERNATIVES] = alternatives
        return data, metadata


class RenderedParts:
    """A section made of parts (``parts`` shown one output each, as the evaluation report's
    sections are) in several languages: each part displays as :class:`Rendered`."""

    def __init__(self, results: Mapping[str, Any]) -> None:
        self.results = dict(results)

    @staticmethod
    def _part(value: Any, index: int, count: int) -> Any:
        if isinstance(value, BaseException):
            return value
        if len(getattr(value, "parts", ())) != count:
            return ValueError(f"the section does not have {count} parts in this language")
        return value.parts[index]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        model = next(v for v in self.results.values() if not isinstance(v, BaseException))
        count = len(model.parts)
        display(
            *(
                Rendered({lang: self._part(v, i, count) for lang, v in self.results.items()})
                for i in range(count)
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
            try:
                result = first(*args, **kwargs)
            except Exception as exc:  # the other languages may still render
                result = exc
            if not isinstance(result, BaseException) and not _displayable(result):
                return result  # not a section (a number, a frame of report.data, ...)
            results = {self.lang: result}
            for lang, report in list(self.reports.items())[1:]:
                try:
                    results[lang] = getattr(report, name)(*args, **kwargs)
                except Exception as exc:  # only that language's report fails
                    results[lang] = exc
            done = [v for v in results.values() if not isinstance(v, BaseException)]
            if not done or not _displayable(done[0]):
                if isinstance(result, BaseException):
                    raise result  # failed in every language: the cell fails, as alone
                return result
            if hasattr(done[0], "_ipython_display_") and hasattr(done[0], "parts"):
                return RenderedParts(results)
            return Rendered(results)

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
        ctx.languages = tuple(dict.fromkeys(languages))
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
