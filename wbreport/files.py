"""What a path is, checked with ``stat`` before anything opens it.

Data files, parameter files and notebooks share this: opening a FIFO blocks for ever,
``/dev/zero`` never ends, and a folder named like the file must not pass for an absent one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(Exception):
    """``path`` exists but is no regular file; ``kind`` says what it is ("a folder")."""

    def __init__(self, path: Path | str, kind: str) -> None:
        super().__init__(f"{path} is {kind}")
        self.kind = kind


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def regular_file_size(path: Path | str) -> int:
    """The size in bytes of the regular file ``path`` (links followed), without opening it.

    Raises :class:`NotRegularFile` when it is a FIFO, socket, device or folder, and
    ``OSError`` when it cannot be looked at (missing, a dangling link, no permission).
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, _kind(info.st_mode))
    return info.st_size


__all__ = ["NotRegularFile", "regular_file_size"]
