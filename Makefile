# The single entry point: `make run` runs the platform, `make test` runs every check.
# Both create .venv and install the project into it when needed, so a machine with Python alone suffices.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Installed again whenever pyproject.toml is newer than this stamp.
STAMP := $(VENV)/.installed
# The first Python the project supports, else whatever python3 is (pip then reports if it is too old).
PYTHON ?= $(firstword $(foreach candidate,python3.11 python3.12 python3.13 python3,$(shell command -v $(candidate) 2>/dev/null)))
ARGS ?=

.PHONY: help install run test lint typecheck generate bench token clean web clients screenshots

help:
	@echo "make run        run every service with PostgreSQL and NATS (embedded unless DATABASE_URL/NATS_URL)"
	@echo "make test       lint, type-check and run the tests"
	@echo "make lint       ruff check"
	@echo "make typecheck  mypy"
	@echo "make generate   rewrite what names the services (compose, deploy/, pyproject.toml, docs) from mentorship/services.py"
	@echo "make web        build the web console (web/dist; Node 20 and npm), which make run serves at /"
	@echo "make clients    regenerate the typed clients in clients/ from every service's OpenAPI document"
	@echo "make screenshots  the console's main screens as PNG in docs/screenshots (Chromium)"
	@echo "make bench      run every benchmark in bench/ at its headline size"
	@echo "make token      print a development JWT (ARGS='--role mentor --sub ...')"
	@echo "make clean      remove .run/ (embedded servers' data)"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "no python3 found: install Python 3.11 or newer" >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "could not create $(VENV): install the venv module (e.g. apt install python3-venv)" >&2; exit 1; }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The console is built when npm is there and a source is newer than the build; make run works without it.
# It imports the TypeScript client, so clients/typescript gets its npm packages too (`npm ci` when
# node_modules is missing or older than package-lock.json).
WEB_SOURCES := $(wildcard web/src/*.ts* web/src/pages/*.tsx web/src/*.css) web/index.html web/package-lock.json \
	$(wildcard clients/typescript/src/*.ts) clients/typescript/package-lock.json

web/dist/index.html: $(WEB_SOURCES)
	@if command -v npm >/dev/null; then \
		set -e; for dir in clients/typescript web; do \
			[ "$$dir/node_modules/.package-lock.json" -nt "$$dir/package-lock.json" ] || (cd $$dir && npm ci --no-audit --no-fund); \
		done; \
		cd web && npm run build; \
	else echo "npm not found: the web console is not built (install Node 20 and npm, then make web)"; fi

web: web/dist/index.html

run: $(STAMP) web
	$(BIN)/mentorship run $(ARGS)

clients: $(STAMP)
	$(BIN)/python -m mentorship.clients

screenshots: $(STAMP) web
	CONSOLE_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/web/test_console.py

test: lint typecheck web
	$(BIN)/pytest -q $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

generate: $(STAMP)
	$(BIN)/python -m mentorship.generate

bench: $(STAMP)
	@set -e; for script in $(wildcard bench/*.py); do echo "== $$script"; $(BIN)/python "$$script"; done

token: $(STAMP)
	@$(BIN)/mentorship token $(ARGS)

clean:
	rm -rf .run
