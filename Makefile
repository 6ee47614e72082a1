# The two commands that matter: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test services services-stop services-status lint format bench install clean-venv openapi

# (Re)install when pyproject.toml changes; the stamp keeps later runs instant.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

services:
	@$(PYTHON) config/services.py start

services-stop:
	@$(PYTHON) config/services.py stop

services-status:
	@$(PYTHON) config/services.py status

# Dev server: DEBUG on (plain http), one worker with the scheduler, Ctrl-C stops both.
run: $(STAMP) services
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py ensure_admin
	$(PY) manage.py load_demo
	@echo "[run] catalog: http://127.0.0.1:$(PORT)/  admin: http://127.0.0.1:$(PORT)/admin/  health: http://127.0.0.1:$(PORT)/health"
	DEBUG=true PORT=$(PORT) $(PY) config/devserver.py

test: $(STAMP) services
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate the committed OpenAPI description after changing the management API.
openapi: $(STAMP)
	$(PY) manage.py spectacular --validate --fail-on-warn --format openapi-json --file datasets/api/management/openapi-v2.json

bench: $(STAMP) services
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || \
		echo "[bench] wrk is missing: install it (apt-get install wrk) for bench/explore.py"
	$(PY) manage.py migrate --noinput
	$(PY) bench/run.py

clean-venv:
	rm -rf $(VENV)
