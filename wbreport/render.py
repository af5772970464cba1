"""HTML export of executed notebooks and the landing page of a published set.

The exporter is configured in code rather than by command-line flags: with
``--execute`` nbconvert ignores ``TagRemovePreprocessor`` (nbconvert#1300), and
``sanitize_html`` is off by default (CVE-2021-32862). wbreport's template hides all
code, prompts, streams and errors and routes every HTML output through
:func:`wbreport.fragments.sanitize`.
"""

from __future__ import annotations

import base64
import re
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from wbreport.fragments import sanitize

if TYPE_CHECKING:  # nbconvert is imported when the first exporter is built
    import nbformat
    from nbconvert import HTMLExporter

REMOVE_TAGS = ("parameters", "injected-parameters", "remove_cell")


def _package_dir(*parts: str) -> Path:
    return Path(str(resources.files("wbreport").joinpath(*parts)))


def stylesheet() -> str:
    return _package_dir("resources", "report.css").read_text(encoding="utf-8")


def _svg_base64(svg: str | bytes) -> str:
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    return base64.b64encode(data).decode("ascii")


def _clean_base64(data: str) -> str:
    return re.sub(r"[^A-Za-z0-9+/=]", "", data)


def make_exporter() -> HTMLExporter:
    """An HTML exporter with wbreport's template, tag removal and sanitising switched on."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.sanitize_html = True
    # Validate the notebook once after all preprocessors, not after each of the twelve.
    config.HTMLExporter.optimistic_validation = True
    exporter = _lean_exporter_class(HTMLExporter)(
        config=config,
        template_name="wbreport",
        extra_template_basedirs=[str(_package_dir("templates"))],
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    exporter.register_filter("clean_html", sanitize)
    exporter.register_filter("svg_base64", _svg_base64)
    exporter.register_filter("clean_base64", _clean_base64)
    return exporter


def _lean_exporter_class(base: Any) -> Any:
    """``HTMLExporter`` without its final pass, which re-parses and re-serialises the whole
    page with BeautifulSoup (over half of the export time) only to add a generic ``alt`` to
    ``<img>`` tags lacking one and ``tabindex`` to JupyterLab cell classes. wbreport's
    template writes every ``<img>`` with its chart's alt text and has no such classes."""
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class LeanHTMLExporter(base):
        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            # HTMLExporter.from_notebook_node up to its call of the template exporter.
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter(
                "highlight_code",
                self.filters.get(
                    "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
                ),
            )
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources
                ),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return LeanHTMLExporter


_shared: list[Any] = []  # the process's exporter, built once
_shared_lock = threading.RLock()


def prewarm() -> None:
    """Build the exporter and compile its templates ahead of the first report
    (``wbreport run`` does this in the background while kernels start)."""
    import nbformat

    tiny = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# warm-up"),
            nbformat.v4.new_code_cell(
                "1",
                outputs=[
                    nbformat.v4.new_output(
                        "execute_result",
                        {"text/html": "<p>1</p>", "image/svg+xml": "<svg></svg>"},
                        metadata={"image/svg+xml": {"alt": "warm-up"}},
                        execution_count=1,
                    )
                ],
            ),
        ]
    )
    with _shared_lock:
        exporter().from_notebook_node(
            tiny, resources={"wbreport": {"title": "", "css": "", "version": ""}}
        )


def exporter() -> HTMLExporter:
    """The exporter, built once per process and reused for every report. Exports take a
    hundredth of a second and hold the GIL anyway: the threads of a run share it, in turn
    (hold ``_shared_lock`` while using it)."""
    with _shared_lock:
        if not _shared:
            _shared.append(make_exporter())
        return _shared[0]


def export_html(nb: nbformat.NotebookNode, title: str) -> str:
    """The standalone HTML of an executed report notebook."""
    from wbreport import __version__

    meta: dict[str, Any] = {"title": title, "css": stylesheet(), "version": __version__}
    with _shared_lock:
        body, _ = exporter().from_notebook_node(nb, resources={"wbreport": meta})
    return body


def _index_env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(_package_dir("templates"))),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_index(context: dict[str, Any]) -> str:
    """The landing page of a published period (escaped Jinja2 template)."""
    env = _index_env()
    return env.get_template("index.html.j2").render(css=stylesheet(), **context)
