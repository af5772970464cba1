"""Run settings (``params/defaults.yaml``) and analyst narratives (``params/<period>/<CODE>.yaml``).

YAML is read with the safe loader and unknown keys are refused, so a typo in a
parameter file is an error rather than a silently ignored setting.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from wbreport.errors import YAML_LABELS, Problem, ValidationError, not_utf8
from wbreport.files import NotRegularFile, regular_file_size
from wbreport.registry import N_
from wbreport.schema import LANGUAGES


@dataclass(frozen=True)
class Thresholds:
    """RAG thresholds on the unrounded achievement."""

    green: float = 0.9
    amber: float = 0.6

    def rag(self, achievement: float) -> str:
        """green, amber or red; empty when the achievement is NA."""
        if achievement is None or math.isnan(achievement):
            return ""
        if achievement >= self.green:
            return "green"
        return "amber" if achievement >= self.amber else "red"


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed for one cell, one whole report and a kernel's start."""

    cell_seconds: float = 120.0
    job_seconds: float = 600.0
    kernel_start_seconds: float = 60.0


@dataclass(frozen=True)
class OutputLimits:
    """Characters one notebook cell keeps of what it prints (stdout and stderr, in the
    notebook and the job log) and of what it shows (tables, charts, on the page); the rest
    is cut, with a note where it was cut (wbreport.engine)."""

    printed_chars: int = 1_000_000
    shown_chars: int = 5_000_000


@dataclass(frozen=True)
class ReportOptions:
    """Report options: periods in trend charts, rows before a table is cut."""

    trend_periods: int = 6
    max_table_rows: int = 200


@dataclass(frozen=True)
class Programme:
    """The programme's own dates (SPEC §9: to-date values start at ``start``)."""

    start: dt.date = dt.date(2019, 1, 1)


@dataclass(frozen=True)
class ReportKind:
    """One kind of report (SPEC §8): a notebook (relative to the project folder) and a
    title pattern with ``{name}`` and ``{period}``."""

    notebook: str = ""
    title: str = ""


PROGRAMMING = "programming"
DEFAULT_KINDS: dict[str, ReportKind] = {
    PROGRAMMING: ReportKind("notebooks/report.ipynb", N_("{name} — programming report {period}")),
    "evaluation": ReportKind(
        "notebooks/evaluation.ipynb", N_("{name} — training evaluation {period}")
    ),
}

DEFAULT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "AL": ("en", "sq"),
    "BA": ("en", "bs"),
    "XK": ("en", "sq"),
    "ME": ("en", "cnr"),
    "MK": ("en", "mk"),
    "RS": ("en", "sr-Latn"),
    "WB": ("en",),
}


@dataclass(frozen=True)
class Settings:
    """Everything ``params/defaults.yaml`` may set; defaults where it is silent."""

    rag: Thresholds = field(default_factory=Thresholds)
    timeouts: Timeouts = field(default_factory=Timeouts)
    output: OutputLimits = field(default_factory=OutputLimits)
    report: ReportOptions = field(default_factory=ReportOptions)
    min_respondents: int = 5
    programme: Programme = field(default_factory=Programme)
    reports: dict[str, ReportKind] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    languages: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_LANGUAGES))


@dataclass(frozen=True)
class Narrative:
    """The analyst narrative of one report: markdown, sanitised when shown."""

    highlights: str = ""
    next_steps: str = ""


MAX_TEXT_CHARS = 100_000
"""Longest text setting or narrative field (rendering markdown costs up to ~30 µs per
character: a 4 MB narrative of '[' took two minutes, past the cell timeout)."""
MAX_YAML_BYTES = 4 * 1024**2
"""Largest parameter file read (a narrative is a few KB; a 3 GB one took all memory)."""


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing a key written twice in one mapping: YAML forbids it, and
    PyYAML would keep the last value and drop the first without a word."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node)
            if key in first_line:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key {key!r} is written twice (first on line {first_line[key]}): keep one",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def _problem(
    source: str, line: int | None, key: str | None, value: str | None, allowed: str
) -> Problem:
    """A problem at a line or key of a YAML file."""
    return Problem(source, line, key, value, allowed, YAML_LABELS)


def _yaml_file_problem(path: Path) -> Problem | None:
    """Why ``path`` cannot be read as a YAML file, before opening it: a FIFO would block,
    /dev/zero never end, a folder named like the file was silently skipped."""
    try:
        size = regular_file_size(path)
    except NotRegularFile as exc:
        return _problem(
            str(path), None, None, None, f"{exc.kind}: a YAML file must be a regular file"
        )
    except OSError as exc:
        return _problem(str(path), None, None, None, f"cannot read YAML file: {exc.strerror}")
    if size > MAX_YAML_BYTES:
        return _problem(
            str(path),
            None,
            None,
            None,
            f"YAML file too large ({size:,} bytes; the limit is {MAX_YAML_BYTES:,})",
        )
    return None


def _present(path: Path) -> bool:
    """Whether anything is at ``path`` (a dangling link too: it is reported, not skipped)."""
    return path.exists() or path.is_symlink()


def _read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    refused = _yaml_file_problem(path)
    if refused is not None:
        return None, [refused]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:  # the path is in the problem already
        reason = exc.strerror or str(exc)
        return None, [_problem(str(path), None, None, None, f"cannot read YAML file: {reason}")]
    except UnicodeDecodeError as exc:
        line, message = not_utf8(exc)
        return None, [_problem(str(path), line, None, None, message + ": save it as UTF-8")]
    try:
        return yaml.load(text, Loader=_Loader), []
    except RecursionError:
        return None, [_problem(str(path), None, None, None, "YAML nested too deeply")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        problem = str(getattr(exc, "problem", exc))
        cure = next((c for start, c in _YAML_CURES.items() if problem.startswith(start)), "")
        return None, [_problem(str(path), row, None, None, f"invalid YAML: {problem}{cure}")]


#: What to do about the YAML errors analysts make most, by the start of PyYAML's words.
_YAML_CURES = {
    # "highlights: Note: the training …": a colon and a space inside unquoted text
    "mapping values are not allowed here": (
        " (a ': ' inside text): put the text in quotes, or write 'key: |' and the text"
        " indented under it"
    ),
    "found character '\\t' that cannot start any token": ": indent with spaces, not tabs",
}

_MISSING = object()  # a value refused (its problem recorded): the default stays


def _shown(value: Any) -> str:
    """``value`` as YAML writes it (``true``, ``2021-01-01``: near what the file says, not
    Python's ``True`` or ``datetime.date(…)``), at most 60 characters. Lists and mappings
    are shown the short way of :mod:`reprlib` (an alias bomb is never written out whole)."""
    if isinstance(value, bool | int | float | dt.date) or value is None:
        text = yaml.safe_dump(value, default_flow_style=True).removesuffix("...\n").strip()
    else:
        text = reprlib.repr(value)
    return text[:60]


_NUMBER_TEXT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _unusable_character(text: str) -> str | None:
    """Why ``text`` cannot be shown as written (a control character such as ESC, or half
    of a surrogate pair, which is no character: what a page drops), or ``None``."""
    from wbreport.fragments import UNSHOWABLE

    found = UNSHOWABLE.search(text)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    what = "half of a surrogate pair" if 0xD800 <= ord(found.group()) <= 0xDFFF else "a control"
    return (
        f"{what} character ({code}) at character {found.start() + 1}: it cannot be shown; "
        "delete it or write the character itself"
    )


def _not_text(value: Any, name: str) -> str:
    """Why ``value`` is no text, and how to write it so that YAML reads text."""
    key = name.rsplit(".", 1)[-1]
    if isinstance(value, list):
        return (
            f"expected text, found a list: for markdown bullets write '{key}: |' and the"
            " '- ' lines indented under it"
        )
    if isinstance(value, dict):
        return (
            f"expected text, found 'key: value' lines: write '{key}: |' and the text"
            " indented under it"
        )
    if isinstance(value, bytes | set):
        tag = "!!binary" if isinstance(value, bytes) else "!!set"
        return f"expected text, found YAML's {tag}: write the text after '{key}: |'"
    if isinstance(value, bool):
        read_as = "an unquoted yes, no, true, false, on or off as yes-or-no"
    elif isinstance(value, dt.date):
        read_as = "it as a date"
    else:
        read_as = "it as a number"
    return f"expected text: YAML reads {read_as}; put the text in quotes"


def _setting_problem(source: str, name: str | None, value: Any, allowed: str) -> Problem:
    """A problem with the setting ``name``, its value shown short (at most 60 characters)."""
    return _problem(source, None, name, _shown(value), allowed)


def _scalar_reader(default: Any) -> Any:
    """How to read a key whose default is ``default``: a nested section, text or a number."""

    def section(value: Any, source: str, name: str, problems: list[Problem]) -> Any:
        return _build(type(default), value, source, f"{name}.", problems)

    def text(value: Any, source: str, name: str, problems: list[Problem]) -> Any:
        value = "" if value is None else value
        if isinstance(value, str) and len(value) <= MAX_TEXT_CHARS:
            unusable = _unusable_character(value)
            if unusable is None:
                return value
            problems.append(_setting_problem(source, name, value[:60], unusable))
            return _MISSING
        allowed = (
            _not_text(value, name)
            if not isinstance(value, str)
            else f"text too long (of at most {MAX_TEXT_CHARS:,} characters)"
        )
        problems.append(_setting_problem(source, name, value, allowed))
        return _MISSING

    def number(value: Any, source: str, name: str, problems: list[Problem]) -> Any:
        whole = isinstance(default, int)
        low, high = _BOUNDS.get(name.split(".")[0] + ".*", _BOUNDS.get(name, (0, None)))
        fits = (
            not isinstance(value, bool)
            and isinstance(value, int | float)
            and math.isfinite(value)  # .nan, .inf: no threshold, no timeout
            and value >= low
            and (high is None or value <= high)
            and (not whole or float(value).is_integer())
        )
        if not fits:
            allowed = f"expected a {'whole number' if whole else 'number'} ≥ {low:,}"
            if high is not None:
                allowed += f" and ≤ {high:,}"
            if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
                # YAML 1.1 reads 1e3 (no dot, no sign in the exponent) as text
                allowed += "; YAML reads it as text: write it with a dot (1.0e+3) or in full"
            problems.append(_setting_problem(source, name, value, allowed))
            return _MISSING
        return type(default)(value)

    if hasattr(default, "__dataclass_fields__"):
        return section
    return text if isinstance(default, str) else number


# Bounds of numeric settings (default: ≥ 0, no upper bound). A trend of 100,000,000
# periods would never end; a timeout above a week is no timeout.
_BOUNDS: dict[str, tuple[int, int | None]] = {
    "report.trend_periods": (1, 120),
    # 0 rows showed "Showing the first 0 of 19 rows"; a longer table than this is cut by the
    # cell's output limit anyway
    "report.max_table_rows": (1, 100_000),
    "timeouts.*": (0, 7 * 24 * 3600),
    # below a thousand characters an error's own message would be cut; above a billion a
    # single cell could hold the runner's memory again
    "output.*": (1_000, 1_000_000_000),
}


# An unknown key is named in its problem only when it looks like a key someone mistyped;
# other text (a file that is no settings file, read through a link) is not repeated.
_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,39}")


def _build(cls: type, data: Any, source: str, prefix: str, problems: list[Problem]) -> Any:
    """Instantiate dataclass ``cls`` from a mapping, refusing unknown keys and wrong types."""
    if data is None:
        return cls()
    if not isinstance(data, Mapping):
        # What the file holds is not shown: it may not be a settings file at all (a link
        # to another file), and its text would reach logs.
        found = "a list" if isinstance(data, list) else "a single value"
        problems.append(
            _problem(
                source, None, prefix or None, None, f"expected 'key: value' lines, found {found}"
            )
        )
        return cls()
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            shown = f"{prefix}{key}" if _KEY_NAME.fullmatch(str(key)) else None
            problems.append(
                _problem(
                    source,
                    None,
                    shown,
                    None,
                    ("unknown key" if shown else "a line that is not a 'key: value' entry")
                    + "; allowed: "
                    + ", ".join(known),
                )
            )
            continue
        name = f"{prefix}{key}"
        default = getattr(cls(), key)
        special = _SPECIAL.get(name)
        if special is not None:
            built = special(value, source, name, problems)
            built = _MISSING if built is None else built
        else:
            built = _scalar_reader(default)(value, source, name, problems)
        if built is not _MISSING:
            values[key] = built
    return cls(**values)


def _date(value: Any, source: str, name: str, problems: list[Problem]) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(_setting_problem(source, name, value, "expected a date YYYY-MM-DD"))
        return None


def _count(value: Any, source: str, name: str, problems: list[Problem]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append(_setting_problem(source, name, value, "expected a whole number ≥ 1"))
        return None
    return value


def _kinds(
    value: Any, source: str, name: str, problems: list[Problem]
) -> dict[str, ReportKind] | None:
    if not isinstance(value, Mapping) or not value:
        problems.append(
            _setting_problem(
                source, name, value, "expected a mapping of report kinds to {notebook, title}"
            )
        )
        return None
    kinds: dict[str, ReportKind] = {}
    for kind, spec in value.items():
        where = f"{name}.{kind}"
        if not isinstance(kind, str) or not kind.isidentifier() or not kind.islower():
            problems.append(
                _setting_problem(
                    source, where, kind, "a kind is a lower-case name such as evaluation"
                )
            )
            continue
        if kind in LANGUAGES:  # <CODE>.sq.html would be both kind sq and language sq
            problems.append(
                _problem(
                    source,
                    None,
                    where,
                    repr(kind),
                    "a kind may not be named like a report language "
                    "(its file would be another report's)",
                )
            )
            continue
        before = len(problems)
        built = _build(ReportKind, spec, source, f"{where}.", problems)
        if len(problems) > before:
            continue
        if not built.notebook or not built.title:
            problems.append(_problem(source, None, where, None, "needs both notebook and title"))
            continue
        if not _plain_title(built.title):
            problems.append(
                _problem(
                    source,
                    None,
                    f"{where}.title",
                    built.title,
                    "title may use only {name} and {period}",
                )
            )
            continue
        kinds[kind] = built
    return kinds


def _plain_title(title: str) -> bool:
    """Whether ``title`` uses only ``{name}`` and ``{period}`` as they are: no attribute
    or index (``{name.__class__}``), conversion or format spec (``{name:>999999999}``
    would build a gigabyte of padding)."""
    import string

    try:
        parts = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(title)]
    except ValueError:  # an unmatched brace
        return False
    # (literal text has no field: None; "{}" has the field "", which is no name)
    return all(
        f in ("name", "period") and not spec and conv is None
        for f, spec, conv in parts
        if f is not None
    )


def _languages(
    value: Any, source: str, name: str, problems: list[Problem]
) -> dict[str, tuple[str, ...]] | None:
    from wbreport.partners import ALL_CODES

    if not isinstance(value, Mapping):
        problems.append(
            _setting_problem(
                source, name, value, "expected a mapping of partner codes to language lists"
            )
        )
        return None
    languages = dict(DEFAULT_LANGUAGES)
    for code, tags in value.items():
        where = f"{name}.{code}"
        if code not in ALL_CODES:
            problems.append(
                _setting_problem(
                    source, where, code, "unknown partner; allowed: " + ", ".join(ALL_CODES)
                )
            )
            continue
        if not isinstance(tags, list) or not tags or any(t not in LANGUAGES for t in tags):
            problems.append(
                _setting_problem(
                    source,
                    where,
                    tags,
                    "expected a list of languages from: " + ", ".join(LANGUAGES),
                )
            )
            continue
        languages[code] = tuple(dict.fromkeys(tags))
    return languages


_SPECIAL = {
    "programme.start": _date,
    "min_respondents": _count,
    "reports": _kinds,
    "languages": _languages,
}


def load_settings(params_dir: Path | None) -> Settings:
    """Read ``defaults.yaml`` in ``params_dir`` (built-in defaults when absent)."""
    if params_dir is None or not _present(params_dir / "defaults.yaml"):
        return Settings()
    path = params_dir / "defaults.yaml"
    data, problems = _read_yaml(path)
    settings = _build(Settings, data, str(path), "", problems)
    if not problems and settings.rag.amber > settings.rag.green:
        problems.append(
            _problem(
                str(path), None, "rag.amber", str(settings.rag.amber), "must not exceed rag.green"
            )
        )
    for limit in fields(Timeouts):  # 0 s would time every report out at once
        if getattr(settings.timeouts, limit.name) == 0:
            problems.append(
                _problem(
                    str(path),
                    None,
                    f"timeouts.{limit.name}",
                    "0",
                    "expected a number of seconds > 0",
                )
            )
    if problems:
        raise ValidationError(problems)
    return settings


def narrative_path(params_dir: Path, period: str, code: str) -> Path:
    """``params/<period>/<code>.yaml`` (``code`` may carry the kind: ``AL.evaluation``)."""
    return params_dir / period / f"{code}.yaml"


def load_report_narrative(
    params_dir: Path | None, period: str, stems: tuple[str, ...], sample: bool = True
) -> Narrative:
    """The narrative of one report from its files (:func:`wbreport.naming.narrative_stems`):
    each field from the first file that fills it, so a language's file may translate the
    highlights alone and keep the shared next steps. Unless the data is the ``sample``,
    wbreport's illustrative narratives as shipped are left out (they describe the sample)."""
    from wbreport.project import is_stock_example

    loaded = [
        load_narrative(params_dir, period, stem)
        for stem in stems
        if sample or params_dir is None or not is_stock_example(params_dir, period, f"{stem}.yaml")
    ]
    return Narrative(
        **{
            name: next((text for n in loaded if (text := getattr(n, name)).strip()), "")
            for name in (f.name for f in fields(Narrative))
        }
    )


def load_narrative(params_dir: Path | None, period: str, code: str) -> Narrative:
    """The analyst narrative for one report; empty when no file exists."""
    if params_dir is None:
        return Narrative()
    path = narrative_path(params_dir, period, code)
    if not _present(path):
        return Narrative()
    data, problems = _read_yaml(path)
    narrative = _build(Narrative, data, str(path), "", problems)
    if problems:
        raise ValidationError(problems)
    return narrative
