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

import logging
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

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


def execute(
    nb: nbformat.NotebookNode,
    km: Any,
    kc: Any,
    output: Path,
    cell_timeout: float | None,
    log: IO[str] | None = None,
) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` (in place) on the started kernel ``km`` through the connected
    client ``kc``; write the notebook to ``output`` when execution ends, however it ends.

    Raises nbclient's ``CellExecutionError`` (a cell raised), ``CellTimeoutError`` (a cell ran
    longer than ``cell_timeout`` seconds) or ``DeadKernelError``.
    """
    import nbformat
    from nbclient import NotebookClient

    streams = _StreamLog(log)
    client = NotebookClient(
        nb,
        km=km,
        timeout=cell_timeout,
        log=LOG,
        on_cell_start=streams.on_start,
        on_cell_executed=streams.on_executed,
    )
    # A connected, drained client (KernelSlot.prepare): nbclient uses it as it is, and as it
    # does not own the kernel manager it leaves kernel and client running afterwards.
    client.kc = kc
    try:
        return client.execute()
    finally:
        streams.finish()
        nbformat.write(nb, output)


__all__ = ["LOG", "execute", "parameterized", "preload"]
