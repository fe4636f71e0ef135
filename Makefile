# Minsheng: `make run` to try it, `make test` to check it. Needs only python3 (>= 3.11).
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
LINT_PATHS := src tests $(wildcard bench)

.PHONY: help setup vendor run lint test clean distclean

help:
	@echo "make run    set up, load the Kunshan demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   set up, then ruff, mypy, pytest on SQLite (and on PostgreSQL if"
	@echo "            MINSHENG_TEST_DATABASE_URL is set)"
	@echo "make setup | vendor | lint | clean | distclean"

# Debian's python3 needs the python3-venv package for ensurepip; say so instead of a traceback.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Minsheng needs Python 3.11 or newer (found $$($(PYTHON) --version 2>&1))." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV). On Debian: apt-get install python3-venv" >&2; exit 1; }

# One editable install with the dev extras serves both run and test; redone only when
# pyproject.toml changes, because pip is slow even when there is nothing to do.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev]'
	@touch $@

setup: $(STAMP)

# htmx from npm (pinned by scripts/vendor/package-lock.json); skipped with a note without npm.
vendor:
	@scripts/vendor.sh

# Uses the default SQLite database ./var/minsheng.db unless MINSHENG_DATABASE_URL says otherwise.
run: setup vendor
	$(BIN)/minsheng init
	$(BIN)/minsheng demo
	$(BIN)/minsheng serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy

# Every step runs even if an earlier one failed, so one run shows everything; exit 1 if any did.
# The PostgreSQL run goes beside the SQLite one (each takes one core; they share nothing but the
# server), its output printed when it ends, so the whole check takes the time of the longer run.
test: setup vendor
	@status=0; \
	echo "==> ruff check $(LINT_PATHS)"; $(BIN)/ruff check --output-format=concise $(LINT_PATHS) || status=1; \
	echo "==> mypy"; $(BIN)/mypy || status=1; \
	pg_log=$$(mktemp); pg_pid=; \
	if [ -n "$$MINSHENG_TEST_DATABASE_URL" ]; then \
		pg_name=$$(echo "$$MINSHENG_TEST_DATABASE_URL" | sed -E 's#//([^:/@]*):[^@]*@#//\1:***@#'); \
		echo "==> pytest on PostgreSQL $$pg_name: started beside the SQLite run, printed after it"; \
		$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS) >"$$pg_log" 2>&1 & pg_pid=$$!; \
	fi; \
	echo "==> pytest on SQLite (a temporary file per test)"; \
	env -u MINSHENG_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS) || status=1; \
	if [ -n "$$pg_pid" ]; then \
		wait $$pg_pid || status=1; \
		echo "==> pytest on PostgreSQL $$pg_name"; cat "$$pg_log"; \
	else \
		echo "==> PostgreSQL run skipped: MINSHENG_TEST_DATABASE_URL is not set"; \
	fi; \
	rm -f "$$pg_log"; \
	if [ $$status -eq 0 ]; then echo "==> all checks passed"; else echo "==> SOME CHECKS FAILED (see above)"; fi; \
	exit $$status

# Keeps .venv, var/ (the demo database) and the rest of build/; distclean also removes .venv.
clean:
	rm -rf build/vendor src/minsheng/web/static/vendor test-artifacts .pytest_cache .mypy_cache .ruff_cache $(STAMP)
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
