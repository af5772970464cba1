"""Several languages of one report from one notebook execution (SPEC §10).

Planning makes one job per (partner, kind, language), so skip-unchanged, the manifest and
carry-over stay per language. Before execution, :func:`wbreport.jobs.group_languages` merges
the jobs of one (partner, period, kind) whose notebook declares ``languages`` into one job
(the first language's, with the others in ``Job.also``): the notebook runs once with
``languages=[...]`` and :mod:`wbreport.report.languages` renders each section in every
language, carrying the other languages' outputs in the output metadata. Each language's
notebook is then :func:`language_notebook` of the executed one, exported to its own HTML
page; :func:`wbreport.jobs.expand` gives back one (job, result) per language.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import nbformat

#: Output-metadata key of the other languages' outputs (:mod:`wbreport.report.languages`
#: writes them, :func:`language_notebook` reads them).
ALTERNATIVES = "wbreport/languages"


def _code_cells(nb: nbformat.NotebookNode) -> list[Any]:
    """Code cells counted as the analyst wrote them (the injected parameters not counted)."""
    return [
        c
        for c in nb.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]


def language_notebook(
    nb: nbformat.NotebookNode, lang: str
) -> tuple[nbformat.NotebookNode, tuple[int, str, str] | None]:
    """A copy of the executed ``nb`` showing the ``lang`` outputs only, as a one-language
    execution would have, and (cell number, exception, message) of the first section that
    failed in ``lang`` alone (``None`` when none did)."""
    from nbformat import from_dict

    own = copy.deepcopy(nb)
    failed: tuple[int, str, str] | None = None
    for number, cell in enumerate(_code_cells(own), 1):
        for output in cell.get("outputs", []):
            metadata = output.get("metadata")
            if not metadata or ALTERNATIVES not in metadata:
                continue
            other = metadata.pop(ALTERNATIVES).get(lang)
            if other is None:
                continue  # the cell's own language
            if "error" in other:
                error = other["error"]
                failed = failed or (number, str(error.get("ename")), str(error.get("evalue")))
                output["data"], output["metadata"] = from_dict({}), from_dict({})
            else:
                output["data"] = from_dict(other["data"])
                output["metadata"] = from_dict(other["metadata"])
    parameters = own.metadata.get("papermill", {}).get("parameters")
    if isinstance(parameters, dict):
        parameters["lang"] = lang
    return own, failed


__all__ = ["ALTERNATIVES", "language_notebook"]
