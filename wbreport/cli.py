"""Command line: a thin typer shell over the library (SPEC §6)."""

from __future__ import annotations

import json
import logging
import shlex
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.markup import escape

from wbreport.errors import Problem, UsageError, ValidationError, WbreportError, problem_fields
from wbreport.terminal import Command, ConsoleReporter, Group, console, err, out

app = typer.Typer(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    help="Render the programme's periodic reports from a data package.",
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from wbreport import __version__

        out.print(f"wbreport {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_print_version,
            help="Print wbreport's version and exit.",
        ),
    ] = False,
) -> None:
    """Options of wbreport itself, before the command."""


T = TypeVar("T")

DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        metavar="PATH",
        help="CSV folder, .xlsx workbook or SQLite file (default: built-in sample).",
    ),
]


class Format(StrEnum):
    """Output formats of ``wbreport indicators``."""

    csv = "csv"
    json = "json"
    table = "table"


def _guard(
    action: Callable[[], T], as_json: bool = False, summary: dict[str, Any] | None = None
) -> T:
    """Run ``action``; turn wbreport errors into a message and their exit code (and, with
    ``as_json``, a JSON summary on stdout: ``summary``'s fields, by default a run's)."""
    try:
        return action()
    except ValidationError as exc:
        err.print(f"[bold red]invalid input[/]: {len(exc.problems)} problem(s)", markup=True)
        for problem in exc.problems:
            err.print(f"  - {problem}", markup=False)
        _json_error(as_json, exc.exit_code, [str(p) for p in exc.problems], summary, exc.problems)
        raise typer.Exit(exc.exit_code) from None
    except WbreportError as exc:
        _fail(str(exc), exc.exit_code, as_json, summary)
    except MemoryError:
        message = "not enough memory for this input: use a machine with more memory"
        _fail(message, 2, as_json, summary)
    except OSError as exc:  # a path the system refuses: too long, looping links, I/O error
        _fail(_os_message(exc), 2, as_json, summary)


def _fail(
    message: str, code: int, as_json: bool, summary: dict[str, Any] | None = None
) -> NoReturn:
    """Print ``error: message`` (and the JSON summary), then exit with ``code``."""
    _say_error(message, code, as_json, summary)
    raise typer.Exit(code) from None


def _say_error(
    message: str, code: int, as_json: bool, summary: dict[str, Any] | None = None
) -> None:
    err.print(f"error: {message}", markup=False)
    _json_error(as_json, code, [message], summary)


def _os_message(exc: OSError) -> str:
    """One line for an operating-system error: the path (cut short) and the reason."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    name = str(exc.filename)
    shown = name if len(name) <= 120 else name[:60] + "…" + name[-40:]
    return f"{shown}: {reason}"


def _json_error(
    as_json: bool,
    code: int,
    errors: list[str],
    summary: dict[str, Any] | None = None,
    problems: Sequence[Problem] = (),
) -> None:
    """With ``as_json``, the JSON summary of a command that failed: the exit code, each
    error as a line, each problem of the input by its parts, and ``summary``'s fields
    (by default a run's: no period)."""
    if as_json:
        _print_json(
            {
                "exit_code": code,
                "errors": errors,
                "problems": [problem_fields(p) for p in problems],
                **({"periods": []} if summary is None else summary),
            }
        )


def _print_json(summary: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")


@app.command(cls=Command)
def validate(
    data: DataOpt = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the result as JSON on stdout: each problem's file, row, column, "
            "value and what is allowed, or each table's rows.",
        ),
    ] = False,
) -> None:
    """Check a data package and list every problem (exit 2 if any)."""
    from wbreport.package import load_package
    from wbreport.schema import TABLES

    source = str(data) if data is not None else "sample"
    package = _guard(lambda: load_package(data), as_json, {"source": source, "tables": {}})
    rows = {table.name: len(getattr(package, table.name)) for table in TABLES}
    if as_json:
        _print_json(
            {"exit_code": 0, "errors": [], "problems": [], "source": source, "tables": rows}
        )
        return
    out.print(f"[green]valid[/] data package {escape(str(package.source))}", markup=True)
    for name, count in rows.items():
        out.print(f"  {name:<21} {count:>9,} rows")


@app.command(cls=Command)
def indicators(
    period: Annotated[
        str,
        typer.Option(
            "--period", metavar="PERIOD", help="Period, e.g. 2020Q4, 2020H2, 2020, 2020-11."
        ),
    ],
    data: DataOpt = None,
    partner: Annotated[
        str | None, typer.Option("--partner", metavar="CODE", help="One partner code.")
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", metavar="csv|json|table", help="Output format.")
    ] = Format.csv,
    params: Annotated[
        Path | None,
        typer.Option(
            "--params",
            metavar="FOLDER",
            help="Folder with defaults.yaml (default: ./params if any).",
        ),
    ] = None,
    suppress: Annotated[
        bool,
        typer.Option(
            "--suppress",
            help="Leave out evaluation figures resting on fewer respondents than "
            "min_respondents of defaults.yaml, as published files do; default: raw values "
            "for the analyst.",
        ),
    ] = False,
) -> None:
    """Print the indicator table for one period (raw values unless --suppress).

    As csv: the columns of indicators.csv, with to-date figures and custom indicators.
    """
    from wbreport.indicator_output import indicators_json, indicators_rich_table
    from wbreport.targets import csv_text, formatted, published

    def build() -> tuple[Any, int]:
        from wbreport.config import load_settings
        from wbreport.indicators import indicator_table
        from wbreport.package import load_package
        from wbreport.partners import parse_partners

        p = _one_period(period)
        if partner is not None and not partner.strip():  # not "every partner"
            raise UsageError("--partner names no partner; give one code such as AL")
        if partner and "," in partner:
            raise UsageError("--partner takes one code")
        partners = parse_partners(partner) if partner else None
        if params is not None and not params.is_dir():
            raise UsageError(f"--params: {params} is not a folder")
        folder = params if params is not None else Path("params")
        settings = load_settings(folder if folder.is_dir() else None)
        table = indicator_table(load_package(data), p, settings)
        if partners is not None:
            table = table[table["partner"].isin(partners)].reset_index(drop=True)
        return (published(table) if suppress else table), settings.min_respondents

    table, threshold = _guard(build)
    if fmt is Format.csv:
        sys.stdout.write(csv_text(formatted(table)))
    elif fmt is Format.json:
        sys.stdout.write(indicators_json(table) + "\n")
    else:
        grid = indicators_rich_table(table, f"Indicators {period}", threshold)
        # Never narrower than the figures: a narrow terminal (or 80 columns in a pipe) made
        # rich cut numbers to "…"; a wide table wraps in the terminal instead.
        natural = out.measure(grid, options=out.options.update(max_width=10_000)).maximum
        console(width=max(out.width, natural)).print(grid)


@app.command(cls=Command)
def run(
    data: DataOpt = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            metavar="PERIOD",
            help="Period or range FROM:TO (default: latest quarter with a delivered activity).",
        ),
    ] = None,
    partners: Annotated[
        str | None,
        typer.Option("--partners", metavar="CODES", help="Codes, e.g. AL,RS,WB (default all)."),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", metavar="FOLDER", help="Output folder.")] = Path(
        "outputs"
    ),
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            metavar="N",
            min=0,
            show_default=False,
            help="Parallel kernels (default: CPU count).",
        ),
    ] = 0,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            metavar="local|dask",
            help="Where reports run: kernels on this machine, or a dask cluster.",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", metavar="ADDRESS", help="dask scheduler address.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-render unchanged reports too.")
    ] = False,
    notebook: Annotated[
        Path | None, typer.Option("--notebook", metavar="FILE", help="Report notebook.")
    ] = None,
    params: Annotated[
        Path | None,
        typer.Option(
            "--params", metavar="FOLDER", help="Folder with defaults.yaml and narratives."
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="NAME=VALUE",
            help="Extra notebook parameter NAME=VALUE (must be declared in the notebook).",
        ),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print each report to PDF with headless Chromium.")
    ] = False,
    fresh_kernels: Annotated[
        bool,
        typer.Option(
            "--fresh-kernels",
            help="Start a new kernel for every report instead of resetting a warm one.",
        ),
    ] = False,
    kinds: Annotated[
        str | None,
        typer.Option(
            "--kinds",
            metavar="KINDS",
            help="Report kinds, e.g. programming,evaluation (default all).",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="LANGS",
            help="Languages for every partner, e.g. en,sr-Cyrl (default: per partner).",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print one JSON summary of the run on stdout (only that)."),
    ] = False,
) -> None:
    """Render every report for a period and publish the set atomically."""
    from wbreport.options import RunOptions
    from wbreport.pipeline import plan_and_run

    def start() -> Any:
        extra = {}
        for item in param or []:
            name, sep, value = item.partition("=")
            if not sep or not name.isidentifier():
                raise UsageError(f"--param takes NAME=VALUE, got {item!r}")
            extra[name] = value
        options = RunOptions(
            data=data,
            period=period,
            partners=_partner_list(partners),
            kinds=_names(kinds, "--kinds"),
            languages=_names(lang, "--lang"),
            out=out_dir,
            jobs=jobs,
            executor=executor,
            scheduler=scheduler,
            force=force,
            notebook=notebook,
            params_dir=params,
            parameters=extra,
            reuse_kernels=not fresh_kernels,
            pdf=pdf,
        )
        reporter = ConsoleReporter()
        # Each job's outcome is reported once, by the reporter and in its log; nbclient's own
        # "Kernel died while waiting..." would repeat it without saying which report.
        for name in ("papermill", "wbreport.engine"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            return plan_and_run(options, reporter)
        finally:
            reporter.close()

    try:
        result = _guard(start, as_json)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (wbreport.runtime.Terminated)
        code = getattr(exc, "exit_code", 130)
        message = "interrupted: kernels stopped; the last published reports are unchanged"
        err.print(message)
        _json_error(as_json, code, [message])  # the summary's usual shape
        raise typer.Exit(code) from None
    for p in result.periods:
        failed = p.failed
        summary = f"{len(p.results) - len(failed)} of {len(p.results)} reports published"
        if failed:
            summary += "; failed: " + ", ".join(f"{r.stem}" for r in failed)
        err.print(f"{p.period}: {summary}")
        if not as_json:
            out.print(str(p.folder / "index.html"))
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n")
    raise typer.Exit(result.exit_code)


def _names(text: str | None, option: str) -> list[str] | None:
    """A comma-separated option as a list (``None`` when not given; exit 2 when empty)."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError(f"{option} names nothing; give comma-separated names")
    return names


def _one_period(text: str) -> Any:
    """``--period`` of a command that takes one period (a range is for ``run``)."""
    from wbreport.errors import PERIOD_FORMS, PeriodError
    from wbreport.periods import parse_period

    if ":" in text:
        raise PeriodError(text, "this command takes one period; a range FROM:TO is for run")
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise PeriodError(text, PERIOD_FORMS) from exc


def _partner_list(text: str | None) -> list[str]:
    from wbreport.partners import parse_partners

    if text is not None and not [c for c in text.split(",") if c.strip()]:
        raise UsageError("--partners names no partner; give codes such as AL,RS,WB")
    return parse_partners(text)


@app.command("demo-data", cls=Command)
def demo_data(
    out_dir: Annotated[
        Path, typer.Option("--out", metavar="FOLDER", help="Folder to write the CSV package into.")
    ],
    scale: Annotated[
        int,
        typer.Option(
            "--scale",
            metavar="N",
            min=1,
            max=10_000,  # 10 million rows: above, the files pass the 2 GiB per-file limit
            help="1 ≈ 1,000 participation rows (at most 10,000).",
        ),
    ] = 1,
    seed: Annotated[
        int,
        typer.Option("--seed", metavar="N", min=0, help="Random seed ≥ 0 (same seed, same files)."),
    ] = 0,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Generate a valid synthetic package of any size (ten tables; same seed, same files)."""
    from wbreport.demo import check_target, generate, write_package

    def write() -> list[Path]:
        check_target(out_dir, force)  # before generating: refuse fast, overwrite nothing
        try:
            tables = generate(scale=scale, seed=seed)
        except MemoryError:
            raise UsageError(
                f"not enough memory to generate --scale {scale:,}: choose a smaller scale"
            ) from None
        return write_package(tables, out_dir)

    for path in _guard(write):
        out.print(f"wrote {path}")


@app.command(cls=Command)
def template(
    out_file: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Workbook to write, e.g. data.xlsx.")
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write an empty data-collection workbook (one sheet per table, drop-downs, instructions)."""
    from wbreport.template import write_template

    path = _guard(lambda: write_template(out_file, force))
    out.print(f"wrote {path}")
    err.print(f"fill it in, then check it with: wbreport validate --data {path}")


@app.command(cls=Command)
def init(
    # Text, not Path: typer reads "" as the current folder, and an unset variable of a
    # script (`wbreport init "$DIR"`) must not fill the folder the script runs in.
    folder: Annotated[
        str, typer.Argument(metavar="FOLDER", help="Project folder to create (empty or new).")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Copy the report notebooks and params into a folder to edit; run there uses them."""
    from wbreport.project import init_project

    if not folder.strip():
        _fail(
            "the project folder is empty: give a folder, '.' for this one" + UNSET_HINT,
            2,
            False,
        )
    for path in _guard(lambda: init_project(Path(folder), force)):
        out.print(f"wrote {path}")
    err.print(
        f"edit the notebooks and params there, then: cd {shlex.quote(folder)} && wbreport run "
        "(or open notebooks/report.ipynb in JupyterLab)"
    )


def main() -> None:
    """Entry point of the ``wbreport`` command.

    Errors in the command line itself (an unknown option, a value of the wrong type, a path
    that cannot be read) are one line, ``error: …``, like every other error, and exit 2:
    a scheduler's log keeps the whole path on that line (the boxed form wraps it), and with
    ``--json`` stdout still carries the summary.
    """
    empty = _empty_option(sys.argv[1:])
    if empty is not None:
        _say_error(
            f"{empty} is empty: give a value or leave the option out" + UNSET_HINT,
            2,
            _wants_json(),
        )
        sys.exit(2)
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except Exception as exc:
        # click's exceptions (bundled in typer since 0.26): an exit code and a message
        status, message = getattr(exc, "exit_code", None), getattr(exc, "format_message", None)
        if not isinstance(status, int) or message is None:
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain "wbreport": the help
            text = message()  # typer's rich help prints itself and returns ""
            if text.strip():
                out.print(text, markup=False)
        else:
            context = getattr(exc, "ctx", None)
            command = getattr(context, "command_path", None) or "wbreport"
            reason = message().rstrip(".")
            _say_error(f"{reason} (see '{command} --help')", status, _wants_json())
        sys.exit(status)
    sys.exit(code or 0)


#: Why a value on the command line may be empty, said after an empty one is refused.
UNSET_HINT = " (is a variable of the calling script unset?)"

#: Options whose empty value (``--out "$OUT"`` with ``OUT`` unset) the parser would take as
#: the current folder (paths) or as "not given" (the rest): a run writing into whatever
#: folder a scheduler starts in, or rendering another period than meant.
NOT_EMPTY = (
    "--data", "--out", "--params", "--notebook", "--period", "--partners", "--kinds", "--lang",
    "--format", "--partner", "--executor", "--scheduler",
)  # fmt: skip


def _empty_option(args: list[str]) -> str | None:
    """The first option of :data:`NOT_EMPTY` given an empty value (``--out ""`` or
    ``--out=``), or ``None``."""
    for position, arg in enumerate(args):
        if arg == "--":
            return None
        name, equals, value = arg.partition("=")
        if name not in NOT_EMPTY:
            continue
        if not equals:
            if position + 1 >= len(args):
                continue  # the parser reports the missing value
            value = args[position + 1]
        if not value.strip():
            return name
    return None


def _wants_json() -> bool:
    """Whether the command line asks for the JSON summary (even one that did not parse)."""
    return "--json" in sys.argv[1:]
