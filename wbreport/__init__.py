"""wbreport: programming reports for the Western Balkan asylum and reception programme."""

from wbreport.errors import (
    LockedError,
    PartnerError,
    PeriodError,
    Problem,
    UsageError,
    ValidationError,
    WbreportError,
)
from wbreport.indicators import compute, default_period
from wbreport.io import Package, load_package
from wbreport.periods import Period, parse_period

__version__ = "0.1.0"

__all__ = [
    "LockedError",
    "Package",
    "PartnerError",
    "Period",
    "PeriodError",
    "Problem",
    "UsageError",
    "ValidationError",
    "WbreportError",
    "__version__",
    "compute",
    "default_period",
    "load_package",
    "parse_period",
]
