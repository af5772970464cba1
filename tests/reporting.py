"""Helpers shared by tests that render reports: a failing notebook copy, parsing outputs."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

from wbreport.batch import default_notebook


def wbreport(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
    prefix: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """``python -m wbreport ARGS`` as a user runs it (``prefix``: a command it runs under,
    e.g. ``setpriv``), its output captured as text."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "wbreport", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def notebook_with_cell(tmp: Path, code: str, name: str = "report.ipynb") -> Path:
    """A copy of the report notebook with ``code`` inserted right after the parameters cell."""
    nb = nbformat.read(default_notebook(), as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / name
    nbformat.write(nb, path)
    return path


def notebook_with_cells(tmp: Path, cells: Sequence[str]) -> Path:
    """A copy of the report notebook with ``cells`` (code) right after the parameters cell."""
    path = notebook_with_cell(tmp, "pass")
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.source == "pass")
    nb.cells[at : at + 1] = [nbformat.v4.new_code_cell(code) for code in cells]
    nbformat.write(nb, path)
    return path


def read_indicators(folder: Path) -> list[dict[str, str]]:
    return list(
        csv.DictReader(io.StringIO((folder / "indicators.csv").read_text(encoding="utf-8")))
    )


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def jobs_by_partner(folder: Path, kind: str = "programming", lang: str = "en") -> dict[str, dict]:
    """Manifest jobs of one kind and language (default: the English programming reports)."""
    return {
        j["partner"]: j
        for j in read_manifest(folder)["jobs"]
        if j.get("kind", "programming") == kind and j.get("lang", "en") == lang
    }


def jobs_by_report(folder: Path) -> dict[tuple[str, str, str], dict]:
    """Every manifest job by (partner, kind, lang)."""
    return {(j["partner"], j["kind"], j["lang"]): j for j in read_manifest(folder)["jobs"]}
