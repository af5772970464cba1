"""wbreport: programming reports for the Western Balkan asylum and reception programme."""

from typing import TYPE_CHECKING

from wbreport.errors import (
    LockedError,
    PartnerError,
    PeriodError,
    Problem,
    UsageError,
    ValidationError,
    WbreportError,
)
from wbreport.periods import Period, parse_period

if TYPE_CHECKING:
    from wbreport.indicators import compute, default_period
    from wbreport.package import Package, load_package

__version__ = "0.1.0"

# Loaded on first use: ``import wbreport`` stays light (no pandas; tested), while the
# command line and notebooks import what they need.
_LAZY = {
    "compute": "wbreport.indicators",
    "default_period": "wbreport.indicators",
    "Package": "wbreport.package",
    "load_package": "wbreport.package",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'wbreport' has no attribute {name!r}")


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
