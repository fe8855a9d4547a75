# Two commands on a fresh machine with Python 3.11+:  make demo  and  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

## Start the MCP server over HTTP on the embedded sandbox (no E-goi account needed).
demo: $(STAMP)
	@echo "egoi-mcp on the sandbox: nothing reaches E-goi, nobody is mailed."
	@echo "  MCP endpoint (streamable HTTP):  http://$(HOST):$(PORT)/mcp"
	@echo "  Inspector:  npx @modelcontextprotocol/inspector  (transport: Streamable HTTP, URL above)"
	@echo "  stdio config for a desktop client:"
	@echo '    {"mcpServers": {"egoi": {"command": "$(abspath $(BIN))/egoi-mcp", "args": ["--sandbox"]}}}'
	@echo "  Try the live events: egoi_register_webhook(list_id=1), then egoi_create_contact(...),"
	@echo "  then read egoi://events/recent or call egoi_list_events."
	@EGOI_MCP_DB=$${EGOI_MCP_DB:-$(abspath $(VENV))/demo-events.db} $(BIN)/egoi-mcp --transport http --sandbox --host $(HOST) --port $(PORT)

## The whole suite: unit, sandbox, E-goi contract (Prism), MCP in both eras, HTTP, conformance.
test: $(STAMP)
	$(BIN)/python -m pytest

## Benchmarks: medians and ratios against baselines measured in the same run.
bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build dist *.egg-info
