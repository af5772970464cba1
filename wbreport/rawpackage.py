"""What every reader shares: the raw package, input-file checks, limits and fingerprints.

Reading never guesses types: every cell arrives as text (``""`` when empty) and each
table is indexed by the row number a spreadsheet shows (header = row 1), so
validation can point at the exact place of every problem.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wbreport.errors import Problem, ValidationError
from wbreport.files import NotRegularFile, regular_file_size
from wbreport.frames import RawTable
from wbreport.schema import TABLES_BY_NAME

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
XLSX_SUFFIXES = (".xlsx",)
# Limits that keep a hostile workbook (zip bomb, huge sheet) from exhausting memory.
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200
# The longest cell Excel can hold; a longer cell is a problem in every package form.
MAX_CELL_CHARS = 32_767
# The largest input file read, in bytes; $WBREPORT_MAX_FILE_BYTES overrides it.
DEFAULT_MAX_FILE_BYTES = 2 * 1024**3


@dataclass
class RawPackage:
    """Everything read from a data package, plus problems met while reading."""

    path: Path
    form: str  # "csv" | "xlsx" | "sqlite"
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    # sha256 of files already read while loading (taken from the bytes parsed).
    digests: dict[Path, Callable[[], str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def fingerprint(self) -> dict[str, str]:
        """sha256 of each input file, keyed by its name relative to the package."""
        return _fingerprint(self.files, self.path, self.digests)


# --- input files ----------------------------------------------------------------------


def max_file_bytes() -> int:
    """The size limit of one input file: ``$WBREPORT_MAX_FILE_BYTES`` or 2 GiB."""
    configured = os.environ.get("WBREPORT_MAX_FILE_BYTES", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return DEFAULT_MAX_FILE_BYTES


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count:,} bytes"


def input_file_problem(file: Path, name: str) -> Problem | None:
    """Why ``file`` cannot be read as an input file, before opening it (``None``: fine).

    Only regular files are read: a FIFO, socket or device would block or never end.
    A file above :func:`max_file_bytes` is refused by its size, without reading it.
    """
    try:
        size = regular_file_size(file)
    except NotRegularFile as exc:
        return Problem(name, None, None, None, f"{exc.kind}: an input must be a regular file")
    except OSError as exc:
        return Problem(name, None, None, None, f"cannot read file: {exc.strerror}")
    limit = max_file_bytes()
    if size > limit:
        return Problem(
            name,
            None,
            None,
            None,
            f"file too large: {_size(size)} ({size:,} bytes); the limit is "
            f"{_size(limit)} ({limit:,} bytes) per file (set WBREPORT_MAX_FILE_BYTES to change it)",
        )
    return None


def missing_table(
    pkg: RawPackage, name: str, where: str, present: Iterable[str] = (), expected: str = ""
) -> None:
    """Record a problem when the required table ``name`` is absent, or when a table of
    ``present`` (file, sheet or table names) is ``name`` written otherwise ("Targets",
    "tools "): an optional table would be silently left out."""
    expected = expected or name  # (a CSV file: "targets.csv")
    near = sorted(n for n in present if n != expected and n.strip().lower() == expected)
    if near:
        pkg.problems.append(
            Problem(
                where,
                None,
                None,
                near[0],
                f"is not named exactly {expected!r} (lower case, no spaces): rename it so the "
                f"table is read",
            )
        )
    elif TABLES_BY_NAME[name].required:
        pkg.problems.append(Problem(where, None, None, None, f"required table {name!r} is missing"))


# --- headers and cells ----------------------------------------------------------------


def text_frame(header: list[str], rows: list[list[str]], numbers: list[int]) -> pd.DataFrame:
    """A frame of text cells indexed by their spreadsheet row numbers."""
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame.index = pd.Index(numbers, dtype="int64")
    return first_of_each_name(frame)


def clean_header(raw: list[str]) -> list[str]:
    """Header names without surrounding blanks or a byte-order mark."""
    return [str(h).strip().lstrip("\ufeff") for h in raw]


def trim_empty_names(header: list[str]) -> list[str]:
    """The header without its trailing empty names (empty columns a spreadsheet adds)."""
    end = len(header)
    while end and header[end - 1] == "":
        end -= 1
    return header[:end]


def first_of_each_name(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the first of columns sharing a name (the duplicate is reported as a problem)."""
    repeated = frame.columns.duplicated()
    return frame.loc[:, ~repeated] if repeated.any() else frame


def header_problems(source: str, header: list[str]) -> list[Problem]:
    """A problem for each column name seen before, and for a named column after an empty one."""
    seen: set[str] = set()
    problems = []
    for position, name in enumerate(header, start=1):
        if name == "":
            continue  # an unnamed column is ignored (extra columns are ignored)
        if name in seen:
            problems.append(
                Problem(source, 1, name, name, f"column names must be unique (column {position})")
            )
        seen.add(name)
    return problems


def long_cells(frame: pd.DataFrame, source: str) -> list[Problem]:
    """A problem for each cell longer than :data:`MAX_CELL_CHARS` (rows: the frame's index)."""
    problems = []
    for name in dict.fromkeys(frame.columns):
        values = frame[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            sizes = np.asarray([len(str(v)) for v in values.cat.categories] + [0])
            lengths = sizes[values.cat.codes.to_numpy()]
        else:
            lengths = values.astype(str).str.len().to_numpy()
        for position in np.flatnonzero(lengths > MAX_CELL_CHARS):
            problems.append(
                Problem(
                    source,
                    int(frame.index.to_numpy()[position]),
                    str(name),
                    None,
                    f"cell has {int(lengths[position]):,} characters; at most "
                    f"{MAX_CELL_CHARS:,} are allowed (the limit of a spreadsheet cell)",
                )
            )
    return problems


def cell_text(value: object) -> str:
    """A workbook or database cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- fingerprints ---------------------------------------------------------------------


def fingerprint(files: Iterable[Path], root: Path) -> dict[str, str]:
    """sha256 of each input file, keyed by its name relative to the package.

    Raises :class:`ValidationError` for a file that is not a regular file or is above
    the size limit (:func:`input_file_problem`), without opening it.
    """
    return _fingerprint(files, root, {})


def _refuse_unreadable(files: Iterable[Path]) -> None:
    problems = [p for p in (input_file_problem(f, f.name) for f in files) if p is not None]
    if problems:
        raise ValidationError(problems)


def _fingerprint(
    files: Iterable[Path], root: Path, known: dict[Path, Callable[[], str]]
) -> dict[str, str]:
    files = list(files)
    _refuse_unreadable(f for f in files if f not in known)
    result: dict[str, str] = {}
    for file in sorted(files):
        hexdigest = known[file]() if file in known else file_sha256(file)
        name = file.name if root.is_file() else file.relative_to(root).as_posix()
        result[name] = hexdigest
    return result


def file_sha256(file: Path) -> str:
    """sha256 of a file's bytes, as hex."""
    with open(file, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def fingerprint_parallel(files: list[Path], root: Path) -> dict[str, str]:
    """:func:`fingerprint` with the files hashed on two threads, largest first.

    hashlib and file reads release the GIL.
    """
    _refuse_unreadable(files)
    order = sorted(files, key=lambda f: f.stat().st_size, reverse=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = dict(zip(order, pool.map(file_sha256, order), strict=True))
    return _fingerprint(files, root, {f: functools.partial(digests.__getitem__, f) for f in files})


def hash_in_background(data: bytes) -> Callable[[], str]:
    """Start hashing ``data`` on another thread; the returned call waits for the digest."""
    digest = hashlib.sha256()
    if len(data) < 1 << 20:
        digest.update(data)
        value = digest.hexdigest()
        return lambda: value
    worker = threading.Thread(target=digest.update, args=(data,), daemon=True)
    worker.start()

    def finish() -> str:
        worker.join()
        return digest.hexdigest()

    return finish
