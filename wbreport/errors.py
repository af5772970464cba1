"""One exception family for wbreport, carrying the fields messages and tests share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in the input: where it is, what is there, what is allowed.

    ``row`` is the row number as a spreadsheet shows it (header = row 1); ``None``
    when the problem concerns a whole table or file. ``labels`` name the two places:
    a table's row and column, or a YAML file's line and key (:data:`YAML_LABELS`).
    """

    source: str
    row: int | None
    column: str | None
    value: str | None
    allowed: str
    labels: tuple[str, str] = ("row", "column")

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", {self.labels[0]} {self.row}"
        if self.column:
            where += f", {self.labels[1]} {self.column!r}"
        shown = "" if self.value is None else f": value {_show(self.value)}"
        return f"{where}{shown} — {self.allowed}"


def problem_fields(problem: Problem) -> dict[str, object]:
    """A problem as JSON: its parts (``row`` and ``column`` are a YAML file's line and key)
    and the whole message as printed."""
    return {
        "source": problem.source,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "allowed": problem.allowed,
        "message": str(problem),
    }


def not_utf8(exc: UnicodeDecodeError) -> tuple[int, str]:
    """Where a file's bytes stop being UTF-8 (its line, from 1) and what to say about it; the
    caller adds how to save that kind of file."""
    data = exc.object
    return (
        data.count(b"\n", 0, exc.start) + 1,
        f"file must be UTF-8 encoded: byte 0x{data[exc.start]:02X} is not UTF-8 text"
        " (saved in another encoding)",
    )


#: The places of a problem in a YAML file (``defaults.yaml``, a narrative).
YAML_LABELS = ("line", "key")


def _show(value: str, limit: int = 60) -> str:
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(text)


class WbreportError(Exception):
    """Base of every error wbreport raises on purpose."""

    exit_code = 1


class UsageError(WbreportError):
    """Invalid command-line usage or parameter value (exit code 2)."""

    exit_code = 2


#: The forms of one period (SPEC §3), as usage errors list them.
PERIOD_FORMS = "use YYYY, YYYYH1, YYYYH2, YYYYQ1…YYYYQ4 or YYYY-MM"


class PeriodError(UsageError):
    """A period string that is not one of the accepted forms."""

    def __init__(self, value: str, reason: str | None = None) -> None:
        self.value = value
        super().__init__(
            f"invalid period {value!r}: {reason}"
            if reason
            else f"invalid period {value!r}: {PERIOD_FORMS}"
            " (a range is FROM:TO, e.g. 2019Q1:2021Q4)"
        )


class PartnerError(UsageError):
    """An unknown partner code."""

    def __init__(self, value: str) -> None:
        self.value = value
        super().__init__(f"unknown partner code {value!r}: allowed AL, BA, XK, ME, MK, RS, WB")


class ValidationError(WbreportError):
    """The data package (or a parameter file) has problems; all are listed."""

    exit_code = 2

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} found:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class LockedError(WbreportError):
    """Another run holds the output folder's lock (exit code 3)."""

    exit_code = 3


class KernelError(WbreportError):
    """A Jupyter kernel could not be started or prepared, or did not answer in time."""
