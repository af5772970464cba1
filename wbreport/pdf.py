"""Print rendered reports to PDF with a headless Chromium (the same browser the tests drive).

Optional: needs the ``playwright`` Python package and a Chromium binary. Playwright's own
browser download is not required: the system browser (Debian's ``chromium`` package) is
used, found by :func:`chromium_path`. Printing is offline: every request that is not a
``file:`` or ``data:`` URL is aborted, so a PDF never fetches anything.

Call :func:`print_pdfs` on a set's staging folder *before* it is published, so the PDFs are
published atomically together with the HTML.

Every wait is bounded: the browser's start (60 s), a page's loading (120 s) and its printing
(:data:`PRINT_SECONDS`; playwright's ``page.pdf`` has no timeout of its own, so a watchdog
stops Chromium when a page takes longer, and the run ends with one line instead of hanging).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wbreport.errors import UsageError

#: Where Debian/Ubuntu put Chromium; ``WBREPORT_CHROMIUM`` overrides it.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
PAGE_PATTERN = re.compile(rb"/Type\s*/Page[^s]")
LOCAL_SCHEMES = ("file:", "data:", "about:")
#: Longest a page may take to print before Chromium is stopped and the run fails with a message.
PRINT_SECONDS = 120.0


def chromium_path() -> Path | None:
    """The Chromium binary to drive: ``$WBREPORT_CHROMIUM``, ``/usr/bin/chromium`` or on PATH."""
    configured = os.environ.get("WBREPORT_CHROMIUM")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    if Path(DEFAULT_CHROMIUM).is_file():
        return Path(DEFAULT_CHROMIUM)
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def unavailable_reason() -> str | None:
    """Why PDFs cannot be printed here (``None`` when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if chromium_path() is None:
        return (
            "no Chromium found: install it (apt-get install chromium) or set WBREPORT_CHROMIUM "
            "to its path"
        )
    return None


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium (playwright ``Browser``), closed on exit."""
    reason = unavailable_reason()
    if reason:
        raise UsageError(f"cannot print PDFs: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS), timeout=60_000
        )
        try:
            yield instance
        finally:
            instance.close()


def block_network(context: Any, blocked: list[str] | None = None) -> None:
    """Abort every request of ``context`` that would leave the machine (recorded in ``blocked``)."""

    def handle(route: Any) -> None:
        """Let local URLs through, abort (and record) the rest."""
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            if blocked is not None:
                blocked.append(url)
            route.abort()

    context.route("**/*", handle)


def count_pages(pdf: bytes) -> int:
    """Number of page objects in a PDF written by Chromium."""
    return len(PAGE_PATTERN.findall(pdf))


#: A link to another file of the set (``AL.evaluation.html``, ``index.html``): Chromium would
#: write it into the PDF as an absolute ``file:`` URL of the staging folder, which exposes
#: the server's paths and leads nowhere for whoever receives the PDF.
_LOCAL_HREF = re.compile(
    r"""(<a\b[^>]*?)\s+href\s*=\s*(?:"(?!#|https?:|mailto:)[^"]*"|'(?!#|https?:|mailto:)[^']*')""",
    re.IGNORECASE,
)
#: Page numbers (and the report's title) at the foot of every page, in the bottom margin of
#: report.css's ``@page``; numbers only, so no language needs a word of its own.
FOOTER = (
    '<div style="width:100%;margin:0 14mm;font:7pt sans-serif;color:#5a6270;'
    'display:flex;justify-content:space-between"><span class="title"></span>'
    '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)


def printable(html: str) -> str:
    """The page as printed: links to other files of the set become plain text (links
    within the page and to the web stay)."""
    return _LOCAL_HREF.sub(r"\1", html)


def print_pdf(page: Any, html: Path) -> bytes:
    """Print ``html`` to A4 in ``page`` (backgrounds on, CSS page size honoured, page
    numbers in the footer, links to the set's other files as text)."""
    page.set_content(printable(html.read_text(encoding="utf-8")), wait_until="load")
    return page.pdf(
        format="A4",
        print_background=True,
        prefer_css_page_size=True,
        display_header_footer=True,
        header_template="<span></span>",
        footer_template=FOOTER,
    )


def stop_chromium() -> int:
    """Kill every Chromium process started by this process (through playwright's driver);
    returns how many were killed. Playwright's calls into the browser then fail at once."""
    import psutil

    killed = 0
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "chrom" in proc.name().lower():
                proc.kill()
                killed += 1
    return killed


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Run the block with Chromium stopped after ``seconds``; a block that failed because
    of that raises :class:`UsageError` naming ``what`` and the limit."""
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        stop_chromium()

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except Exception:
        if expired.is_set():
            raise UsageError(
                f"cannot print {what}: Chromium did not finish within {seconds:g} s and was stopped"
            ) from None
        raise
    finally:
        timer.cancel()


def print_pdfs(folder: Path, codes: list[str], instance: Any = None) -> dict[str, Path]:
    """Print ``folder/<CODE>.html`` to ``folder/<CODE>.pdf`` for each code that has an HTML file.

    Returns the PDFs written, by code. Raises :class:`UsageError` when playwright or Chromium
    is missing. Each PDF is written to a temporary name and renamed, so it is never partial.
    ``instance``: a playwright ``Browser`` to reuse (one is launched and closed otherwise;
    playwright's sync API cannot start a second one inside a running one).
    """
    if instance is None:
        with browser() as launched:
            return print_pdfs(folder, codes, launched)
    written: dict[str, Path] = {}
    context = instance.new_context(java_script_enabled=False)
    try:
        block_network(context)
        page = context.new_page()
        page.set_default_timeout(120_000)  # a page that never loads is an error
        for code in codes:
            html = folder / f"{code}.html"
            if not html.is_file():
                continue
            target = folder / f"{code}.pdf"
            temp = folder / f".{code}.pdf.tmp"
            with deadline(PRINT_SECONDS, html.name):
                temp.write_bytes(print_pdf(page, html))
            os.replace(temp, target)
            written[code] = target
    finally:
        with contextlib.suppress(Exception):  # a browser stopped by the deadline is gone
            context.close()
    return written


__all__ = [
    "CHROMIUM_ARGS",
    "PRINT_SECONDS",
    "block_network",
    "browser",
    "chromium_path",
    "count_pages",
    "deadline",
    "print_pdf",
    "print_pdfs",
    "printable",
    "stop_chromium",
    "unavailable_reason",
]
