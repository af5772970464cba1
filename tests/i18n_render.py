"""Render a report notebook without a kernel, for the language tests.

The notebook's code cells are executed in-process, in order, with the parameters injected
after the ``parameters`` cell (as papermill does); what each cell displays (its last
expression's ``text/html`` or SVG) is collected into one HTML page. This is what
nbconvert shows too, minus the page template, so headings, captions, column headers and
chart alt texts can be compared across languages in a second instead of a kernel start.
"""

from __future__ import annotations

import ast
import base64
import html
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _display(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "_repr_mimebundle_"):
        bundle = value._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if "text/html" in data:
            return str(data["text/html"])
        if "image/svg+xml" in data:
            alt = html.escape(str(data.get("text/plain", "")), quote=True)
            uri = base64.b64encode(str(data["image/svg+xml"]).encode()).decode()
            return f'<img alt="{alt}" src="data:image/svg+xml;base64,{uri}">'
    if hasattr(value, "_repr_html_"):
        return str(value._repr_html_())
    return ""


def run_cells(notebook: Path, parameters: dict[str, Any]) -> list[str]:
    """The HTML each code cell of ``notebook`` displays, parameters injected."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, Any] = {"__name__": "__main__"}
    shown: list[str] = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        tree = ast.parse(source)
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        body = tree.body[:-1] if last is not None else tree.body
        exec(compile(ast.Module(body=body, type_ignores=[]), "<cell>", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
            shown.append(_display(value))
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            namespace.update(parameters)
    return shown


def render(notebook: Path, parameters: dict[str, Any]) -> str:
    """One page of everything the notebook displays (``<html lang>`` from ``lang``)."""
    body = "\n".join(run_cells(notebook, parameters))
    lang = html.escape(str(parameters.get("lang", "en")))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"></head>'
        f"<body>{body}</body></html>"
    )
