# Kafedra — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
MANAGE := $(BIN)/python manage.py

.DEFAULT_GOAL := help
.PHONY: help run test install install-test migrate seed lint bench messages clean-var

help:
	@echo "make run    - install, migrate, load the seed course and demo accounts, start web + Celery worker"
	@echo "make test   - install test dependencies and run the whole test suite"
	@echo "make bench  - run the benchmarks in bench/ and write BENCHMARKS.md"
	@echo "make lint   - ruff"
	@echo "make messages - update locale/ (ru, en) from the code and templates, then compile"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[test,dev]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

var:
	mkdir -p var/log var/mail var/celery/queue var/celery/processed

migrate: install var
	$(MANAGE) migrate --no-input

seed: migrate
	$(MANAGE) import_course fixtures/courses/*/
	$(MANAGE) create_demo_accounts

run: seed
	@echo "Starting the Celery worker (log: var/log/worker.log) ..."
	@$(BIN)/celery -A config.celery_app worker -B -Q grading,default,sandbox --concurrency 2 -l info \
		--logfile var/log/worker.log --pidfile var/celery/worker.pid --schedule var/celery/beat-schedule & \
	worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo ""; \
	echo "  Kafedra is running at http://$(HOST):$(PORT)/  (authoring: http://$(HOST):$(PORT)/admin/)"; \
	echo ""; \
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

test: install-test
	$(BIN)/pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The catalogs in locale/: stable .po files (no source locations, no obsolete #~ entries, so a
# diff shows only real message changes), then the .mo files the test suite checks against them.
# Only our own code is scanned: not the venv, var/ (collected static, screenshots), vendored JS or
# node_modules. No djangojs domain: static/js has no gettext() calls; the scripts read their
# translated strings from data-* attributes the templates render.
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=node_modules --ignore=static/vendor
messages: install
	$(MANAGE) makemessages -l ru -l en --no-location --no-obsolete $(MESSAGES_IGNORE)
	$(MANAGE) compilemessages -l ru -l en $(MESSAGES_IGNORE)

bench: install-test
	$(BIN)/python -m bench

clean-var:
	rm -rf var

# --- Sandbox (exams/sandbox): runtimes and the unprivileged identity -------------------------
# A runtime is a venv under $(RUNTIMES_DIR)/<name>, built from runtimes/<name>/requirements.txt
# on the system interpreter (it must live under /usr: the sandbox mounts only /usr and the
# runtime, read-only) and readable by the sandbox user. The ML runtime takes torch (CPU) from
# the local wheel directory in pip's find-links (/opt/wheels).
RUNTIMES_DIR ?= $(or $(SANDBOX_RUNTIMES_DIR),var/runtimes)
RUNTIME_PYTHON ?= /usr/bin/python3.11
SANDBOX_USER ?= kafedra-sandbox
.PHONY: runtimes runtime-python-basic runtime-python-ml sandbox-user

runtimes: runtime-python-basic runtime-python-ml

runtime-python-basic: $(RUNTIMES_DIR)/python-basic/.installed

runtime-python-ml: $(RUNTIMES_DIR)/python-ml/.installed

$(RUNTIMES_DIR)/%/.installed: runtimes/%/requirements.txt
	@case "$(RUNTIME_PYTHON)" in /usr/*) ;; *) echo "RUNTIME_PYTHON must be under /usr (the sandbox mounts only /usr)"; exit 1;; esac
	rm -rf $(RUNTIMES_DIR)/$*
	mkdir -p $(RUNTIMES_DIR)
	$(RUNTIME_PYTHON) -m venv $(RUNTIMES_DIR)/$*
	$(RUNTIMES_DIR)/$*/bin/python -m pip install --quiet --no-input --only-binary=:all: -r runtimes/$*/requirements.txt
	$(RUNTIMES_DIR)/$*/bin/python -m compileall -q $(RUNTIMES_DIR)/$*/lib > /dev/null || true
	chmod -R a+rX,go-w $(RUNTIMES_DIR)/$*
	chmod a+rx $(RUNTIMES_DIR)
	touch $@

# Creates the unprivileged system user the sandbox runs code as (needed when the sandbox
# worker runs as root) and installs bubblewrap when it is missing.
sandbox-user:
	@if ! command -v bwrap > /dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y --no-install-recommends bubblewrap; \
		else echo "bubblewrap is missing: sudo apt-get install bubblewrap"; exit 1; fi; \
	fi
	@if [ "$$(id -u)" = 0 ]; then \
		getent passwd $(SANDBOX_USER) > /dev/null || \
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
			--user-group $(SANDBOX_USER); \
		id $(SANDBOX_USER); \
	else echo "not root: sandboxed code runs as the worker's own (non-root) user"; fi
