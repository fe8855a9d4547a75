"""A store that cannot be used says so in one actionable line (StoreError), and is never overwritten."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from egoi_mcp.store import SQLiteStore, StoreError, open_store
from egoi_mcp.webhooks import parse_delivery

pytestmark = pytest.mark.anyio


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def fill(path: Path, n: int = 300) -> None:
    async with SQLiteStore(path) as store:
        for i in range(n):
            raw = json.dumps({"action": "email_open", "contact_id": f"{i:010x}", "note": "x" * 200}).encode()
            await store.add(raw, parse_delivery(raw, "application/json"))


def one_line(error: StoreError) -> str:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    return text


async def test_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        await open_store(tmp_path)
    assert "is a directory" in one_line(info.value) and "EGOI_MCP_DB" in str(info.value)


async def test_an_unwritable_path(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(StoreError) as info:
        await open_store(tmp_path / "a-file" / "events.db")  # unwritable for anyone, root included
    assert "cannot write the event store" in one_line(info.value) and "EGOI_MCP_DB" in str(info.value)


async def test_not_a_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    path.write_bytes(b"this is not SQLite at all, it is a shopping list\n" * 100)
    before = digest(path)
    with pytest.raises(StoreError) as info:
        await open_store(path)
    assert "damaged" in one_line(info.value) and str(path) in str(info.value)
    assert digest(path) == before


async def test_a_garbage_page_is_found_at_start_and_the_file_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    await fill(path)
    assert path.with_name("events.db-closed").exists(), "closed cleanly: the mark says what the file was then"
    with open(path, "r+b") as file:  # one page in the middle, overwritten: the header still looks fine
        file.seek(4096 * 5)
        file.write(os.urandom(4096))
    before = digest(path)
    with pytest.raises(StoreError) as info:
        await open_store(path)
    assert "damaged" in one_line(info.value) and "left untouched" in str(info.value)
    assert digest(path) == before


async def test_only_a_file_as_its_last_clean_close_left_it_skips_the_full_scan(tmp_path: Path) -> None:
    """The scan reads every page, at each start. A file that still has the size, modification time and inode of
    egoi-mcp's last clean close of it has not been written since, so it is not scanned; without the mark, the
    same file is. (The damage here keeps the file's times, which no real write does, to tell the two apart.)"""
    path = tmp_path / "events.db"
    await fill(path)
    closed = path.stat()
    with open(path, "r+b") as file:
        file.seek(4096 * 5)
        file.write(os.urandom(4096))
    os.utime(path, ns=(closed.st_atime_ns, closed.st_mtime_ns))
    store = await open_store(path)
    await store.close()
    path.with_name("events.db-closed").unlink()
    with pytest.raises(StoreError) as info:
        await open_store(path)
    assert "damaged" in one_line(info.value)


def _damage_keeping_times(path: Path, page: int) -> None:
    """Garbage over one page, the file's times put back: damage no real write would hide, to see what is scanned."""
    before = path.stat()
    with open(path, "r+b") as file:
        file.seek(4096 * (page - 1))
        file.write(os.urandom(4096))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


async def test_a_store_not_closed_cleanly_is_scanned(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    await fill(path)
    crashed = SQLiteStore(path)  # opened, never closed: the process died
    assert not path.with_name("events.db-closed").exists(), "an open store has no clean-close mark"
    _damage_keeping_times(path, 6)
    with pytest.raises(StoreError) as info:
        await open_store(path)
    assert "damaged" in one_line(info.value)
    crashed._conn = None  # what dying leaves: nothing closed, nothing marked


async def test_a_store_with_a_write_ahead_log_left_is_scanned(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    await fill(path)
    other = sqlite3.connect(path)  # another process, still writing: its WAL is not in the mark
    other.execute("PRAGMA wal_autocheckpoint = 0")
    other.execute("INSERT INTO shared (name, value) VALUES ('other', 'x')")
    other.commit()
    (page,) = other.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events_by_account_email'").fetchone()
    _damage_keeping_times(path, page)  # a page the WAL has no newer copy of
    try:
        with pytest.raises(StoreError) as info:
            await open_store(path)
    finally:
        other.close()
    assert "damaged" in one_line(info.value)


async def test_a_session_that_met_damage_leaves_no_mark(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    await fill(path)
    with sqlite3.connect(path) as db:
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_shared_1'").fetchone()
    db.close()
    store = SQLiteStore(path)  # as its last clean close left it: opened without the scan
    await store.close()
    _damage_keeping_times(path, root)
    store = SQLiteStore(path)
    with pytest.raises(StoreError):
        await store.read_state("anything")
    await store.close()
    assert not path.with_name("events.db-closed").exists(), "the next open scans it"


async def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    before = digest(path)
    with pytest.raises(StoreError) as info:
        await open_store(path)
    assert "another program's SQLite database" in one_line(info.value) and "customers" in str(info.value)
    assert digest(path) == before


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    await fill(path, 1)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer egoi-mcp"):
        await open_store(path)


async def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    await fill(path, 3)
    with sqlite3.connect(path) as db:  # as version 1 left it: no `shared` table
        db.execute("DROP TABLE shared")
        db.execute("PRAGMA user_version = 1")
    async with SQLiteStore(path) as store:
        assert (await store.page()).total == 3
        assert len(await store.shared_secret("webhook")) >= 32


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB file system (tmpfs): what a full disk looks like to SQLite. Mounting needs root."""
    if os.geteuid() != 0:
        pytest.fail("the full-disk test mounts a tiny tmpfs, which needs root (CI runs as root)")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


async def test_a_full_disk_says_disk_full(tiny_disk: Path) -> None:
    (tiny_disk / "ballast").write_bytes(b"\0" * (256 * 1024 - 8192))  # leave less than SQLite needs
    with pytest.raises(StoreError) as info:
        await open_store(tiny_disk / "events.db")
    assert one_line(info.value).startswith("disk full")


async def test_a_disk_that_fills_up_while_running_says_disk_full(tiny_disk: Path) -> None:
    async with await open_store(tiny_disk / "events.db") as store:
        raw = b""
        with pytest.raises(StoreError) as info:
            for i in range(10_000):
                raw = json.dumps({"action": "email_open", "n": i, "pad": "y" * 2000}).encode()
                await store.add(raw, parse_delivery(raw, "application/json"))
        assert one_line(info.value).startswith("disk full")
