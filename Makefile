# Two commands for a new user: `make run` (set up + build the bundled sample), `make test` (set up + all tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
# Every dbt call reads profiles.yml and dbt_project.yml from the repo root.
DBT_FLAGS := --project-dir . --profiles-dir .
# The dbt templater opens the profile's database: keep lint away from the real warehouse.
LINT_DB := $(shell mktemp -u /tmp/assetrec-lint-XXXXXX).duckdb

.PHONY: setup run test lint format clean

# The stamp file is rebuilt whenever a dependency file changes, so `make` re-installs only when needed.
$(VENV)/.installed: requirements.txt requirements-dev.txt python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet -e python
	touch $@

setup: $(VENV)/.installed

run: setup
	$(DBT) build $(DBT_FLAGS)

test: setup
	$(BIN)/python -m pytest python/tests

lint: setup
	$(BIN)/ruff check python
	$(BIN)/ruff format --check python
	ASSETREC_DB=$(LINT_DB) $(BIN)/sqlfluff lint models tests

format: setup
	$(BIN)/ruff format python
	$(BIN)/ruff check --fix python
	ASSETREC_DB=$(LINT_DB) $(BIN)/sqlfluff fix models tests

clean:
	rm -rf target logs dbt_packages warehouse.duckdb warehouse.duckdb.wal
