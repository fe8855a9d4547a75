"""The tools' definitions are built once and kept (`tools._cache`): a later start lists them from the file without
building any tool, the same JSON a build gives, in every registration mode and both eras; a tool is built when
called; a torn file, an unwritable directory or changed code is never served stale."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from egoi_mcp import _sdk
from egoi_mcp.config import Settings
from egoi_mcp.server import EgoiServer, build_server
from egoi_mcp.tools import _cache
from tests.conftest import ERAS, call, make_settings

pytestmark = pytest.mark.anyio

MODES: list[dict[str, Any]] = [{}, {"read_only": True}, {"toolsets": ["all"]}, {"toolsets": ["contacts", "events"]}]


def _server(tmp_path: Path, cache: Path | None, **mode: Any) -> EgoiServer:
    return build_server(make_settings(tmp_path, tools_cache=cache, **mode))


async def _wire(server: EgoiServer, era: str) -> list[dict[str, Any]]:
    async with Client(server.mcp, mode=era) as client:
        tools = (await client.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


def _built(server: EgoiServer) -> set[str]:
    found = set()
    for name in server.tools:
        try:
            _sdk.registered_tool(server.mcp, name)
        except KeyError:
            continue
        found.add(name)
    return found


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("mode", MODES, ids=lambda m: ",".join(f"{k}={v}" for k, v in m.items()) or "default")
async def test_a_warm_start_lists_what_a_build_gives_without_building(
    tmp_path: Path, era: str, mode: dict[str, Any]
) -> None:
    cache = tmp_path / "cache"
    built = await _wire(_server(tmp_path, None, **mode), era)
    cold = _server(tmp_path, cache, **mode)
    assert not _built(cold), "nothing is built at start-up"
    assert await _wire(cold, era) == built
    assert len(list(cache.glob("tools-*.json"))) == 1, "the first listing keeps what it built"

    warm = _server(tmp_path, cache, **mode)
    assert await _wire(warm, era) == built, "the kept definitions are the built ones, byte for byte"
    assert not _built(warm), "a warm start lists without building any tool"


async def test_a_tool_listed_from_the_cache_is_built_when_called(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    await _wire(_server(tmp_path, cache), "legacy")
    warm = _server(tmp_path, cache)
    async with Client(warm.mcp) as client:
        await client.list_tools()
        lists = await call(client, "egoi_list_lists")
        refused = await client.call_tool("egoi_list_lists", {"limit": 0})
    assert lists["items"], "the sandbox's lists"
    assert refused.is_error and "limit" in str(refused.content), "its argument rules hold"
    assert _built(warm) == {"egoi_list_lists"}


async def test_a_toolset_found_on_a_warm_start_gives_the_built_definitions(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    async with Client(_server(tmp_path, cache).mcp) as client:
        cold = await call(client, "egoi_find_tools", toolset="webhooks")
    warm = _server(tmp_path, cache)
    async with Client(warm.mcp) as client:
        assert await call(client, "egoi_find_tools", toolset="webhooks") == cold
    assert _built(warm) == {"egoi_find_tools"}, "the webhook tools' definitions came from the file"


async def test_a_torn_file_is_rebuilt_and_rewritten(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    built = await _wire(_server(tmp_path, cache), "legacy")
    (kept,) = cache.glob("tools-*.json")
    kept.write_text('{"egoi_list_lists": {"name": ')
    assert await _wire(_server(tmp_path, cache), "legacy") == built
    assert set(json.loads(kept.read_text())) >= {t["name"] for t in built}


async def test_no_cache_where_none_can_be_written(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    built = await _wire(_server(tmp_path, None), "legacy")
    assert await _wire(_server(tmp_path, blocked / "cache"), "legacy") == built
    assert blocked.read_text() == "not a directory"


def test_changed_code_or_other_tools_is_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "package"
    package.mkdir()
    source = package / "tool.py"
    source.write_text("x = 1\n")
    monkeypatch.setattr(_cache, "_PACKAGE", package)
    first = _cache._fingerprint(("egoi_list_lists",))
    assert _cache._fingerprint(("egoi_list_lists", "egoi_list_tags")) != first, "another set of tools"
    stat = source.stat()
    source.write_text("x = 2\n")  # the same size, and the same times put back (as a build that fixes them does)
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _cache._fingerprint(("egoi_list_lists",)) != first, "an edited source file"


async def test_the_directory_keeps_only_the_newest_files(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for number in range(12):
        old = cache / f"tools-{number:032x}.json"
        old.write_text("{}")
        os.utime(old, ns=(number, number))
    await _wire(_server(tmp_path, cache), "legacy")
    kept = sorted(p.name for p in cache.glob("tools-*.json"))
    assert len(kept) == _cache._KEPT
    assert f"tools-{11:032x}.json" in kept and f"tools-{0:032x}.json" not in kept


async def test_a_user_without_a_home_directory_gets_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A container's arbitrary user: no HOME, no passwd entry (`Path.home()` raises). The server starts and lists."""

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    settings = Settings(sandbox=True, db=tmp_path / "events.db", webhook_secret="test-webhook-secret")
    assert settings.tools_cache is None
    assert await _wire(build_server(settings), "legacy")
