"""Publication of report sets: the lock, marked set folders, the atomic switch, carry-over.

Each period's set is built in ``<out>/.sets/<period>.<run-id>`` and ``<out>/<period>`` is a
symbolic link swapped with one ``rename`` onto the new set, so readers see the previous
complete set or the new one, never a mix. A run killed at any moment leaves the published
link untouched; the next run clears its leftovers.

wbreport deletes only what it created: set folders inside ``<out>/.sets/`` that carry its
marker file, and its own temporary links. Anything else at ``<out>/<period>`` is refused.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from wbreport.errors import LockedError, UsageError

MANIFEST = "manifest.json"
LOCK = ".wbreport.lock"
HOLDER = ".wbreport.lock.json"
SET_MARKER = ".wbreport-set"
BANNER_START = "<!-- wbreport:carried -->"
BANNER_END = "<!-- /wbreport:carried -->"


def read_json(path: Path) -> Any:
    """The JSON document at ``path``; ``None`` when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def written_aside(path: Path) -> Iterator[Path]:
    """A temporary path next to ``path`` to write to, renamed over ``path`` when the block
    ends without error, removed otherwise. Readers never see half a file, and a link at
    ``path`` is replaced, not written through."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield temp
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path`` and rename it into place."""
    with written_aside(path) as temp:
        temp.write_text(text, encoding="utf-8")


def out_problem(out: Path, exc: OSError) -> UsageError:
    """A one-line usage error for an output folder wbreport cannot write to."""
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EROFS: "it is on a read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EEXIST: "it is a file, not a folder",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return UsageError(f"cannot write to the output folder {out}: {reason}")


def refuse_inside_sets(path: Path, what: str) -> None:
    """Refuse (exit 2) writing ``what`` at ``path`` when it lies inside a report set or in
    an output folder's ``.sets/`` (symbolic links followed, so ``<out>/<period>/x`` too).

    The next run replaces that set and deletes it with whatever was put in it: a project
    made by ``init`` there, a demo package or a template would be lost.
    """
    resolved = path.resolve()
    for folder in (resolved, *resolved.parents):
        inside_set = (folder / SET_MARKER).is_file()
        if inside_set or (folder.name == ".sets" and (folder.parent / LOCK).exists()):
            place = folder if inside_set else folder.parent
            raise UsageError(
                f"{path} lies inside the published reports of {place}, which the next run "
                f"replaces: put the {what} elsewhere"
            )


def check_out(out: Path) -> None:
    """Refuse (exit 2) an ``--out`` that is a file or lies under ``/proc``, ``/sys``, ``/dev``,
    or inside another output folder's report sets."""
    resolved = out.resolve()
    if resolved.parts[1:2] and resolved.parts[1] in ("proc", "sys", "dev"):
        raise UsageError(
            f"cannot write to the output folder {out}: /{resolved.parts[1]} is not for reports"
        )
    if out.exists() and not out.is_dir():
        raise UsageError(f"cannot write to the output folder {out}: it is a file, not a folder")
    refuse_inside_sets(out, "output folder")
    sets = sets_dir(out)  # checked before anything is written there (the shared data file)
    if sets.is_symlink() or (sets.exists() and not sets.is_dir()):
        raise UsageError(f"{sets} is not a folder wbreport created; move it away")


# --- lock -----------------------------------------------------------------------------------


class RunLock:
    """One lock per output folder; the OS releases it when a run dies, so it is taken over."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.lock = FileLock(str(out / LOCK))

    def __enter__(self) -> RunLock:
        check_out(self.out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise out_problem(self.out, exc) from None
        lock = self.out / LOCK
        if lock.is_symlink() or (lock.exists() and not lock.is_file()):
            kind = "a link" if lock.is_symlink() else "a folder or special file"
            raise UsageError(
                f"the lock file {lock} is {kind}, not a file wbreport made: remove it "
                "(no run is using it) and run again"
            )
        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            raise LockedError(
                f"another run is writing to {self.out} ({self.holder()}); try again later"
            ) from None
        except OSError as exc:
            raise out_problem(self.out, exc) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            # renamed into place: a link planted at that name is replaced, not written through
            write_atomic(self.out / HOLDER, json.dumps(holder))
        except OSError as exc:
            self.lock.release()
            raise out_problem(self.out, exc) from None
        return self

    def holder(self) -> str:
        """Who holds the lock, as recorded by that run."""
        holder = read_json(self.out / HOLDER) or {}
        if not isinstance(holder, dict) or not holder:
            return "another process"
        return f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('started')}"

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            (self.out / HOLDER).unlink(missing_ok=True)
        self.lock.release()


# --- set folders ----------------------------------------------------------------------------


def sets_dir(out: Path) -> Path:
    """Where wbreport keeps its set folders."""
    return out / ".sets"


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (resolved, symlinks followed) lies strictly inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return path.resolve() != root.resolve()


def is_own_set(out: Path, folder: Path) -> bool:
    """A set folder wbreport created: inside ``<out>/.sets/`` and carrying its marker."""
    return (
        _inside(folder, sets_dir(out))
        and not sets_dir(out).is_symlink()
        and folder.resolve().parent == sets_dir(out).resolve()
        and ((folder / SET_MARKER).is_file() or _legacy_set(folder))
    )


def _legacy_set(folder: Path) -> bool:
    """A set published by a wbreport release that wrote no marker yet (its manifest)."""
    manifest = read_json(folder / MANIFEST)
    return isinstance(manifest, dict) and manifest.get("tool") == "wbreport"


def make_set(out: Path, name: str) -> Path:
    """Create a new set folder, marked so that only such folders are ever deleted."""
    root = sets_dir(out)
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        raise UsageError(f"{root} is not a folder wbreport created; move it away")
    root.mkdir(exist_ok=True)
    folder = root / name
    folder.mkdir()
    (folder / SET_MARKER).write_text(name + "\n", encoding="utf-8")
    for sub in ("notebooks", "logs"):
        (folder / sub).mkdir()
    return folder


def check_publishable(out: Path, period: str) -> None:
    """Refuse (exit 2) when ``<out>/<period>`` is anything but a link wbreport made.

    wbreport deletes only what it created; a user's folder, file or link to elsewhere at
    the place it would publish is left untouched and the run is refused before it starts.
    """
    link = out / period
    if not link.is_symlink():
        if link.exists():
            what = "folder" if link.is_dir() else "file"
            raise UsageError(
                f"{link} is not a wbreport publication (a plain {what}); wbreport will not"
                " replace it: move it away or choose another --out"
            )
        return
    if not link.exists():  # a dangling link: fine only when it pointed into our sets
        target = Path(os.path.normpath(out / os.readlink(link)))
        if target.parent != sets_dir(out):
            raise UsageError(
                f"{link} is a link to {os.readlink(link)}, not a wbreport publication;"
                " move it away or choose another --out"
            )
        return
    if not is_own_set(out, link):
        raise UsageError(
            f"{link} points to {link.resolve()}, which is not a set wbreport created;"
            " wbreport will not replace or delete it: move the link away or choose another --out"
        )


def published(out: Path, period: str) -> Path | None:
    """The set currently published for ``period`` (``None`` when there is none or it is
    not one of wbreport's own sets)."""
    link = out / period
    if link.is_symlink() and link.exists() and is_own_set(out, link):
        return link.resolve()
    return None


def publish(out: Path, period: str, folder: Path) -> None:
    """Atomically point ``<out>/<period>`` at ``folder`` and drop the previous set."""
    check_publishable(out, period)
    link = out / period
    previous = published(out, period)
    temp = out / f".{period}.{uuid.uuid4().hex[:8]}.link"
    os.symlink(os.path.relpath(folder, out), temp)
    try:
        os.replace(temp, link)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(out)
    if previous is not None and previous != folder.resolve() and is_own_set(out, previous):
        remove_set(previous)


def remove_set(folder: Path) -> None:
    """Delete one of wbreport's own sets, its marker last: a run killed while deleting
    leaves a set that still carries the marker, which the next run removes."""
    marker = folder / SET_MARKER
    if not marker.is_file():  # a legacy set: marked first, as its manifest goes early
        with contextlib.suppress(OSError):
            marker.write_text(folder.name + "\n", encoding="utf-8")
    for entry in list(folder.iterdir()):
        if entry.name == SET_MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_leftovers(out: Path) -> None:
    """Remove wbreport's own sets that no published link points to, and its temporary
    links (we hold the lock). Anything without wbreport's marker is left alone."""
    # The temporary links first: one left by a run killed before its swap points at that
    # run's unpublished set, which must not count as live.
    for temp in out.glob(".*.link"):
        if temp.is_symlink():
            temp.unlink(missing_ok=True)
    live = {p.resolve() for p in out.iterdir() if p.is_symlink() and p.exists()}
    root = sets_dir(out)
    if not root.is_dir() or root.is_symlink():
        return
    for entry in root.iterdir():
        if entry.is_symlink():
            continue
        if entry.is_dir():
            if entry.resolve() not in live and is_own_set(out, entry):
                remove_set(entry)
            else:  # a set killed before its marker was written is empty: rmdir only
                with contextlib.suppress(OSError):
                    entry.rmdir()
        elif entry.name.startswith(".prepared-") and entry.suffix == ".pkl":
            entry.unlink(missing_ok=True)  # the prepared-indicators pickle of a killed run


def discard(out: Path, folder: Path) -> None:
    """Remove an unpublished set of this run (only one of wbreport's own)."""
    if folder.exists() and is_own_set(out, folder):
        remove_set(folder)


# --- carry-over ------------------------------------------------------------------------------


def carry_over(previous: Path, folder: Path, stem: str) -> None:
    """Reuse one report's files from the published set (hard links when possible)."""
    for rel in (f"{stem}.html", f"{stem}.pdf", f"notebooks/{stem}.ipynb", f"logs/{stem}.log"):
        _link_or_copy(previous / rel, folder / rel)


def _link_or_copy(source: Path, target: Path) -> None:
    if not source.is_file() or target.exists():
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


_BANNER_STYLE = (
    "margin:0;padding:0.75em 1em;border:3px solid #b00020;background:#fff4f4;"
    "color:#1a1a1a;font:1rem/1.4 system-ui,sans-serif"
)
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_OLD_BANNER = re.compile(re.escape(BANNER_START) + ".*?" + re.escape(BANNER_END), re.DOTALL)


def banner(text: str) -> str:
    """The escaped HTML notice put at the top of a report carried from an earlier run."""
    return (
        f'{BANNER_START}<div class="wbreport-carried" role="alert" style="{_BANNER_STYLE}">'
        f"<strong>{html.escape(text)}</strong></div>{BANNER_END}"
    )


def mark_carried(page: str, text: str) -> str:
    """``page`` with ``text`` as a visible banner right after ``<body>`` (an earlier
    banner, from a report carried more than once, is replaced)."""
    page = _OLD_BANNER.sub("", page)
    notice = banner(text)
    match = _BODY.search(page)
    if match is None:
        return notice + page
    return page[: match.end()] + notice + page[match.end() :]


def carry_failed(previous: Path, folder: Path, stem: str, text: str) -> bool:
    """Put the last good ``<stem>.html`` of ``previous`` into ``folder``, marked with
    ``text``; the failed run's own notebook and log stay. ``False`` when there is none."""
    source = previous / f"{stem}.html"
    if not source.is_file():
        return False
    page = source.read_text(encoding="utf-8", errors="replace")
    write_atomic(folder / f"{stem}.html", mark_carried(page, text))
    return True


__all__ = [
    "HOLDER",
    "LOCK",
    "MANIFEST",
    "SET_MARKER",
    "RunLock",
    "carry_failed",
    "carry_over",
    "check_out",
    "check_publishable",
    "clean_leftovers",
    "discard",
    "is_own_set",
    "make_set",
    "mark_carried",
    "publish",
    "published",
    "read_json",
    "refuse_inside_sets",
    "remove_set",
    "sets_dir",
    "write_atomic",
    "written_aside",
]
