# The two commands that matter: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
# Exact versions and hashes of every Python dependency (dev and bench extras included).
LOCK ?= requirements.lock
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --extra dev --extra bench \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host
UPGRADE_VENV := .venv-upgrade
UPGRADE_LOCK := requirements.upgrade.lock

.PHONY: run serve test test-serving fidelity services services-stop services-status lint format bench install clean-venv openapi lock upgrade

# (Re)install from the lock when it (or pyproject.toml) changes; the stamp keeps later runs instant.
# The lock pins pip and setuptools too, so the project itself installs without fetching anything.
$(STAMP): $(LOCK) pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "[install] installing the locked versions of $(LOCK) into $(VENV) (hashes checked)"
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@touch $(STAMP)

install: $(STAMP)

# Re-resolve after editing pyproject.toml's dependencies: keeps every pin that still fits.
lock: $(STAMP)
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile $(LOCK_FLAGS) -o $(LOCK) pyproject.toml

# Try the newest versions the ranges allow in a throw-away virtualenv; the lock moves only if the
# whole suite passes there. Review `git diff requirements.lock` and commit it as its own change.
upgrade: $(STAMP) services
	rm -rf $(UPGRADE_VENV) $(UPGRADE_LOCK)
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --upgrade $(LOCK_FLAGS) -o $(UPGRADE_LOCK) pyproject.toml
	@diff <(grep -E '^[a-z0-9]' $(LOCK)) <(grep -E '^[a-z0-9]' $(UPGRADE_LOCK)) || true
	@$(MAKE) --no-print-directory test VENV=$(UPGRADE_VENV) LOCK=$(UPGRADE_LOCK) || \
		{ echo "[upgrade] the suite fails with these versions: $(LOCK) unchanged; see $(UPGRADE_LOCK) and $(UPGRADE_VENV)"; exit 1; }
	mv $(UPGRADE_LOCK) $(LOCK)
	rm -rf $(UPGRADE_VENV)
	@echo "[upgrade] the suite passed: $(LOCK) updated. Rebuild with 'make clean-venv test', review and commit it."

services:
	@$(PYTHON) config/servers.py start

services-stop:
	@$(PYTHON) config/servers.py stop

services-status:
	@$(PYTHON) config/servers.py status

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
	$(PY) -m pytest --durations=15 $(PYTEST_ARGS)

# The serving tests: the production server and the make run server started for real, long downloads, reads
# during republishes, minutes of concurrent readers (tests/serving/). CI runs them after `make test`.
test-serving: $(STAMP) services
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) -m pytest -m serving --durations=10 tests/serving $(PYTEST_ARGS)

# The production web server as deployed (config/gunicorn.conf.py); run a worker and the reconciler beside it.
serve: $(STAMP) services
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	PORT=$(PORT) $(VENV)/bin/gunicorn -c config/gunicorn.conf.py config.wsgi

# The round-trip property test at length (make test runs 100 fixed examples): random tables, shrinking of a
# failure to a minimal table, no per-test timeout. FIDELITY_EXAMPLES=20000 make fidelity for a night.
FIDELITY_EXAMPLES ?= 3000
fidelity: $(STAMP) services
	$(PY) manage.py collectstatic --noinput --verbosity 0
	FIDELITY_EXAMPLES=$(FIDELITY_EXAMPLES) FIDELITY_RANDOM=1 FIDELITY_SHRINK=1 \
		$(PY) -m pytest -o timeout=0 -p no:logging --hypothesis-show-statistics \
		tests/fidelity/test_round_trip.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate the committed OpenAPI description after changing the management API.
openapi: $(STAMP)
	$(PY) manage.py spectacular --validate --fail-on-warn --format openapi-json --file datasets/api/management/openapi-v2.json

bench: $(STAMP) services
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || \
		echo "[bench] wrk is missing: install it (apt-get install wrk) for bench/explore.py"
	$(PY) manage.py migrate --noinput
	$(PY) bench/run.py

clean-venv:
	rm -rf $(VENV)
