# One entry point for a new machine: Python 3.11+ and make are all it needs.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test check lint format types snapshots migrate seed clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# A development server: the GraphQL IDE, introspection and field hints are on.
run: install
	INSIGHT_GRAPHQL_IDE=$${INSIGHT_GRAPHQL_IDE:-true} \
	INSIGHT_GRAPHQL_INTROSPECTION=$${INSIGHT_GRAPHQL_INTROSPECTION:-true} \
	INSIGHT_GRAPHQL_FIELD_SUGGESTIONS=$${INSIGHT_GRAPHQL_FIELD_SUGGESTIONS:-true} \
	$(BIN)/insight serve --host $(HOST) --port $(PORT) --seed-demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench

types: install
	$(BIN)/mypy

check: lint types test

format: install
	$(BIN)/ruff check --fix app tests migrations bench
	$(BIN)/ruff format app tests migrations bench

snapshots: install
	$(BIN)/python -m app.contracts --write

migrate: install
	$(BIN)/insight migrate

seed: install
	$(BIN)/insight seed --demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
