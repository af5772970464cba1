"""A papermill engine for warm kernels: no notebook write per cell, no client re-handshake.

papermill's default engine writes the whole executed notebook twice per cell (at the start
and end of each one) and nbclient opens a new kernel client, waiting for its
``kernel_info`` handshake and a 0.2 s IOPub flush, for every notebook. On a warm kernel
those dominate a small report. This engine writes the notebook once when execution ends
(in every case: success, error, timeout or a dead kernel, so partial notebooks are still
kept for diagnosis) and long cells are still autosaved; it executes on the client the
:class:`~wbreport.kernels.KernelSlot` has already connected and checked.
"""

from __future__ import annotations

import sys
from typing import Any

# papermill imports its cloud I/O back-ends (boto3 for s3://, Azure, GCS, HDFS through
# pyarrow, GitHub) when it is first imported, whether used or not: boto3 alone costs more
# than a report's HTML export. wbreport reads and writes local paths only, so those packages
# are hidden while papermill loads; it then registers "missing dependency" handlers instead.
_CLOUD_IO = ("boto3", "azure", "gcsfs", "pyarrow.fs", "github")


def _import_papermill() -> None:
    if "papermill.iorw" in sys.modules:
        return
    hidden = [name for name in _CLOUD_IO if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" -> ImportError
    try:
        import papermill.iorw  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


_import_papermill()

from papermill.clientwrap import PapermillNotebookClient  # noqa: E402
from papermill.engines import (  # noqa: E402
    NBClientEngine,
    NotebookExecutionManager,
    papermill_engines,
)
from papermill.utils import merge_kwargs, remove_args  # noqa: E402

NAME = "wbreport"


class _Manager(NotebookExecutionManager):
    """Keeps papermill's per-cell metadata but writes the notebook only at the end (papermill
    writes it once more itself after a run that was not interrupted)."""

    _quiet = False

    def save(self, **kwargs: Any) -> None:
        if self._quiet:
            self.last_save_time = self.now()
            return
        super().save(**kwargs)

    def _quietly(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        self._quiet = True
        try:
            return method(*args, **kwargs)
        finally:
            self._quiet = False

    def notebook_start(self, **kwargs: Any) -> None:
        self._quietly(super().notebook_start, **kwargs)

    def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        self._quietly(super().cell_start, cell, cell_index, **kwargs)

    def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        self._quietly(super().cell_complete, cell, cell_index, **kwargs)


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine with the two costs above removed."""

    @classmethod
    def execute_notebook(
        cls,
        nb: Any,
        kernel_name: str,
        output_path: str | None = None,
        progress_bar: bool = True,
        log_output: bool = False,
        autosave_cell_every: int = 30,
        **kwargs: Any,
    ) -> Any:
        nb_man = _Manager(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        except BaseException:
            # A timeout or a dead kernel: keep what ran so far for diagnosis.
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
            raise
        # Ran to its end (cell errors included): papermill writes the notebook once itself.
        nb_man.cleanup_pbar()
        nb_man._quietly(nb_man.notebook_complete)
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: float = 60,
        execution_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        kc = kwargs.pop("kc", None)
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=_logger(),
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, **final)
        if kc is not None:
            # A connected, drained client (KernelSlot.prepare): nbclient uses it as it is
            # instead of opening its own and repeating the kernel_info handshake.
            kc.allow_stdin = False
            client.kc = kc
        return client.execute()


def _logger() -> Any:
    from papermill.log import logger

    return logger


papermill_engines.register(NAME, WarmKernelEngine)

__all__ = ["NAME", "WarmKernelEngine"]
