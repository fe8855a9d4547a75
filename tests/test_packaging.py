"""The package as a user installs it: server.json for the MCP Registry, and the wheel in a clean venv.

The wheel test builds the sdist and, from it, the wheel (`python -m build`, what `make dist` runs), installs the
wheel with its dependencies from the package registry into a fresh `python -m venv` (pip's cache keeps reruns
fast), and drives the installed `egoi-mcp` command from outside the repository: `--version`, then a real
JSON-RPC exchange over its stdin/stdout on the sandbox (`initialize`, `tools/list`, one `tools/call`).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tarfile
import threading
import tomllib
import zipfile
from pathlib import Path
from typing import IO, Any

import jsonschema
import pytest

import egoi_mcp
from tests.conftest import REPO, SPEC

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def test_server_json_is_valid_and_versions_agree() -> None:
    schema_path = SPEC / "mcp" / "server.schema.json"
    manifest = json.loads((REPO / "server.json").read_text())
    jsonschema.validate(manifest, json.loads(schema_path.read_text()))

    assert manifest["version"] == VERSION == egoi_mcp.__version__
    assert {p["version"] for p in manifest["packages"]} == {VERSION}
    assert {p["transport"]["type"] for p in manifest["packages"]} == {"stdio", "streamable-http"}
    for package in manifest["packages"]:
        key = next(v for v in package["environmentVariables"] if v["name"] == "EGOI_API_KEY")
        assert key["isSecret"] is True


def test_readme_claims_the_registry_name() -> None:
    manifest = json.loads((REPO / "server.json").read_text())
    assert f"mcp-name: {manifest['name']}" in (REPO / "README.md").read_text()


def test_the_configuration_guide_documents_every_environment_variable() -> None:
    from egoi_mcp.config import Settings

    readme = (REPO / "docs" / "configuration.md").read_text()
    prefix = Settings.model_config["env_prefix"]
    names = [field.validation_alias or f"{prefix}{name}".upper() for name, field in Settings.model_fields.items()]
    assert [name for name in names if f"`{name}`" not in readme] == []


def test_the_readme_is_a_front_page_linking_each_guide_once() -> None:
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for guide in sorted((REPO / "docs").glob("*.md")):
        assert readme.count(f"](docs/{guide.name})") == 1, guide.name


def _env() -> dict[str, str]:
    """The caller's environment without E-goi settings or anything pointing Python at this checkout."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    return {k: v for k, v in os.environ.items() if not k.startswith("EGOI") and k not in drop}


def _run(args: list[str], cwd: Path, timeout: float = 600) -> str:
    done = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build`: the sdist, then the wheel built from that sdist (so the sdist must be complete)."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)], cwd=out)
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel and its declared dependencies; returns its bin directory."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)], cwd=venv)
    wheel = next(dist.glob("*.whl"))
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], venv)
    return venv / "bin"


def _package_files() -> set[str]:
    root = REPO / "egoi_mcp"
    return {p.relative_to(REPO).as_posix() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_sdist_and_wheel_carry_the_whole_package(dist: Path) -> None:
    wheel = next(dist.glob(f"egoi_mcp-{VERSION}-py3-none-any.whl"))
    sdist = next(dist.glob(f"egoi_mcp-{VERSION}.tar.gz"))
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as tar:
        in_sdist = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}

    assert sorted(_package_files() - in_wheel) == []
    assert sorted(_package_files() - in_sdist) == []
    assert "egoi_mcp/py.typed" in in_wheel, "the wheel must ship py.typed so library users get our types"
    for needed in ("pyproject.toml", "README.md", "Makefile", "spec/egoi/openapi-v3.contract.yaml"):
        assert needed in in_sdist
    entry_points = zipfile.ZipFile(wheel).read(f"egoi_mcp-{VERSION}.dist-info/entry_points.txt").decode()
    assert "egoi-mcp = egoi_mcp.cli:main" in entry_points


def test_installed_command_reports_its_version(installed: Path, tmp_path: Path) -> None:
    assert _run([str(installed / "egoi-mcp"), "--version"], cwd=tmp_path).strip() == f"egoi-mcp {VERSION}"
    where = _run([str(installed / "python"), "-c", "import egoi_mcp; print(egoi_mcp.__file__)"], cwd=tmp_path)
    assert Path(where.strip()).is_relative_to(installed.parent), "the venv imported egoi_mcp from outside itself"


class _Stdio:
    """JSON-RPC over a child's stdin/stdout, one message a line, with a deadline on every answer."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.lines: queue.Queue[bytes] = queue.Queue()
        assert proc.stdout is not None
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            self.lines.put(raw)
        self.lines.put(b"")

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, request_id: int, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, **({"params": params} if params else {})})
        while True:
            raw = self.lines.get(timeout=60)
            assert raw, f"egoi-mcp closed stdout before answering {method} (exit code {self.proc.poll()})"
            message: dict[str, Any] = json.loads(raw)
            if message.get("id") == request_id:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result


def test_installed_command_serves_mcp_over_stdio(installed: Path, tmp_path: Path) -> None:
    env = {**_env(), "EGOI_MCP_DB": str(tmp_path / "events.db")}
    proc = subprocess.Popen(
        [str(installed / "egoi-mcp"), "--sandbox"],
        cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        rpc = _Stdio(proc)
        hello = {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "wheel-test", "version": "0"},
        }
        init = rpc.request(1, "initialize", hello)
        assert init["protocolVersion"] == "2025-11-25"
        assert init["serverInfo"]["version"] == VERSION
        assert "tools" in init["capabilities"]
        rpc.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

        names = {tool["name"] for tool in rpc.request(2, "tools/list")["tools"]}
        assert "egoi_list_lists" in names

        called = rpc.request(3, "tools/call", {"name": "egoi_list_lists", "arguments": {}})
        assert called.get("isError") is not True, called
        assert called["structuredContent"]["items"], "the sandbox's seeded lists are missing from the installed wheel"
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            code = proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        assert proc.stderr is not None
        stderr = proc.stderr.read().decode(errors="replace")
    assert code == 0, stderr[-3000:]
