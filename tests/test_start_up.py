"""What `egoi-mcp` loads and how it treats the cyclic collector while it starts (the figures are bench/startup's)."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from egoi_mcp.cli import main


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


def test_the_package_loads_the_client_only_when_asked() -> None:
    code = (
        "import sys, egoi_mcp\n"
        "print('egoi_mcp.client' in sys.modules, 'httpx' in sys.modules)\n"
        "from egoi_mcp import EGoiClient, EGoiError\n"
        "print(EGoiClient.__module__, EGoiError.__module__)\n"
        "try:\n    egoi_mcp.NoSuchThing\nexcept AttributeError as e:\n    print(e)\n"
    )
    assert _python(code).splitlines() == [
        "False False",
        "egoi_mcp.client._client egoi_mcp.errors",
        "module 'egoi_mcp' has no attribute 'NoSuchThing'",
    ]


@pytest.mark.parametrize("collecting", [True, False])
def test_a_command_leaves_the_collector_as_it_found_it(collecting: bool, capsys: pytest.CaptureFixture[str]) -> None:
    (gc.enable if collecting else gc.disable)()
    try:
        main(["token"])
        assert gc.isenabled() is collecting
    finally:
        gc.enable()
    assert len(capsys.readouterr().out.strip()) >= 32


@pytest.mark.parametrize("collecting", [True, False])
def test_a_serving_command_too_leaves_the_collector_as_it_found_it(
    collecting: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`egoi-mcp sandbox` turns the collector on and freezes start-up before serving; once `main` returns, both are
    undone (the serving itself is not what is tested here: it returns at once)."""
    import egoi_mcp.sandbox

    while_serving: list[tuple[bool, int]] = []
    monkeypatch.setattr(
        egoi_mcp.sandbox, "serve", lambda **_: while_serving.append((gc.isenabled(), gc.get_freeze_count()))
    )
    (gc.enable if collecting else gc.disable)()
    try:
        main(["sandbox", "--port", "0"])
        assert gc.isenabled() is collecting and gc.get_freeze_count() == 0
    finally:
        gc.enable()
    ((enabled, frozen),) = while_serving
    assert enabled and frozen > 0


def test_serving_starts_with_the_collector_on_and_start_up_out_of_its_sight() -> None:
    code = (
        "import gc\n"
        "from egoi_mcp import cli\n"
        "gc.disable()\n"
        "made = len(gc.get_objects())\n"
        "cli._serving()\n"
        "print(gc.isenabled(), gc.get_freeze_count() >= made)\n"
    )
    assert _python(code) == "True True"
