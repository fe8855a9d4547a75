"""The tools' definitions as `tools/list` gives them, kept on disk: built once, then read at each start.

Building a tool's definition (the SDK's argument model, its JSON schemas, our compact forms) is pydantic work
that gives the same JSON every time the same code runs. So the first `tools/list` after a change builds what it
shows and writes it here, and later starts answer from the file; a tool is still built (registered with the SDK)
the first time it is called. The file is named by a fingerprint of everything a definition comes from: the
registered names (descriptions leave out sentences naming a tool not registered), the bytes of this package's
sources and of the SDK's that build definitions, pydantic's version and the interpreter (`-OO` too). Any change
is a new file; a file that cannot be read or written is no cache (the tools are built, as without one).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

import mcp
import mcp.types as types
import pydantic
import pydantic_core

from egoi_mcp._files import write_whole

__all__ = ["DefinitionCache"]

logger = logging.getLogger("egoi_mcp.tools")

_KEPT: Final = 8  # definition files kept in the directory (one per code version and set of registered tools)
_PACKAGE: Final = Path(__file__).resolve().parent.parent
_SDK: Final = Path(mcp.__file__).resolve().parent
_SDK_SOURCES: Final = tuple(  # where the SDK turns a function into a tool definition
    _SDK / name
    for name in ("__init__.py", "server/mcpserver/tools/base.py", "server/mcpserver/utilities/func_metadata.py")
)


class DefinitionCache:
    """Tool definitions of one set of registered tools, in `directory` (None: no cache). No I/O until used."""

    def __init__(self, directory: Path | None, registered: Iterable[str]) -> None:
        self.directory = directory
        self.registered: Final = tuple(registered)
        self._path: Path | None = None

    def load(self) -> dict[str, types.Tool]:
        """The definitions kept for this code and these tools; empty when there are none (or none readable)."""
        path = self._file()
        if path is None:
            return {}
        try:
            kept = json.loads(path.read_bytes())
            return {name: types.Tool.model_validate(kept[name]) for name in kept if name in self.registered}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, KeyError) as exc:  # a torn or foreign file: rebuilt, then rewritten
            logger.debug("tool definitions in %s not used: %s", path, exc)
            return {}

    def save(self, tools: Mapping[str, types.Tool]) -> None:
        """Keep `tools`' definitions (written whole, then renamed into place: a reader never sees half a file)."""
        path = self._file()
        if path is None:
            return
        wire = {name: tool.model_dump(mode="json", by_alias=True, exclude_none=True) for name, tool in tools.items()}
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # what the model reads: this user's only
            write_whole(path, json.dumps(wire, separators=(",", ":")).encode())
            _prune(path.parent)
        except OSError as exc:
            logger.debug("tool definitions not kept in %s: %s", path.parent, exc)

    def _file(self) -> Path | None:
        if self.directory is None:
            return None
        if self._path is None:
            try:
                self._path = self.directory / f"tools-{_fingerprint(self.registered)}.json"
            except OSError as exc:  # a source that cannot be read: no telling what changed, so no cache
                logger.debug("tool definitions not kept: %s", exc)
                self.directory = None
                return None
        return self._path


def _fingerprint(registered: tuple[str, ...]) -> str:
    """A digest of what a definition comes from: the interpreter (and `-OO`, which drops the docstrings that are
    the descriptions), pydantic, the SDK's code that builds definitions, this package's sources, the tools."""
    digest = hashlib.sha256()
    for part in (sys.version, str(sys.flags.optimize), pydantic.VERSION, pydantic_core.__version__, *registered):
        digest.update(part.encode() + b"\0")
    for root, paths in ((_SDK, _SDK_SOURCES), (_PACKAGE, sorted(_PACKAGE.rglob("*.py")))):
        for path in paths:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _prune(directory: Path) -> None:
    """Only the newest `_KEPT` definition files stay."""
    files = sorted(directory.glob("tools-*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in files[_KEPT:]:
        old.unlink(missing_ok=True)
