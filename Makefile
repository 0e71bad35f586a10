# Servicebook: `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := servicebook.settings

.PHONY: run test test-sqlite test-postgres lint check-deploy migrate seed worker server clean help

help:
	@echo "make run   - install, migrate, load demo data, start the server and worker"
	@echo "make test  - the test suite (under CI=true: SQLite and PostgreSQL, lint, deploy checks)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	@DEBUG=true scripts/run.sh $(HOST) $(PORT)

test: $(STAMP)
	@scripts/test.sh

test-postgres: $(STAMP)
	@DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/servicebook} $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var
