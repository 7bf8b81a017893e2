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
	@$(BIN)/celery -A config.celery_app worker -B -Q default,sandbox --concurrency 2 -l info \
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

messages: install
	$(MANAGE) makemessages -l ru -l en --ignore=.venv --ignore=var
	$(MANAGE) compilemessages --ignore=.venv

bench: install-test
	$(BIN)/python -m bench

clean-var:
	rm -rf var
