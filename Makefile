# Two commands for a fresh machine: `make demo` and `make test` (see README).
VENV ?= .venv
PIP := $(VENV)/bin/pip
PLUGINS := $(wildcard plugins/*/pyproject.toml)
PYTEST_ARGS ?=

.PHONY: demo test install chromium lint format

$(VENV)/.installed: pyproject.toml $(PLUGINS)
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[test]" $(foreach p,$(PLUGINS),-e $(dir $(p)))
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/sync-admin demo

chromium:
	@scripts/ensure-chromium

test: install chromium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
