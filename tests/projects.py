"""A temporary analyst project for run-level tests: params/ with a third report kind declared
in YAML only, and a minimal notebook that renders in a fraction of a second."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from wbreport.options import default_params

BRIEF = "brief"
BRIEF_TITLE = "{name} — brief {period}"
BRIEF_SOURCE = """\
import pathlib
from IPython.display import HTML, display

failure = pathlib.Path(params_dir) / f"fail-{partner}"
if failure.exists():
    raise RuntimeError(failure.read_text(encoding="utf-8"))
display(HTML(f"<h2>Brief</h2><p class='who'>{partner} {kind} {lang} {period}</p>"))
"""


def minimal_notebook(path: Path, *, with_lang: bool = True) -> Path:
    """A report notebook declaring the injected parameters (and ``kind``/``lang``)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    lines = [
        'partner = "AL"',
        "period = None",
        "data = None",
        'params_dir = "../params"',
        "prepared = None",
        'kind = "brief"',
    ]
    if with_lang:
        lines.append('lang = "en"')
    parameters = nbformat.v4.new_code_cell("\n".join(lines))
    parameters.metadata["tags"] = ["parameters"]
    source = BRIEF_SOURCE if with_lang else BRIEF_SOURCE.replace("{lang}", "en")
    nb.cells = [parameters, nbformat.v4.new_code_cell(source)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def brief_project(root: Path) -> Path:
    """A project folder whose defaults.yaml declares a third kind with two lines of YAML."""
    params = root / "params"
    shutil.copytree(default_params(), params)
    minimal_notebook(root / "notebooks" / f"{BRIEF}.ipynb")
    defaults = params / "defaults.yaml"
    lines = defaults.read_text(encoding="utf-8").splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line.startswith("  ") and "notebook:" in line)
    added = f'  {BRIEF}: {{notebook: notebooks/{BRIEF}.ipynb, title: "{BRIEF_TITLE}"}}\n'
    defaults.write_text("".join([*lines[: last + 1], added, *lines[last + 1 :]]), encoding="utf-8")
    return root
