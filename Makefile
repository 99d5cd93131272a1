# One entry point for a new machine: Python 3.11+ and make are all it needs.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# An OpenID provider (the npm package oidc-provider) that tests run the platform against.
OIDC_PROVIDER := tests/oidc_provider
# The linters the OpenAPI document is held to (Redocly's and Spectral's recommended rules).
OPENAPI_LINT := tools/openapi-lint

# What is installed is stamped per level: the platform alone (`make run`), or with the
# development tools and the test OpenID provider (`make test`, `check`, `lint`, `types`).
# The development level includes the platform, so `make run` after `make test` installs
# nothing, and `make test` after `make run` adds only what development needs.
# setuptools tells every editable install to mind folders named like the package; ours is
# `app`, and there is no other.
PIP_INSTALL := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
NPM_STAMP := $(OIDC_PROVIDER)/node_modules/.installed

.PHONY: install install-run run test check lint lint-openapi format types snapshots migrate seed clean audit bench

# For development: the platform, its development extras and the test OpenID provider.
install: $(DEV_STAMP) $(NPM_STAMP) $(OPENAPI_LINT)/node_modules/.installed

# For running the platform only.
install-run: $(RUN_STAMP)

$(VENV)/pyvenv.cfg:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/pyvenv.cfg
	@if [ -f $(DEV_STAMP) ] && [ $(DEV_STAMP) -nt pyproject.toml ]; then \
		echo "the platform is installed (with the development extras)"; \
	else \
		echo '$(PIP_INSTALL) .'; \
		$(PIP_INSTALL) . || exit 1; \
	fi
	@touch $@

$(DEV_STAMP): pyproject.toml | $(VENV)/pyvenv.cfg
	$(PIP_INSTALL) '.[dev]'
	@touch $@ $(RUN_STAMP)

# Without npm the tests that need the provider are skipped (they fail when CI=true).
$(NPM_STAMP): $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(OIDC_PROVIDER) --no-audit --no-fund && touch $@; \
	else \
		echo "note: npm is not on PATH; $(OIDC_PROVIDER) is not installed and the tests against oidc-provider will be skipped"; \
	fi

# Without npm `make lint-openapi` is skipped (it fails when CI=true). Install scripts are not
# run: the linters need none (the only one is a usage-telemetry ping).
$(OPENAPI_LINT)/node_modules/.installed: $(OPENAPI_LINT)/package.json $(OPENAPI_LINT)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(OPENAPI_LINT) --ignore-scripts --no-audit --no-fund && touch $@; \
	else \
		echo "note: npm is not on PATH; the OpenAPI linters are not installed and make lint-openapi will be skipped"; \
	fi

# A development server: the GraphQL IDE, introspection and field hints are on.
run: install-run
	INSIGHT_GRAPHQL_IDE=$${INSIGHT_GRAPHQL_IDE:-true} \
	INSIGHT_GRAPHQL_INTROSPECTION=$${INSIGHT_GRAPHQL_INTROSPECTION:-true} \
	INSIGHT_GRAPHQL_FIELD_SUGGESTIONS=$${INSIGHT_GRAPHQL_FIELD_SUGGESTIONS:-true} \
	$(BIN)/insight serve --host $(HOST) --port $(PORT) --seed-demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench

# openapi/openapi.json against Redocly's and Spectral's recommended rules; any warning fails.
lint-openapi: $(OPENAPI_LINT)/node_modules/.installed
	$(OPENAPI_LINT)/lint

types: install
	$(BIN)/mypy

check: lint lint-openapi types test

# Known vulnerabilities in the installed dependencies (PyPI's advisory data); fails on any.
# Packages the advisory service cannot be asked about are listed as not audited.
audit: install
	$(BIN)/pip-audit --skip-editable --progress-spinner off

format: install
	$(BIN)/ruff check --fix app tests migrations bench
	$(BIN)/ruff format app tests migrations bench

snapshots: install
	$(BIN)/python -m app.contracts --write

migrate: install-run
	$(BIN)/insight migrate

seed: install-run
	$(BIN)/insight seed --demo

# The platform at a million insights against bare endpoints (bench/README.md): builds or
# reuses the scale database, runs every scenario, appends to bench/results/scale.md.
# Needs wrk, installed from Debian's packages when run as root.
bench: install
	@if ! command -v wrk >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get install -y wrk || { apt-get update && apt-get install -y wrk; } || exit 1; \
		else \
			echo "wrk is needed for make bench: install it (Debian: apt-get install wrk)"; exit 1; \
		fi; \
	fi
	$(BIN)/python bench/hot_paths.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(OIDC_PROVIDER)/node_modules $(OPENAPI_LINT)/node_modules
