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
from typing import Any

import nbformat
from jinja2 import Environment, FileSystemLoader, select_autoescape
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets.config import Config

from wbreport.fragments import sanitize

REMOVE_TAGS = ("parameters", "injected-parameters", "remove_cell")
_local = threading.local()


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
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.sanitize_html = True
    exporter = HTMLExporter(
        config=config,
        template_name="wbreport",
        extra_template_basedirs=[str(_package_dir("templates"))],
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    exporter.register_filter("clean_html", sanitize)
    exporter.register_filter("svg_base64", _svg_base64)
    exporter.register_filter("clean_base64", _clean_base64)
    return exporter


def exporter() -> HTMLExporter:
    """This thread's exporter, built once and reused for every report it renders."""
    if not hasattr(_local, "exporter"):
        _local.exporter = make_exporter()
    return _local.exporter


def export_html(nb: nbformat.NotebookNode, title: str) -> str:
    """The standalone HTML of an executed report notebook."""
    from wbreport import __version__

    meta: dict[str, Any] = {"title": title, "css": stylesheet(), "version": __version__}
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
