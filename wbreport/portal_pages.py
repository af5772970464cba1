"""Which ``index.html`` pages of an output folder are wbreport's portal, checked before a run
starts. Kept apart from :mod:`wbreport.portal`, which imports pandas: the check runs
before the kernels start, and everything imported first delays them."""

from __future__ import annotations

from pathlib import Path

from wbreport.errors import UsageError
from wbreport.naming import index_file
from wbreport.publication import sets_dir
from wbreport.schema import LANGUAGES

#: In every portal page (``templates/portal.html.j2`` writes it): what tells wbreport's own
#: pages from a user's ``index.html``.
GENERATOR = '<meta name="generator" content="wbreport">'


def portal_pages(out: Path) -> list[Path]:
    """Every page the portal of ``out`` may write or remove: ``index.html`` and
    ``index.<lang>.html`` for each report language."""
    return [out / index_file(lang) for lang in LANGUAGES]


def is_own_page(out: Path, page: Path) -> bool:
    """Whether ``page`` is a portal page wbreport wrote: it carries :data:`GENERATOR`, or,
    written before that mark, it is the portal's page in a folder holding wbreport's sets."""
    try:
        with open(page, "rb") as handle:
            text = handle.read(1 << 20)
    except OSError:
        return False
    if GENERATOR.encode() in text[:4096]:
        return True
    return sets_dir(out).is_dir() and b'<main class="index">' in text


def check_portal(out: Path) -> None:
    """Refuse (exit 2) an output folder holding an ``index.html`` (or ``index.<lang>.html``)
    that wbreport did not write: it would replace or remove it with the portal. Checked
    before the run starts, so nothing of the folder is touched."""
    for page in portal_pages(out):
        if page.is_symlink() or (page.exists() and not page.is_file()):
            raise UsageError(
                f"{page} is not a page wbreport wrote (a link or a folder); wbreport will not"
                " replace it: move it away or choose another --out"
            )
        if page.exists() and not is_own_page(out, page):
            raise UsageError(
                f"{page} was not written by wbreport; wbreport will not replace it with its"
                " portal: move it away or choose another --out"
            )


__all__ = ["GENERATOR", "check_portal", "is_own_page", "portal_pages"]
