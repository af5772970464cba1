"""HTML export of executed notebooks and the landing page of a published set.

The exporter is configured in code rather than by command-line flags: with
``--execute`` nbconvert ignores ``TagRemovePreprocessor`` (nbconvert#1300). wbreport's
template hides all code, prompts, streams and errors and routes every HTML output and
markdown cell through :func:`wbreport.fragments.sanitize` (nh3) — that, not nbconvert's
``sanitize_html`` (off by default, CVE-2021-32862, and read only by nbconvert's own
templates), is what cleans a report.
"""

from __future__ import annotations

import base64
import re
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from wbreport import fragments
from wbreport.fragments import sanitize

if TYPE_CHECKING:  # nbconvert is imported when the first exporter is built
    import nbformat
    from nbconvert.exporters import TemplateExporter

REMOVE_TAGS = ("parameters", "injected-parameters", "remove_cell")


def _package_dir(*parts: str) -> Path:
    return Path(str(resources.files("wbreport").joinpath(*parts)))


def stylesheet() -> str:
    """The report stylesheet, inlined into every page."""
    return _package_dir("resources", "report.css").read_text(encoding="utf-8")


def _svg_base64(svg: str | bytes) -> str:
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    return base64.b64encode(data).decode("ascii")


def _clean_base64(data: str) -> str:
    return re.sub(r"[^A-Za-z0-9+/=]", "", data)


def make_exporter() -> TemplateExporter:
    """An HTML exporter with wbreport's template, tag removal and sanitising switched on."""
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    config.TemplateExporter.exclude_input = True
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    # No ``sanitize_html``: nbconvert's option only sets ``resources.should_sanitize_html``,
    # which its lab and classic templates read; wbreport's template ignores it and pipes every
    # HTML output and markdown cell through ``clean_html``, registered below as the nh3
    # allow-list sanitiser of wbreport.fragments. That filter is what cleans reports.
    # Validate the notebook once after all preprocessors, not after each of the twelve.
    config.TemplateExporter.optimistic_validation = True
    exporter = _exporter_class()(
        config=config,
        template_name="wbreport",
        extra_template_basedirs=[str(_package_dir("templates"))],
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    exporter.register_filter("clean_html", sanitize)
    exporter.register_filter("svg_base64", _svg_base64)
    exporter.register_filter("clean_base64", _clean_base64)
    return exporter


def _exporter_class() -> type[TemplateExporter]:
    """The report exporter: a ``TemplateExporter`` with ``HTMLExporter``'s markdown rendering.

    Not ``HTMLExporter`` itself: its ``from_notebook_node`` re-parses and re-serialises the
    whole page with BeautifulSoup (over half of the export time) only to add a generic
    ``alt`` to ``<img>`` tags lacking one and ``tabindex`` to JupyterLab cell classes;
    wbreport's template writes every ``<img>`` with its chart's alt text and has no such
    classes, and needs none of its lab-theme resources. Configured through traitlets and
    public methods only (``default_filters``, ``register_filter``).
    """
    from jinja2 import pass_context
    from nbconvert.exporters import TemplateExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    from traitlets import default

    class ReportExporter(TemplateExporter):
        """wbreport's HTML report exporter."""

        export_from_notebook = "wbreport HTML"
        output_mimetype = "text/html"

        @default("file_extension")
        def _file_extension_default(self) -> str:
            return ".html"

        @pass_context
        def markdown2html(self, context: Any, source: str) -> str:
            """Markdown to HTML as ``HTMLExporter`` renders it (heading anchors included)."""
            cell = context.get("cell", {})
            renderer = IPythonRenderer(
                escape=False,
                attachments=cell.get("attachments", {}),
                embed_images=False,
                path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                anchor_link_text="¶",
                exclude_anchor_links=False,
            )
            return MarkdownWithMath(renderer=renderer).render(source)

        def default_filters(self) -> Any:
            """nbconvert's filters, with ``markdown2html`` as above."""
            yield from super().default_filters()
            yield ("markdown2html", self.markdown2html)

    return ReportExporter


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


def exporter() -> TemplateExporter:
    """The exporter, built once per process and reused for every report. Exports take a
    hundredth of a second and hold the GIL anyway: the threads of a run share it, in turn
    (hold ``_shared_lock`` while using it)."""
    with _shared_lock:
        if not _shared:
            _shared.append(make_exporter())
        return _shared[0]


# Explicit direction controls (embeddings, overrides and isolates, U+202A–E, U+2066–9):
# data text carrying them shows reversed or reordered in a page ("Trojan Source": a title
# that reads otherwise than it is written). The partners' languages are all written left to
# right, and right-to-left letters still display correctly without them.
_DIRECTION_CONTROLS = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def without_direction_controls(html: str) -> str:
    """``html`` with every explicit direction control removed (see above)."""
    return html.translate(_DIRECTION_CONTROLS)


def export_html(nb: nbformat.NotebookNode, title: str) -> str:
    """The standalone HTML of an executed report notebook."""
    from wbreport import __version__

    meta: dict[str, Any] = {"title": title, "css": stylesheet(), "version": __version__}
    with _shared_lock:
        body, _ = exporter().from_notebook_node(nb, resources={"wbreport": meta})
    return without_direction_controls(body)


def fill(pattern: str, **parts: object) -> Markup:
    """A translated pattern such as ``"{kind}: {languages}"`` with its placeholders filled:
    text is escaped, markup (a rendered fragment) is kept."""
    return Markup(escape(pattern)).format(**parts)


def tag(text: object, name: str, css_class: str) -> Markup:
    """``text`` (escaped) in an element ``<name class="css_class">``: the reports'
    :func:`wbreport.fragments.tag` as a filter (``{{ text|tag("span", "note") }}``)."""
    return fragments.tag(name, text, class_=css_class)


def index_env() -> Environment:
    """The Jinja2 environment of the period index and the portal: escaped, with the
    :func:`fill` and :func:`tag` filters and the reports' table box
    (:func:`wbreport.fragments.scrolling`)."""
    env = Environment(
        loader=FileSystemLoader(str(_package_dir("templates"))),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(fill=fill, tag=tag, scrolling=fragments.scrolling)
    return env


def render_index(context: dict[str, Any]) -> str:
    """The landing page of a published period (escaped Jinja2 template)."""
    env = index_env()
    page = env.get_template("index.html.j2").render(css=stylesheet(), **context)
    return without_direction_controls(page)
