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
	@$(BIN)/python -m egoi_mcp.demo --host $(HOST) --port $(PORT)

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
