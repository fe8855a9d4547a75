# Two commands on a fresh machine with Python 3.11+:  make demo  and  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test check bench lint dist clean

SERVER := $(VENV)/.server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The server alone (what `make demo` needs), and the server with everything the tests and benchmarks use.
$(SERVER): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $(SERVER)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP) $(SERVER)

## Start the MCP server over HTTP on the embedded sandbox (no E-goi account needed).
demo: $(SERVER)
	@echo "egoi-mcp on the sandbox: nothing reaches E-goi, nobody is mailed."
	@echo "  MCP endpoint (streamable HTTP):  http://$(HOST):$(PORT)/mcp"
	@echo "  Inspector:  npx @modelcontextprotocol/inspector  (transport: Streamable HTTP, URL above)"
	@echo "  stdio config for a desktop client:"
	@echo '    {"mcpServers": {"egoi": {"command": "$(abspath $(BIN))/egoi-mcp", "args": ["--sandbox"]}}}'
	@echo "  Try the live events: egoi_register_webhook(list_id=1), then egoi_create_contact(...),"
	@echo "  then read egoi://events/recent or call egoi_list_events."
	@EGOI_MCP_DB=$${EGOI_MCP_DB:-$(abspath $(VENV))/demo-events.db} $(BIN)/egoi-mcp --transport http --sandbox --host $(HOST) --port $(PORT)

## Static checks, then the whole suite: unit, sandbox, E-goi contract (Prism), MCP in both eras, HTTP,
## conformance, the Inspector's strict schema check, the wheel in a clean venv. Anything missing fails, never skips.
test: check
	$(BIN)/python -m pytest

## Lint, format and strict typing: what `make test` runs before pytest.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict egoi_mcp

## Benchmarks: medians and ratios against baselines measured in the same run.
bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## The sdist and the wheel (built from the sdist) in dist/: `pipx install dist/egoi_mcp-*.whl` or `uv tool install` it.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	@ls -l dist

clean:
	rm -rf $(VENV) build dist *.egg-info
