"""The run uses public APIs of papermill, nbclient, nbconvert and jupyter_client only; the
exporter's sanitising is wbreport's nh3 filter; kernel errors belong to the error family."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import nbformat

import wbreport
from wbreport.errors import KernelError, WbreportError
from wbreport.jobs import Status, _not_run
from wbreport.kernels import SPEC_NAME, write_kernel_spec
from wbreport.render import export_html

PACKAGE = Path(wbreport.__file__).parent
PRIVATE = (
    "NotebookExecutionManager",
    "clientwrap",
    "PapermillNotebookClient",
    "sys.modules[",
    "_init_resources",
    "_nb_metadata",
    "_kernel_spec",
    "_TrackingKernelManager",
)


def test_no_private_names_of_jupyter_libraries() -> None:
    used = {
        (path.name, name)
        for path in PACKAGE.rglob("*.py")
        for name in PRIVATE
        if re.search(rf"(?<![\w]){re.escape(name)}", path.read_text(encoding="utf-8"))
    }
    assert used == set()


def test_kernel_error_is_a_wbreport_error() -> None:
    assert issubclass(KernelError, WbreportError)
    assert not hasattr(sys.modules["wbreport.errors"], "ReportFailed")


def test_private_kernel_spec_runs_this_interpreter(tmp_path: Path) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    folder = write_kernel_spec(tmp_path / "kernels")
    manager = KernelSpecManager(kernel_dirs=[str(folder)], ensure_native_kernel=False)
    spec = manager.get_kernel_spec(SPEC_NAME)
    assert spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert spec.language == "python"
    assert json.loads((folder / SPEC_NAME / "kernel.json").read_text())["argv"] == spec.argv


HOSTILE = (
    '<p id="x">ok</p><script>alert(1)</script><img src="x" onerror="alert(2)">'
    '<a href="javascript:alert(3)">link</a><iframe src="https://evil.example"></iframe>'
    '<style>body{background:url("https://evil.example/t.png")}</style>'
)


def _notebook_with(html: str, markdown: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(
        "x",
        outputs=[
            nbformat.v4.new_output(
                "display_data", {"text/html": html, "text/plain": "x"}, metadata={}
            )
        ],
        execution_count=1,
    )
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown), cell])


def test_hostile_fragment_is_cleaned_in_the_exported_html() -> None:
    """nbconvert's sanitize_html is not what cleans reports (wbreport's template ignores it);
    the nh3 filter registered as clean_html is, for outputs and markdown cells alike."""
    page = export_html(_notebook_with(HOSTILE, "# Title\n\n" + HOSTILE), "Hostile <b>")
    body = page.split("</style>", 1)[1]  # after the report's own stylesheet
    for bad in ("<script", "onerror", "javascript:", "<iframe", "evil.example", "alert("):
        assert bad not in body, bad
    assert body.count(">ok</p>") == 2 and body.count(">link</a>") == 2
    assert "<title>Hostile &lt;b&gt;</title>" in page
    assert re.search(r"<h1[^>]*>Title", body)


def test_direction_controls_never_reach_a_page() -> None:
    """A title with a right-to-left override (U+202E) would read reversed ("Trojan Source"):
    the report, the index and the portal drop every explicit direction control."""
    from wbreport.render import without_direction_controls

    spoof = "Training \u202eFDP.exe\u202c and \u2067isolated\u2069"
    page = export_html(_notebook_with(f"<p>{spoof}</p>", f"# {spoof}"), spoof)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", page)
    assert page.count("Training FDP.exe and isolated") == 3  # title, heading, output
    assert without_direction_controls("\u0645\u0631\u062d\u0628\u0627 \u202bx") == (
        "\u0645\u0631\u062d\u0628\u0627 x"  # right-to-left letters themselves are kept
    )


def test_skipped_and_unrun_cells_make_a_report_incomplete() -> None:
    nb = _notebook_with("<p>1</p>", "# t")
    assert _not_run(nb) is None
    nb.cells.append(nbformat.v4.new_code_cell("y"))
    assert _not_run(nb) == 2
    assert Status.incomplete.value == "incomplete"


EXECUTION = ("kernels", "engine", "jobs", "cluster", "render", "pdf", "runtime")


def _imports(path: Path) -> set[str]:
    """Every ``wbreport`` module ``path`` imports, at module level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("wbreport")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wbreport"):
            module = str(node.module)
            names.add(module)
            names |= {f"{module}.{a.name}" for a in node.names}
    return names


def test_execution_modules_are_in_no_import_cycle() -> None:
    modules = {
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
        for p in PACKAGE.rglob("*.py")
    }
    graph = {
        name: {d for d in _imports(p) if d in modules and d != name} for name, p in modules.items()
    }
    for start in (f"wbreport.{m}" for m in EXECUTION):
        seen, todo = set(), list(graph[start])
        while todo:
            current = todo.pop()
            assert current != start, f"{start} imports itself through {sorted(seen)}"
            if current not in seen:
                seen.add(current)
                todo.extend(graph[current])
