"""Notebook parameters: what a notebook declares, and checks before any kernel starts (§7)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from wbreport.errors import UsageError
from wbreport.files import NotRegularFile, regular_file_size

INJECTED = ("partner", "period", "data", "params_dir", "prepared")
"""Parameters ``wbreport run`` sets for every report."""
OPTIONAL_INJECTED = ("kind", "lang", "languages")
"""Parameters set only when the notebook declares them (a notebook without ``lang``
renders English only; with ``languages``, one execution renders all of a report's
languages)."""

#: The option of ``wbreport run`` that sets each injected parameter.
SET_BY = {
    "partner": "--partners",
    "period": "--period",
    "data": "--data",
    "params_dir": "--params",
    "prepared": "--data",
    "kind": "--kinds",
    "lang": "--lang",
    "languages": "--lang",
}

MAX_NOTEBOOK_BYTES = 128 * 1024**2
"""Largest notebook file read (a report notebook is a few hundred KB; reading a 3 GB one
whole took the machine's memory)."""


def check_notebook_file(notebook: Path, what: str) -> None:
    """Refuse, before anything reads it, a notebook that is missing, not a regular
    ``.ipynb`` file (a FIFO would block, /dev/zero never end) or too large."""
    try:
        size = regular_file_size(notebook)
    except NotRegularFile as exc:
        raise UsageError(f"{what} {notebook} is not a regular file ({exc.kind})") from None
    except OSError:
        raise UsageError(f"{what} not found: {notebook}") from None
    if notebook.suffix.lower() != ".ipynb":
        raise UsageError(f"{what} {notebook} is not a Jupyter notebook (.ipynb)")
    if size > MAX_NOTEBOOK_BYTES:
        raise UsageError(
            f"{what} {notebook} is too large ({size:,} bytes; the limit is "
            f"{MAX_NOTEBOOK_BYTES:,}): clear its outputs"
        )


def _python_cells(notebook: Path) -> list[Any]:
    """The cells of ``notebook`` as its JSON holds them; none for a notebook in another
    kernel language. Raises ``OSError``, ``ValueError`` or ``AttributeError`` for a file
    that is no notebook."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    if nb.get("nbformat") != 4:  # papermill and nbclient read version 4 only
        raise UsageError(
            f"{notebook.name} is a notebook of format {nb.get('nbformat')!r}, not 4: open it "
            f"in JupyterLab and save it, which writes format 4 ({notebook})"
        )
    language = nb.get("metadata", {}).get("kernelspec", {}).get("language") or "python"
    return nb.get("cells", []) if language == "python" else []


def _source(cell: dict[str, Any]) -> str:
    """A cell's source, which a notebook file holds as one text or a list of lines."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """Names assigned in the cell tagged ``parameters`` (papermill's rule), read with
    ``json`` and ``ast`` so that a run with nothing to render does not import papermill."""
    import ast

    try:
        cells = [
            c
            for c in _python_cells(notebook)
            if "parameters" in c.get("metadata", {}).get("tags", [])
        ]
        if cells:
            tree = ast.parse(_source(cells[0]))
            names: dict[str, Any] = {}
            for node in tree.body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else [node.target]
                    if isinstance(node, ast.AnnAssign)
                    else []
                )
                default = _literal_default(node)
                names.update(
                    {t.id: {"name": t.id, **default} for t in targets if isinstance(t, ast.Name)}
                )
            return names
    except (OSError, ValueError, SyntaxError, AttributeError, RecursionError):
        pass  # papermill gives the precise message below
    import papermill as pm

    try:
        return dict(pm.inspect_notebook(str(notebook)))
    except Exception as exc:
        raise UsageError(f"cannot read notebook {notebook}: {exc}") from None


def _literal_default(node: Any) -> dict[str, Any]:
    """``{"default": value}`` when an assignment's value is a literal, else ``{}``: the
    default's type types ``--param`` values."""
    import ast

    value = getattr(node, "value", None)
    if value is None:  # an annotation without a value
        return {}
    try:
        return {"default": ast.literal_eval(value)}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return {}


def check_parameters(notebook: Path, given: dict[str, Any]) -> dict[str, Any]:
    """Refuse names not declared in the notebook's parameters cell (papermill only warns).

    Returns the declared parameters.
    """
    declared = declared_parameters(notebook)
    if not declared:
        raise UsageError(f"{notebook} has no cell tagged 'parameters'")
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise UsageError(
            f"unknown notebook parameter(s) {', '.join(map(repr, unknown))}; "
            f"{notebook.name} declares: {', '.join(declared)}"
        )
    return declared


#: nbclient's tag of cells it does not run (``NotebookClient.skip_cells_with_tag``).
SKIPPED_TAG = "skip-execution"


def check_cells(notebook: Path) -> None:
    """Refuse a notebook with a code cell that is not valid Python before any kernel starts:
    an edit left unfinished (``report.key_figures((``) failed every report after the
    kernels ran, each with a line naming a temporary file of the kernel. A cell that Python
    alone refuses is read again as IPython runs it (magics, ``!command``) before it is
    refused. Cells are numbered as failed reports name them: code cells, from 1."""
    try:
        cells = [c for c in _python_cells(notebook) if c.get("cell_type") == "code"]
    except (OSError, ValueError, AttributeError, RecursionError):
        return  # declared_parameters names what is wrong with the file
    for number, cell in enumerate(cells, 1):
        if SKIPPED_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        error = _syntax_error(_source(cell))
        if error is not None:
            line = f", line {error.lineno}" if error.lineno else ""
            raise UsageError(
                f"{notebook.name}, code cell {number}{line}: not valid Python ({error.msg}):"
                f" fix the cell and run again ({notebook})"
            )


def _syntax_error(source: str) -> SyntaxError | None:
    """Why ``source`` is not a cell IPython can run, or ``None``."""
    import ast

    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT  # IPython awaits at top level
    try:
        compile(source, "<cell>", "exec", flags=flags, dont_inherit=True)
        return None
    except SyntaxError:
        pass
    except (ValueError, RecursionError, MemoryError):
        return None  # (a NUL byte, nesting too deep): the kernel reports it
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        compile(TransformerManager().transform_cell(source), "<cell>", "exec", flags=flags)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError):
        pass
    return None


_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


def typed_parameters(declared: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``given`` (text from ``--param NAME=VALUE``) typed like each name's default in the
    notebook: a whole number, a finite number or true/false where the default is one;
    text otherwise. A value that is not of its default's type is refused (exit 2) before
    any kernel starts, instead of reaching the notebook as text ("abc" for a count)."""
    typed = {}
    for name, value in given.items():
        default = declared.get(name, {}).get("default")
        if not isinstance(value, str) or default is None or isinstance(default, str):
            typed[name] = value
            continue
        text = value.strip()
        if isinstance(default, bool):
            if text.lower() not in ("true", "false"):
                raise UsageError(f"parameter {name!r} takes true or false, got {value!r}")
            typed[name] = text.lower() == "true"
        elif isinstance(default, int):
            if not _WHOLE.fullmatch(text):
                raise UsageError(f"parameter {name!r} takes a whole number, got {value!r}")
            typed[name] = int(text)
        elif isinstance(default, float):
            number = float(text) if _DECIMAL.fullmatch(text) else math.nan
            if not math.isfinite(number):
                raise UsageError(f"parameter {name!r} takes a number, got {value!r}")
            typed[name] = number
        else:  # a list, a dict...: the notebook's own business; passed as text
            typed[name] = value
    return typed


def check_value(name: str, value: Any) -> None:
    """Refuse a parameter value that is not one line of text or a number."""
    if not isinstance(value, str | int | float | bool) and value is not None:
        raise UsageError(f"parameter {name!r} must be text or a number")
    if isinstance(value, str) and ("\n" in value or "\r" in value or "\0" in value):
        raise UsageError(f"parameter {name!r} must be one line of text")


def check_extra(parameters: dict[str, Any]) -> None:
    """Values of ``--param`` are safe and none of them is one wbreport sets itself."""
    for name, value in parameters.items():
        check_value(name, value)
    clash = [name for name in (*INJECTED, *OPTIONAL_INJECTED) if name in parameters]
    if clash:
        instead = sorted({SET_BY[name] for name in clash})
        raise UsageError(
            f"parameter(s) {', '.join(clash)} are set by wbreport run itself; use "
            + " and ".join(instead)
            + " instead"
        )


__all__ = [
    "INJECTED",
    "MAX_NOTEBOOK_BYTES",
    "OPTIONAL_INJECTED",
    "check_cells",
    "check_extra",
    "check_notebook_file",
    "check_parameters",
    "check_value",
    "declared_parameters",
    "typed_parameters",
]
