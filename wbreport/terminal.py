"""What the command line shows on a terminal: its consoles, the progress of a run, and
--help without a value placeholder after a flag."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from typer.core import TyperArgument, TyperCommand, TyperGroup


def console(stderr: bool = False, width: int | None = None) -> Console:
    """The commands' console. Markup is off unless a line asks for it, and then every text
    from outside (paths, data, a failed report's error) goes through escape(): "[/bold]" in
    an error message raised MarkupError and ended the run with a traceback."""
    return Console(stderr=stderr, width=width, highlight=False, soft_wrap=True, markup=False)


out = console()
err = console(stderr=True)


def _no_type(ctx: Any) -> None:
    return None


def _bare_flags(params: list[Any]) -> list[Any]:
    """No placeholder after a flag in --help: typer shows '<bool>' there, as if ``--force``
    took a value (``--force true`` is refused). An argument is named by its metavar
    (``FOLDER``), so typer's Python type after it (``<str>``) is left out too."""
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif isinstance(param, TyperArgument) and param.metavar:
            param.display_type_rich = _no_type
    return params


class Command(TyperCommand):
    """A command of wbreport: flags show no placeholder in --help."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _bare_flags(super().get_params(ctx))


class Group(TyperGroup):
    """The command group, its --help flag as the commands' are."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _bare_flags(super().get_params(ctx))


class ConsoleReporter:
    """Progress per report: a live bar on a terminal, one line per report always."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self.task: Any = None

    def message(self, text: str) -> None:
        err.print(f"[dim]{escape(text)}[/]", markup=True)

    def planned(self, jobs: list[Any], skipped: list[Any]) -> None:
        for result in skipped:  # (reports not asked for are carried over silently)
            if result.status.value == "skipped":
                err.print(
                    f"  [dim]- {escape(f'{result.stem} {result.period}')}  skipped (unchanged)[/]",
                    markup=True,
                )
        if jobs:
            self.progress.start()
            self.task = self.progress.add_task("rendering reports", total=len(jobs))

    def started(self, job: Any) -> None:
        if self.task is not None:
            self.progress.update(self.task, description=f"rendering {job.name}")

    def finished(self, job: Any, result: Any) -> None:
        ok = result.status.value == "ok"
        mark = "[green]✓[/]" if ok else "[red]✗[/]"
        detail = (
            "" if ok else f"  {result.error}" + (f" (cell {result.cell})" if result.cell else "")
        )
        err.print(
            f"  {mark} {escape(f'{job.name}  {result.status.value}')}  {result.seconds:.1f} s"
            + escape(detail),
            highlight=False,
            markup=True,
        )
        if self.task is not None:
            self.progress.advance(self.task)

    def close(self) -> None:
        self.progress.stop()
