"""Run settings (``params/defaults.yaml``) and analyst narratives (``params/<period>/<CODE>.yaml``).

YAML is read with the safe loader and unknown keys are refused, so a typo in a
parameter file is an error rather than a silently ignored setting.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from wbreport.errors import Problem, ValidationError
from wbreport.targets import Thresholds


@dataclass(frozen=True)
class Timeouts:
    cell_seconds: float = 120.0
    job_seconds: float = 600.0
    kernel_start_seconds: float = 60.0


@dataclass(frozen=True)
class ReportOptions:
    trend_periods: int = 6
    max_table_rows: int = 200


@dataclass(frozen=True)
class Settings:
    rag: Thresholds = field(default_factory=Thresholds)
    timeouts: Timeouts = field(default_factory=Timeouts)
    report: ReportOptions = field(default_factory=ReportOptions)


@dataclass(frozen=True)
class Narrative:
    highlights: str = ""
    next_steps: str = ""


def _read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(path), None, None, None, f"cannot read YAML file: {exc}")]
    try:
        return yaml.safe_load(text), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        return None, [
            Problem(str(path), row, None, None, f"invalid YAML: {getattr(exc, 'problem', exc)}")
        ]


def _build(cls: type, data: Any, source: str, prefix: str, problems: list[Problem]) -> Any:
    """Instantiate dataclass ``cls`` from a mapping, refusing unknown keys and wrong types."""
    if data is None:
        return cls()
    if not isinstance(data, Mapping):
        problems.append(
            Problem(source, None, prefix or None, reprlib.repr(data)[:60], "expected a mapping")
        )
        return cls()
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in known:
            problems.append(
                Problem(source, None, name, None, "unknown key; allowed: " + ", ".join(known))
            )
            continue
        default = getattr(cls(), key)
        if hasattr(default, "__dataclass_fields__"):
            values[key] = _build(type(default), value, source, f"{name}.", problems)
        elif isinstance(default, str):
            if value is None:
                value = ""
            if not isinstance(value, str):
                problems.append(
                    Problem(source, None, name, reprlib.repr(value)[:60], "expected text")
                )
                continue
            values[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problems.append(
                    Problem(source, None, name, reprlib.repr(value)[:60], "expected a number ≥ 0")
                )
                continue
            values[key] = type(default)(value)
    return cls(**values)


def load_settings(params_dir: Path | None) -> Settings:
    """Read ``defaults.yaml`` in ``params_dir`` (built-in defaults when absent)."""
    if params_dir is None or not (params_dir / "defaults.yaml").is_file():
        return Settings()
    path = params_dir / "defaults.yaml"
    data, problems = _read_yaml(path)
    settings = _build(Settings, data, str(path), "", problems)
    if not problems and settings.rag.amber > settings.rag.green:
        problems.append(
            Problem(
                str(path), None, "rag.amber", str(settings.rag.amber), "must not exceed rag.green"
            )
        )
    for limit in fields(Timeouts):  # 0 s would time every report out at once
        if getattr(settings.timeouts, limit.name) == 0:
            problems.append(
                Problem(
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
    return params_dir / period / f"{code}.yaml"


def load_narrative(params_dir: Path | None, period: str, code: str) -> Narrative:
    """The analyst narrative for one report; empty when no file exists."""
    if params_dir is None:
        return Narrative()
    path = narrative_path(params_dir, period, code)
    if not path.is_file():
        return Narrative()
    data, problems = _read_yaml(path)
    narrative = _build(Narrative, data, str(path), "", problems)
    if problems:
        raise ValidationError(problems)
    return narrative
