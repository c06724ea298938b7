# paperwire: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench clean install dev

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

run: $(VENV)/.installed
	$(BIN)/paperwire demo
	$(BIN)/paperwire embed
	$(BIN)/paperwire serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
