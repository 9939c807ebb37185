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

.PHONY: help install run test lint typecheck bench token clean

help:
	@echo "make run        run every service with PostgreSQL and NATS (embedded unless DATABASE_URL/NATS_URL)"
	@echo "make test       lint, type-check and run the tests"
	@echo "make lint       ruff check"
	@echo "make typecheck  mypy"
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

run: $(STAMP)
	$(BIN)/mentorship run $(ARGS)

test: lint typecheck
	$(BIN)/pytest -q $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	@set -e; for script in $(filter-out bench/harness.py,$(wildcard bench/*.py)); do echo "== $$script"; $(BIN)/python "$$script"; done

token: $(STAMP)
	@$(BIN)/mentorship token $(ARGS)

clean:
	rm -rf .run
