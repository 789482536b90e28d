# effortless — one entry point for building, running and checking everything.
# `make demo` and `make test` are the two commands; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# Rasa 3.6 needs Python 3.10: PYTHON310=/path/to/python3.10 overrides the pyenv lookup.
PYTHON310 ?= $(shell p="$$(pyenv root 2>/dev/null)/versions/3.10.13/bin/python"; \
	if [ -x "$$p" ]; then echo "$$p"; else command -v python3.10 || true; fi)
VENV := .venv
RVENV := .venv-rasa
PY := $(VENV)/bin/python
RPY := $(RVENV)/bin/python
EFFORTLESS_CACHE ?= $(HOME)/.cache/effortless
export EFFORTLESS_CACHE

.PHONY: help install install-service install-assistant lock system-deps services train demo \
	test lint test-service test-assistant test-rasa test-e2e prod-check bench clean

help:
	@echo "make demo    install what is missing, train if the data changed, start everything"
	@echo "make test    every check: lint, unit/integration tests, rasa tests, browser tests"
	@echo "make bench   benchmarks and evaluations (figures in bench/results/)"
	@echo "make install | lock | train | lint | clean"

# Chart.js for the analytics dashboard, from npm with the lockfile (not committed).
CHARTS := handoff/static/analytics/vendor/.stamp
$(CHARTS): handoff/static/analytics/package-lock.json handoff/static/analytics/build.mjs
	@command -v npm >/dev/null || { echo "npm is needed for the dashboard charts (apt-get install npm)" >&2; exit 1; }
	npm ci --silent --no-audit --no-fund --prefix handoff/static/analytics
	npm run --silent build --prefix handoff/static/analytics
	@touch $@

install: install-service install-assistant

install-service: $(VENV)/.stamp $(CHARTS)
install-assistant: $(RVENV)/.stamp

# Only the locked dependencies are installed (the project runs from its checkout, see README).
# An older checkout installed the project itself in editable mode: that is removed.
SERVICE_LOCK := requirements/service.lock
ASSISTANT_LOCK := requirements/assistant.lock
# Pinned by hash, installed without their declared dependencies (see the file).
ASSISTANT_NODEPS := requirements/assistant-nodeps.txt

$(VENV)/.stamp: $(SERVICE_LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r $(SERVICE_LOCK)
	@$(PY) -m pip uninstall -q -y effortless 2>/dev/null || true
	@touch $@

$(RVENV)/.stamp: $(ASSISTANT_LOCK) $(ASSISTANT_NODEPS)
	@if [ -z "$(PYTHON310)" ] || [ ! -x "$(PYTHON310)" ]; then \
		echo "Rasa 3.6 needs Python 3.10: install it (pyenv install 3.10.13) or pass PYTHON310=/path/to/python3.10" >&2; exit 1; fi
	@test -x $(RPY) || $(PYTHON310) -m venv $(RVENV)
	$(RPY) -m pip install -q --upgrade pip wheel
	$(RPY) -m pip install -q -r $(ASSISTANT_LOCK)
	$(RPY) -m pip install -q --no-deps --require-hashes -r $(ASSISTANT_NODEPS)
	@$(RPY) -m pip uninstall -q -y effortless 2>/dev/null || true
	@touch $@

# Re-resolve both environments from pyproject.toml (after adding or raising a dependency).
lock: install-service
	$(VENV)/bin/uv pip compile -q pyproject.toml --extra service --extra dev \
		--python-version 3.11 -o $(SERVICE_LOCK)
	$(VENV)/bin/uv pip compile -q pyproject.toml --extra assistant --extra assistant-test \
		--python-version 3.10 -o $(ASSISTANT_LOCK)

# Debian's Chromium for the browser tests (never a downloaded browser build).
system-deps:
	@scripts/system-deps.sh

# PostgreSQL, Redis, RabbitMQ for the integration tests: started if installed and not running.
services:
	@scripts/services.sh

train: install-assistant
	@scripts/train.sh

demo: install train
	$(PY) -m launcher.demo

lint: install-service
	$(PY) scripts/check_locks.py
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	PYTHONPATH=$(CURDIR) $(VENV)/bin/lint-imports --no-cache --no-logo

test: install lint test-service test-assistant test-e2e prod-check
	@echo "make test: all checks passed"

# One pytest run per environment (tests/support/environments.py skips the other venv's folders):
# the service tests without the browser ones, then the assistant's, then the browser tests.
test-service: install train services
	scripts/with-services.sh $(VENV)/bin/pytest -q -m "not e2e"

test-assistant: install train
	scripts/test-assistant.sh

test-e2e: install train system-deps
	$(VENV)/bin/pytest -q -m e2e

# The production profile (deploy/compose.yml: two Rasa, action and handoff instances behind
# HAProxy, PostgreSQL, Redis, RabbitMQ, the analytics consumer) under 100 live conversations while
# one instance of each kind is killed; fails on any lost, duplicated or unanswered message.
prod-check: install train services system-deps
	scripts/with-services.sh $(PY) -m bench.prod

bench: install train
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(RVENV) models results bench/results artifacts var .pytest_cache .mypy_cache .ruff_cache
