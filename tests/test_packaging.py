"""server.json is a valid MCP Registry manifest for this exact package version."""

from __future__ import annotations

import json
import tomllib

import jsonschema

import egoi_mcp
from tests.conftest import REPO, SPEC


def test_server_json_is_valid_and_versions_agree() -> None:
    schema_path = SPEC / "mcp" / "server.schema.json"
    manifest = json.loads((REPO / "server.json").read_text())
    jsonschema.validate(manifest, json.loads(schema_path.read_text()))

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert manifest["version"] == version == egoi_mcp.__version__
    assert {p["version"] for p in manifest["packages"]} == {version}
    assert {p["transport"]["type"] for p in manifest["packages"]} == {"stdio", "streamable-http"}
    for package in manifest["packages"]:
        key = next(v for v in package["environmentVariables"] if v["name"] == "EGOI_API_KEY")
        assert key["isSecret"] is True


def test_readme_claims_the_registry_name() -> None:
    manifest = json.loads((REPO / "server.json").read_text())
    assert f"mcp-name: {manifest['name']}" in (REPO / "README.md").read_text()


def test_readme_documents_every_environment_variable() -> None:
    from egoi_mcp.config import Settings

    readme = (REPO / "README.md").read_text()
    prefix = Settings.model_config["env_prefix"]
    names = [field.validation_alias or f"{prefix}{name}".upper() for name, field in Settings.model_fields.items()]
    assert [name for name in names if f"`{name}`" not in readme] == []
