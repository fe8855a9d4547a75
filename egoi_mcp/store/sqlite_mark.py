"""The mark a clean close leaves beside a SQLite store, so that opening it again need not scan every page.

Opening a store checks its integrity (`PRAGMA quick_check`) before anything is written to it, and that check
reads the whole file: about 1 ms per 1,000 events, at every start (twice: the secrets, then the server), however
the store was left. When egoi-mcp closes the store, it writes the file's size and modification time beside it
(`<store>-closed`). A file that still has them was closed by egoi-mcp and not written since, by anyone: the check
is skipped. Any other file (a crash, another program's write, a copy, a restored backup, no mark) is checked.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["leave_mark", "unchanged_since_closed"]


def unchanged_since_closed(path: Path) -> bool:
    """Whether the store at `path` is as egoi-mcp's last clean close of it left it."""
    try:
        return _mark_of(path).read_text() == _stamp(path)
    except (OSError, ValueError):
        return False


def leave_mark(path: Path) -> None:
    """After closing the store at `path`: what it is now (a mark that cannot be written only costs a check)."""
    mark = _mark_of(path)
    staged = mark.with_name(mark.name + ".new")
    try:
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(_stamp(path))
        os.replace(staged, mark)
    except OSError:
        return


def _mark_of(path: Path) -> Path:
    return path.with_name(path.name + "-closed")


def _stamp(path: Path) -> str:
    found = path.stat()
    return f"{found.st_size} {found.st_mtime_ns} {found.st_ino}\n"
