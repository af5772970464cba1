"""Deprecated alias of the modules that replaced ``wbreport.io``; import from those instead.

``Package`` and ``load_package`` live in :mod:`wbreport.package`; ``read_package`` in
:mod:`wbreport.readers`; raw tables in :mod:`wbreport.rawpackage` and
:mod:`wbreport.frames`; the validated-package cache in :mod:`wbreport.cache`.
"""

from __future__ import annotations

from wbreport.cache import CACHE_FORMAT, CACHE_MIN_BYTES, cache_dir
from wbreport.frames import RawTable
from wbreport.package import Package, load_package
from wbreport.rawpackage import MAX_CELL_CHARS, RawPackage, fingerprint, sample_data_path
from wbreport.readers import read_package

__all__ = [
    "CACHE_FORMAT",
    "CACHE_MIN_BYTES",
    "MAX_CELL_CHARS",
    "Package",
    "RawPackage",
    "RawTable",
    "cache_dir",
    "fingerprint",
    "load_package",
    "read_package",
    "sample_data_path",
]
