# paperwire: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# PAPERWIRE_HOST / PAPERWIRE_PORT (the settings `paperwire serve` reads) pick them too.
HOST ?= $(or $(PAPERWIRE_HOST),127.0.0.1)
PORT ?= $(or $(PAPERWIRE_PORT),8000)

VENDOR := src/paperwire/web/static/vendor

.PHONY: run test lint bench bench-web clean install dev static docs screenshots

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# KaTeX and Swagger UI come from npm (versions pinned in package-lock.json) and are served
# by paperwire itself: no page loads anything from another host. axe-core (a devDependency)
# is for tests/web/test_pages_everywhere.py only: the tests inject it, nothing copies it.
$(VENDOR)/.copied: package.json package-lock.json tools/vendor_static.py
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PYTHON) tools/vendor_static.py
	touch $@

static: $(VENDOR)/.copied

# The browser tests drive Debian's Chromium through Playwright (no browser download).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

install: $(VENV)/.installed static

dev: $(VENV)/.dev-installed

run: $(VENV)/.installed static
	$(BIN)/paperwire demo
	$(BIN)/paperwire embed
	$(BIN)/paperwire serve --worker --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed static $(CHROMIUM) /usr/bin/wrk
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# The command reference in docs/cli.md is generated from the app (tests/cli/test_docs.py
# fails when it is stale).
docs: $(VENV)/.installed
	$(BIN)/python tools/cli_docs.py

# docs/screenshots/*.png: the demo's front page, a paper, search and trending at 1280 and
# 390 px, taken from a fresh `paperwire demo` in a temporary data directory.
screenshots: $(VENV)/.dev-installed static $(CHROMIUM)
	$(BIN)/python tools/screenshots.py

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/ingest.py

/usr/bin/wrk:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk

bench-web: $(VENV)/.dev-installed static /usr/bin/wrk
	$(BIN)/python bench/web_load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR)
