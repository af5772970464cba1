"""Data and indicators computed once per run and shared by every report of it."""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wbreport.config import Settings
from wbreport.indicators import indicator_table
from wbreport.package import Package
from wbreport.periods import Period


@dataclass
class Prepared:
    """Data and indicators computed once per run and shared by every report of it."""

    package: Package
    settings: Settings
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, period: Period) -> pd.DataFrame:
        """The indicator table of ``period`` (computed on first use)."""
        if period.label not in self.tables:
            self.tables[period.label] = indicator_table(self.package, period, self.settings)
        return self.tables[period.label]

    def save(self, path: Path) -> Path:
        """Pickle to ``path`` (a private staging file of ``wbreport run``)."""
        path.write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        return path


def prepare(package: Package, periods: list[Period], settings: Settings) -> Prepared:
    """Compute every table the reports of ``periods`` need (trends and the previous period
    of the key-figure arrows included)."""
    prepared = Prepared(package, settings)
    for period in periods:
        for p in period.recent(max(settings.report.trend_periods, 2)):
            prepared.table(p)
    return prepared


def load_prepared(path: str | Path) -> Prepared:
    """The :class:`Prepared` run that ``wbreport run`` saved at ``path``."""
    # Only wbreport run writes this file, inside its own private staging folder.
    with open(path, "rb") as handle:
        prepared: Any = pickle.load(handle)
    if not isinstance(prepared, Prepared):
        raise TypeError(f"{path} is not a wbreport prepared run")
    return prepared


def data_fingerprint(package: Package) -> str:
    """One sha256 over the per-file hashes of the package."""
    return hashlib.sha256(
        "".join(f"{k}={v}\n" for k, v in sorted(package.fingerprint.items())).encode()
    ).hexdigest()


__all__ = ["Prepared", "data_fingerprint", "indicator_table", "load_prepared", "prepare"]
