"""The validated-package cache.

Validating a million rows takes about a second; the typed frames it yields depend only
on the bytes of the input files and on this code. After a successful validation of a
package of at least CACHE_MIN_BYTES, its typed columns are pickled to
<cache dir>/<key>.pkl, where key = sha256 of (cache format, wbreport version, the
source of the modules that read, validate and type data, Python/pandas/numpy versions,
package form, and each file's name and sha256). A later load of byte-identical files
hashes them (which it does anyway for the data fingerprint) and unpickles the columns,
skipping parsing and validation. Problems are never cached: a package with problems is
validated in full every time. Entries are written atomically (temporary file, then
rename); an unreadable, foreign or corrupt entry is ignored and rebuilt; only the
CACHE_MAX_ENTRIES most recently used entries are kept. The cache directory must be
private to the user (it holds pickles): wbreport creates it with mode 0700 and ignores
entries owned by another user or writable by group or others.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from wbreport.frames import TableParts
from wbreport.rawpackage import SQLITE_SUFFIXES, XLSX_SUFFIXES
from wbreport.schema import TABLES

CACHE_FORMAT = 2
CACHE_MIN_BYTES = 8 * 1024 * 1024
CACHE_MAX_ENTRIES = 8
_CODE_MODULES = (
    "frames",
    "rawpackage",
    "csv_reader",
    "xlsx_reader",
    "sqlite_reader",
    "readers",
    "validate",
    "validate_table",  # (split from validate: a rule changed there changes what is valid)
    "validate_evaluation",
    "validate_results",
    "package",
    "schema",
    "registry",
    "partners",
    "periods",
    "errors",
)
TABLE_NAMES = tuple(t.name for t in TABLES)


def cache_dir() -> Path | None:
    """Folder of the validated-package cache, or ``None`` when caching is disabled.

    ``$WBREPORT_NO_CACHE`` (any value but ``0`` or empty) disables the cache;
    ``$WBREPORT_CACHE_DIR`` sets the folder; otherwise ``$XDG_CACHE_HOME/wbreport/packages``
    or ``~/.cache/wbreport/packages``.
    """
    if os.environ.get("WBREPORT_NO_CACHE", "") not in ("", "0"):
        return None
    configured = os.environ.get("WBREPORT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wbreport" / "packages"


def package_inputs(root: Path) -> tuple[str, list[Path]] | None:
    """(form, input files) of a package worth caching; None otherwise (or if unsure).

    Only regular files are considered: anything else is left to the readers to refuse.
    """
    try:
        if root.is_dir():
            form = "csv"
            files = [root / f"{t.name}.csv" for t in TABLES if (root / f"{t.name}.csv").is_file()]
        elif root.is_file() and root.suffix.lower() in XLSX_SUFFIXES + SQLITE_SUFFIXES:
            form = "xlsx" if root.suffix.lower() in XLSX_SUFFIXES else "sqlite"
            files = [root]
        else:
            return None
        if sum(f.stat().st_size for f in files) < CACHE_MIN_BYTES:
            return None
    except OSError:
        return None
    return form, files


def _version() -> str:
    try:
        return metadata.version("wbreport")
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    digest = hashlib.sha256()
    folder = Path(__file__).resolve().parent
    for module in _CODE_MODULES:
        digest.update((folder / f"{module}.py").read_bytes())
    return digest.hexdigest()


def cache_key(form: str, prints: dict[str, str]) -> str:
    """The entry name of a package: its form and files, and everything that reads them."""
    identity = {
        "format": CACHE_FORMAT,
        "wbreport": _version(),
        "code": _code_digest(),
        "python": sys.version,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "form": form,
        "files": prints,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _private(stat: os.stat_result) -> bool:
    owner = getattr(os, "getuid", None)
    return (owner is None or stat.st_uid == owner()) and not stat.st_mode & 0o022


def cache_get(store: Path, key: str) -> dict[str, TableParts] | None:
    """The typed parts stored under ``key``; ``None`` when absent, foreign or corrupt."""
    file = store / f"{key}.pkl"
    try:
        with open(file, "rb") as handle:
            if not _private(os.fstat(handle.fileno())):
                return None
            entry = pickle.load(handle)
        if not (
            isinstance(entry, dict)
            and entry.get("format") == CACHE_FORMAT
            and entry.get("key") == key
        ):
            raise ValueError("not a cache entry for this key")
        parts = entry["parts"]
        if set(parts) != set(TABLE_NAMES):
            raise ValueError("incomplete cache entry")
    except FileNotFoundError:
        return None
    except Exception:  # corrupt or foreign: drop it, rebuild from the files
        with contextlib.suppress(OSError):
            file.unlink()
        return None
    with contextlib.suppress(OSError):
        os.utime(file)  # most recently used
    return parts


def cache_put(store: Path, key: str, parts: dict[str, TableParts]) -> None:
    """Store ``parts`` under ``key`` atomically, keeping the most recent entries only."""
    try:
        store.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".pkl", dir=store)
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(
                    {"format": CACHE_FORMAT, "key": key, "parts": parts},
                    out,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            os.replace(temporary, store / f"{key}.pkl")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        entries = sorted(store.glob("*.pkl"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in entries[CACHE_MAX_ENTRIES:]:
            with contextlib.suppress(OSError):
                old.unlink()
    except (OSError, pickle.PicklingError):
        pass  # a cache that cannot be written is only a missed speed-up
