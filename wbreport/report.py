"""Everything a report shows, computed from a package: the notebook only calls and displays."""

from __future__ import annotations

import pandas as pd

from wbreport.indicators import compute
from wbreport.io import Package
from wbreport.periods import Period
from wbreport.targets import Thresholds, with_targets


def indicator_table(package: Package, period: Period, thresholds: Thresholds | None = None) -> pd.DataFrame:
    """The indicators.csv table (unformatted) for every partner and ``period``."""
    return with_targets(compute(package, period), package.targets, period, thresholds)
