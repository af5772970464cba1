"""Execute a report notebook in a warm kernel, through public APIs only.

papermill injects the parameters (:func:`papermill.parameterize.parameterize_notebook`: the
``injected-parameters`` cell after the one tagged ``parameters``, and
``metadata.papermill.parameters``); :class:`nbclient.NotebookClient` runs the cells on the
kernel manager and the connected, drained client a :class:`~wbreport.kernels.KernelSlot`
prepared, so no client is opened and no ``kernel_info`` handshake repeated per report.
The notebook is written once, when execution ends in any way (success, error, timeout or a
dead kernel: partial notebooks are kept for diagnosis), to the path the caller gives — a
private staging path, never the published folder. The kernel's stdout and stderr go to the
job's log cell by cell through nbclient's public hooks.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from wbreport.config import OutputLimits
from wbreport.registry import N_

if TYPE_CHECKING:
    import nbformat

#: Logger of nbclient's messages during a report (the outcome is reported by wbreport).
LOG = logging.getLogger("wbreport.engine")


def preload() -> None:
    """Import papermill and nbclient ahead of the first report (the runner does this in the
    background while kernels start; papermill alone takes about a second to import)."""
    import nbclient  # noqa: F401
    import papermill.iorw
    import papermill.parameterize  # noqa: F401


def parameterized(notebook: Path, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """The notebook read from ``notebook`` with ``parameters`` injected as papermill does."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(notebook))  # papermill's metadata and cell tags in place
    return parameterize_notebook(nb, parameters, kernel_name="python3", language="python")


class _StreamLog:
    """Writes each cell's stdout and stderr to the job log once the cell has run (and the part
    that came before a timeout or a dead kernel)."""

    def __init__(self, log: IO[str] | None) -> None:
        self.log = log
        self.current: tuple[int, Any] | None = None
        self.written: set[int] = set()

    def on_start(self, cell: Any, cell_index: int, **_: Any) -> None:
        """nbclient's ``on_cell_start`` hook: remember the cell running now."""
        self.current = (cell_index, cell)

    def on_executed(self, cell: Any, cell_index: int, **_: Any) -> None:
        """nbclient's ``on_cell_executed`` hook (errors included): log the cell's streams."""
        self.write(cell_index, cell)

    def write(self, index: int, cell: Any) -> None:
        """Write the stream outputs of cell ``index`` once."""
        if self.log is None or index in self.written:
            return
        self.written.add(index)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text = output.get("text", "")
                self.log.write(text if isinstance(text, str) else "".join(text))
        self.log.flush()

    def finish(self) -> None:
        """After a timeout or a dead kernel: log what the interrupted cell printed."""
        if self.current is not None:
            self.write(*self.current)


#: Characters of stdout and stderr a cell keeps (in the notebook and the job log); the rest
#: is dropped with a note. A debugging ``print`` in a loop over a large table made reports
#: slow and the runner hold gigabytes; a report never needs more to be diagnosed.
MAX_STREAM_CHARS = OutputLimits.printed_chars  # (``output.printed_chars`` in defaults.yaml)
CUT_NOTE = "\n[wbreport: this cell printed more than {limit:,} characters; the rest is not kept]\n"
#: Characters of displayed results (HTML, SVG, images) a cell keeps. A report's largest
#: fragment is a table of at most ``max_table_rows`` rows, some 100 KB; a whole DataFrame
#: shown with ``display.max_rows`` set to None made a 24 MB report page from 300,000 rows.
MAX_DISPLAY_CHARS = OutputLimits.shown_chars  # (``output.shown_chars`` in defaults.yaml)
#: The note that stands for a displayed result past the limit. It shows on the page, so it
#: is a fixed text of the message catalogues, in the report's language.
# TRANSLATORS: shown on a report page in place of a table or chart an analyst's notebook
# made too large to show; {limit} is a number such as 5,000,000
DISPLAY_CUT_NOTE = N_(
    "[wbreport: this cell's output is larger than {limit} characters and is not shown:"
    " show fewer rows or a summary]"
)
_DISPLAYED = ("display_data", "execute_result")
#: Messages nbclient applies to every output of their display id without calling ``output``
#: (``display(..., display_id=True)`` then ``handle.update(...)``): one larger than the
#: limit becomes the note before it reaches them. Updates replace what they update, so
#: they are not added to the cell's count.
_UPDATING = (*_DISPLAYED, "update_display_data")


def _display_chars(content: dict[str, Any]) -> int:
    """The size of a display message's data, every representation counted."""
    return sum(
        len(value) if isinstance(value, str) else len(json.dumps(value))
        for value in content.get("data", {}).values()
    )


def display_cut_note(lang: str, limit: int = MAX_DISPLAY_CHARS) -> str:
    """:data:`DISPLAY_CUT_NOTE` in ``lang``, the limit written as the language writes numbers."""
    from wbreport.i18n import translator

    tr = translator(lang)
    return tr(DISPLAY_CUT_NOTE, limit=tr.number(limit))


def _note_bundle(text: str) -> dict[str, Any]:
    return {"text/plain": text, "text/html": f'<p role="note">{html.escape(text)}</p>'}


def display_cut_output(
    languages: Sequence[str], limit: int = MAX_DISPLAY_CHARS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The (data, metadata) of the note that stands for a displayed result past the limit,
    in the first of ``languages``, the others carried as a multi-language report carries
    them (:data:`wbreport.multilang.ALTERNATIVES`), so each language's page says it in its
    own language."""
    from wbreport.multilang import ALTERNATIVES

    first, *others = languages
    metadata: dict[str, Any] = {}
    if others:
        metadata[ALTERNATIVES] = {
            lang: {"data": _note_bundle(display_cut_note(lang, limit)), "metadata": {}}
            for lang in others
        }
    return _note_bundle(display_cut_note(first, limit)), metadata


def _cut(
    msg: dict[str, Any], room: int, languages: Sequence[str], limits: OutputLimits
) -> list[dict[str, Any]]:
    """The messages that stand for ``msg`` when only ``room`` characters are left: the
    printed text up to there and a note, or, for a displayed result, a note only, in the
    report's ``languages`` (with text/html: the report shows HTML outputs only, and its
    reader must see that something is missing, not a silent gap)."""
    content = msg["content"]
    if msg["msg_type"] == "stream":
        note = CUT_NOTE.format(limit=limits.printed_chars)
        return [
            {**msg, "content": {**content, "text": content.get("text", "")[:room]}},
            {**msg, "content": {"name": "stderr", "text": note}},
        ]
    data, metadata = display_cut_output(languages, limits.shown_chars)
    return [{**msg, "content": {**content, "data": data, "metadata": metadata}}]


@functools.cache
def _capped_client() -> type:
    """nbclient's ``NotebookClient`` keeping at most ``limits.printed_chars`` characters of
    stdout and stderr and ``limits.shown_chars`` of displayed results per cell (by default
    :data:`MAX_STREAM_CHARS` and :data:`MAX_DISPLAY_CHARS`), with a note where it cut,
    through its public ``output`` method (called for each output message of a cell) and
    ``process_message`` (for updates of a display id)."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # kept so far, by cell and kind of output; above the limit: cut, note shown
            self.kept: dict[tuple[int, str], int] = {}
            # the report's languages, the shown one first, and the limits (set by execute)
            self.languages: Sequence[str] = ("en",)
            self.limits = OutputLimits()

        def process_message(self, msg: Any, cell: Any, cell_index: int) -> Any:
            content = msg["content"]
            if (
                msg["msg_type"] in _UPDATING
                and (content.get("transient") or {}).get("display_id")
                and _display_chars(content) > self.limits.shown_chars
            ):
                (msg,) = _cut(msg, 0, self.languages, self.limits)
            return super().process_message(msg, cell, cell_index)

        def output(self, outs: Any, msg: Any, display_id: Any, cell_index: int) -> Any:
            if msg["msg_type"] == "stream":
                key, limit = (cell_index, "stream"), self.limits.printed_chars
                size = len(msg["content"].get("text", ""))
            elif msg["msg_type"] in _DISPLAYED:
                key, limit = (cell_index, "display"), self.limits.shown_chars
                size = _display_chars(msg["content"])
            else:
                return super().output(outs, msg, display_id, cell_index)
            used = self.kept.get(key, 0)
            if used > limit:
                return None
            if used + size <= limit:
                self.kept[key] = used + size
                return super().output(outs, msg, display_id, cell_index)
            self.kept[key] = limit + 1
            first, *rest = _cut(msg, limit - used, self.languages, self.limits)
            out = super().output(outs, first, display_id, cell_index)
            for more in rest:  # (a loop: super() takes no arguments in a comprehension)
                super().output(outs, more, display_id, cell_index)
            return out

    return CappedClient


def execute(
    nb: nbformat.NotebookNode,
    km: Any,
    kc: Any,
    output: Path,
    cell_timeout: float | None,
    log: IO[str] | None = None,
    languages: Sequence[str] = ("en",),
    limits: OutputLimits | None = None,
) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` (in place) on the started kernel ``km`` through the connected
    client ``kc``; write the notebook to ``output`` when execution ends, however it ends.
    ``languages`` are the report's (the shown one first): notes shown on the page are
    written in them. ``limits``: what a cell keeps of its output (``output`` of
    defaults.yaml; its defaults when ``None``).

    Raises nbclient's ``CellExecutionError`` (a cell raised), ``CellTimeoutError`` (a cell ran
    longer than ``cell_timeout`` seconds) or ``DeadKernelError``.
    """
    import nbformat

    streams = _StreamLog(log)
    client = _capped_client()(
        nb,
        km=km,
        # nbclient takes whole seconds (a trait error for 90.5): a fraction is rounded up
        timeout=None if cell_timeout is None else math.ceil(cell_timeout),
        log=LOG,
        on_cell_start=streams.on_start,
        on_cell_executed=streams.on_executed,
    )
    # A connected, drained client (KernelSlot.prepare): nbclient uses it as it is, and as it
    # does not own the kernel manager it leaves kernel and client running afterwards.
    client.kc = kc
    client.languages = languages
    client.limits = limits or OutputLimits()
    try:
        return client.execute()
    finally:
        streams.finish()
        nbformat.write(nb, output)


__all__ = [
    "CUT_NOTE",
    "DISPLAY_CUT_NOTE",
    "LOG",
    "MAX_DISPLAY_CHARS",
    "MAX_STREAM_CHARS",
    "display_cut_note",
    "display_cut_output",
    "execute",
    "parameterized",
    "preload",
]
