"""notebooks/evaluation.ipynb executed by papermill in a real kernel (SPEC §8), for a
partner and the region, then exported as wbreport publishes it: no error cell, no code,
the title and every section present, within the size budget."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from wbreport.render import export_html

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "evaluation.ipynb"
SECTIONS = [
    "Key figures",
    "Highlights",
    "Satisfaction and usefulness",
    "Knowledge before and after",
    "Pass rate",
    "Follow-up: applying it at work",
    "Activities and their evaluation",
    "Trend",
    "Next steps",
]


def test_notebook_is_stored_without_outputs_and_declares_its_parameters() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    (parameters,) = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    for name in ("partner", "period", "data", "params_dir", "prepared", "lang", "kind"):
        assert f"\n{name} = " in f"\n{parameters.source}", name
    assert 'kind = "evaluation"' in parameters.source and 'lang = "en"' in parameters.source
    # no logic: after the opening cell, each cell is one call on the report
    for cell in code[2:]:
        assert cell.source.startswith("report.") and "\n" not in cell.source.strip()


@pytest.mark.parametrize("partner", ["AL", "WB"])
def test_notebook_runs_for_partner_and_region(partner: str, tmp_path: Path) -> None:
    import papermill

    out = tmp_path / f"{partner}.evaluation.ipynb"
    nb = papermill.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={"partner": partner, "params_dir": str(ROOT / "params")},
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
        kernel_name="python3",
    )
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    html = export_html(nb, "title")
    page = BeautifulSoup(html, "html.parser")
    name = "Albania" if partner == "AL" else "Western Balkans"
    assert page.h1.get_text() == f"{name} — training evaluation Q4 2021"
    headings = [h.get_text() for h in page.find_all("h2")]
    assert [h for h in headings if h in SECTIONS] == SECTIONS
    assert ("Partners compared" if partner == "WB" else "Compared with the region") in headings
    assert "open_evaluation" not in html and not re.search(r"report\.\w+\(", html)
    assert page.find("table", class_="key-figures").select("td[data-indicator]")
    images = page.find_all("img")
    assert len(images) >= (4 if partner == "WB" else 3)
    assert all(img["alt"].strip() for img in images)
    assert not page.find("script")
    assert len(html.encode()) <= 150 * 1024
