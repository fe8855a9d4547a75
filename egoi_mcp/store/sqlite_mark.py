"""The mark a clean close leaves beside a SQLite store, so that opening it again need not scan every page.

Opening a store checks its integrity (`PRAGMA quick_check`) before anything is written to it, and that check
reads the whole file: about 1 ms per 1,000 events, at every start (twice: the secrets, then the server), however
the store was left. When egoi-mcp closes the store after a session without a store error, it writes the file's
size, modification time and inode beside it (`<store>-closed`). The next open takes the mark away, and skips the
scan only when the file still has them and no write-ahead log is left (a WAL with content is a crash, or another
process still writing). So a crash, another program's write, a copy, a restored backup or a session that met
damage is scanned. What the scan cannot be spared for: damage the disk does by itself, which changes neither size
nor time, is found when SQLite reads that page, as it would be between two starts anyway.
"""

from __future__ import annotations

from pathlib import Path

from egoi_mcp._files import write_whole

__all__ = ["leave_mark", "unchanged_since_closed"]


def unchanged_since_closed(path: Path) -> bool:
    """Whether the store at `path` is as egoi-mcp's last clean close of it left it; the mark is taken away (this
    session leaves its own when it closes cleanly)."""
    mark = _mark_of(path)
    try:
        left = mark.read_text()
        mark.unlink()
        return left == _stamp(path) and _empty_or_absent(path.with_name(path.name + "-wal"))
    except (OSError, ValueError):
        return False


def leave_mark(path: Path) -> None:
    """After closing the store at `path`: what it is now (a mark that cannot be written only costs a check)."""
    try:
        write_whole(_mark_of(path), _stamp(path).encode())
    except OSError:
        return


def _empty_or_absent(wal: Path) -> bool:
    try:
        return wal.stat().st_size == 0
    except FileNotFoundError:
        return True


def _mark_of(path: Path) -> Path:
    return path.with_name(path.name + "-closed")


def _stamp(path: Path) -> str:
    found = path.stat()
    return f"{found.st_size} {found.st_mtime_ns} {found.st_ino}\n"
