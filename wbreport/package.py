"""The validated data package as typed frames, and :func:`load_package` that makes it.

Loading reads the package (:mod:`wbreport.readers`), checks every rule of SPEC §2
(:mod:`wbreport.validate`), types the columns (:mod:`wbreport.frames`) and assembles
one frame per table; a large package that validated before is served from the
validated-package cache (:mod:`wbreport.cache`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionArray

import wbreport.validate
from wbreport.cache import TABLE_NAMES, cache_dir, cache_get, cache_key, cache_put, package_inputs
from wbreport.errors import Problem, ValidationError
from wbreport.frames import TableParts, table_parts
from wbreport.project import sample_data_path
from wbreport.rawpackage import RawPackage, fingerprint_parallel
from wbreport.readers import read_package
from wbreport.schema import TABLES


@dataclass
class Package:
    """A validated data package as typed frames (dates as ``datetime64``, counts as ints).

    Every table of the schema is a frame with the schema's columns (an optional table
    that is absent is an empty frame with those columns), plus ``row``: the row number
    a spreadsheet shows for it (header = row 1). ``frame.attrs["source"]`` names the
    file, sheet or table it came from.
    """

    activities: pd.DataFrame
    participation: pd.DataFrame
    milestones: pd.DataFrame
    tools: pd.DataFrame
    targets: pd.DataFrame
    evaluations: pd.DataFrame
    followups: pd.DataFrame
    results: pd.DataFrame
    indicator_definitions: pd.DataFrame
    observations: pd.DataFrame
    source: str
    fingerprint: dict[str, str]

    def latest_delivered_end(self) -> dt.date | None:
        """The latest ``end_date`` of a delivered activity (``None`` when there is none)."""
        delivered = self.activities.loc[self.activities["status"] == "delivered", "end_date"]
        return None if delivered.empty else delivered.max().date()


def _text_array(uniques: object) -> ExtensionArray:
    """Distinct values as the string array ``Series.astype(str)`` gives in this pandas
    (through Arrow when they are all ``str``: faster for many distinct values)."""
    try:
        return pd.Series(pa.array(uniques, type=pa.large_string()).to_pandas()).array
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.Series(uniques, dtype=object).astype(str).array


def package_parts(raw: RawPackage) -> dict[str, TableParts]:
    """The typed column parts of every table of a validated raw package."""
    return {t.name: table_parts(t, raw.tables.get(t.name)) for t in TABLES}


def assemble(parts: dict[str, TableParts], source: str, fingerprint: dict[str, str]) -> Package:
    """A :class:`Package` from typed column parts (as :func:`package_parts` or the cache give)."""
    # Text columns sharing distinct values (activity_id of activities and participation)
    # share one string array, hence one string object per id.
    texts: dict[int, ExtensionArray] = {}
    frames = {}
    for name in TABLE_NAMES:
        columns, rows, table_source = parts[name]
        data: dict[str, object] = {}
        for column, part in columns.items():
            if not isinstance(part, tuple):
                data[column] = part
                continue
            distinct, codes = part
            if distinct.dtype == object:
                if id(distinct) not in texts:
                    texts[id(distinct)] = _text_array(distinct)
                data[column] = texts[id(distinct)].take(codes)
            else:
                data[column] = distinct[codes]
        frame = pd.DataFrame(data, index=rows, copy=False)
        frame.attrs["source"] = table_source
        frames[name] = frame.reset_index(names="row")
    return Package(**frames, source=source, fingerprint=fingerprint)


def _validated(root: Path) -> RawPackage:
    raw = read_package(root)
    problems = wbreport.validate.validate_raw(raw)
    if problems:
        raise ValidationError(problems)
    return raw


_OUT_OF_MEMORY = (
    "not enough memory to load this package: free memory, raise the memory limit, or split the data"
)


def load_package(path: str | Path | None = None) -> Package:
    """Read and validate a data package; raise :class:`ValidationError` listing all problems.

    Parameters
    ----------
    path
        A folder of CSV files, an ``.xlsx`` workbook or a SQLite file; ``None`` for
        the illustrative sample shipped with wbreport.

    A large package that validated before is taken from the validated-package cache
    (see :func:`wbreport.cache.cache_dir`) when its files are byte for byte the same
    (sha256). Running out of memory anywhere in loading is a problem, not a traceback.
    """
    from wbreport.arrays import arrays

    root = Path(path) if path is not None else sample_data_path()
    try:
        package, parts = _load(root)
        # The indicators' array views, built once with the package from the columns'
        # codes (no text is hashed again).
        arrays(package, {name: columns for name, (columns, _, _) in parts.items()})
        return package
    except MemoryError:
        raise ValidationError(
            [Problem(root.name or str(root), None, None, None, _OUT_OF_MEMORY)]
        ) from None


def _load(root: Path) -> tuple[Package, dict[str, TableParts]]:
    store = cache_dir()
    inputs = package_inputs(root) if store is not None else None
    if store is None or inputs is None:
        raw = _validated(root)
        parts = package_parts(raw)
        return assemble(parts, str(raw.path), raw.fingerprint()), parts

    form, files = inputs
    prints = fingerprint_parallel(files, root)
    key = cache_key(form, prints)
    cached = cache_get(store, key)
    if cached is not None:
        return assemble(cached, str(root), prints), cached

    raw = _validated(root)
    parts = package_parts(raw)
    package = assemble(parts, str(raw.path), raw.fingerprint())
    # The entry is keyed by the fingerprint of what was read (CSV files are hashed from
    # the very bytes parsed); a file that changed while it was read is not cached.
    if package.fingerprint == prints:
        cache_put(store, key, parts)
    return package, parts
