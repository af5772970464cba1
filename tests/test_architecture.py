"""The habits of docs/architecture.md, checked: modules without import cycles (imports inside
functions included), short files, simple functions, docstrings on public functions, and only
public APIs of papermill, nbclient, nbconvert and jupyter_client."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from radon.complexity import cc_visit

PACKAGE = Path(__file__).resolve().parent.parent / "wbreport"
MAX_LINES = 600
MAX_COMPLEXITY = 15
# Private names of the notebook stack that the first version used and an upgrade may break.
PRIVATE = (
    "NotebookExecutionManager",
    "clientwrap",
    "_init_resources",
    "_nb_metadata",
    "_kernel_spec",
)


def sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "sample_data" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """wbreport modules that ``path`` imports anywhere (module level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            # the deepest known module the name refers to
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != this:
                found.add(name)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_among_wbreport_modules() -> None:
    known = {module_name(p) for p in sources()}
    # a package's __init__ re-exporting its submodules is not a cycle of concerns
    graph = {
        module_name(p): {
            m for m in imported_modules(p, known) if not m.startswith(module_name(p) + ".")
        }
        for p in sources()
    }
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_file_above_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines"


def test_no_function_above_complexity_15() -> None:
    complex_ = [
        f"{path.relative_to(PACKAGE)}:{block.lineno} {block.fullname} ({block.complexity})"
        for path in sources()
        for block in cc_visit(path.read_text(encoding="utf-8"))
        if block.complexity > MAX_COMPLEXITY
    ]
    assert complex_ == []


def test_public_functions_have_docstrings() -> None:
    missing = []
    for path in sources():
        if path.name.startswith("_") and path.name != "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            public = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if public and not node.name.startswith("_") and ast.get_docstring(node) is None:
                missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert missing == []


def test_only_public_apis_of_the_notebook_stack() -> None:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, PRIVATE)) + r")\b")
    used = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]
    assert used == []


def test_no_module_shadows_the_standard_library() -> None:
    import sys

    shadowing = [
        module_name(p)
        for p in sources()
        if module_name(p).count(".") == 1
        and module_name(p).split(".")[1] in sys.stdlib_module_names
    ]
    assert shadowing == []


def test_importing_wbreport_does_not_import_pandas() -> None:
    import subprocess
    import sys

    code = "import sys, wbreport; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_kernels_start_before_the_runner_imports_pandas(tmp_path) -> None:
    """``wbreport run`` starts its kernels as soon as it holds the lock; pandas (half a
    second to import) comes after, while they start. The portal check before the lock
    imported it through ``wbreport.portal`` and delayed every run's kernels by that much."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from wbreport.options import RunOptions\n"
        "from wbreport.pipeline import Pipeline\n"
        "def early(self):\n"
        "    print('pandas' in sys.modules)\n"
        "    raise SystemExit(0)\n"
        "Pipeline._start_kernels_early = early\n"
        "Pipeline(RunOptions(out=Path(sys.argv[1]), force=True)).run()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False", out.stderr
