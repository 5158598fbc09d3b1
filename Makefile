# Two commands for a new user: `make run` (set up + build the bundled sample), `make test` (set up + all tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
# Every dbt call reads profiles.yml and dbt_project.yml from the repo root.
DBT_FLAGS := --project-dir . --profiles-dir .
# The dbt templater opens the profile's database: keep lint away from the real warehouse.
LINT_DB := $(shell mktemp -u /tmp/assetrec-lint-XXXXXX).duckdb
# dbt writes the warehouse; BI tools and the report read the published copy (README: Report and BI access).
WAREHOUSE := $(or $(ASSETREC_DB),warehouse.duckdb)
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run publish report browser test test-fast lint format clean

# The stamp file is rebuilt whenever a dependency file changes, so `make` re-installs only when needed.
$(VENV)/.installed: requirements.txt requirements-dev.txt python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet -e python
	touch $@

setup: $(VENV)/.installed

# make stops at the first failing command: a failed build is never published or reported.
run: setup
	$(DBT) build $(DBT_FLAGS)
	@$(MAKE) --no-print-directory report

# Copy the marts to publish/ (atomic; refuses if the last dbt invocation in target/ failed).
publish: setup
	$(BIN)/python -m assetrec.publish --db $(WAREHOUSE) --out publish --run-results target/run_results.json

# reports/index.html from the freshly published copy (never from the warehouse dbt writes).
report: publish
	$(BIN)/python -m assetrec.report --db publish/assetrec.duckdb --out reports

# Headless Chromium for the report's browser test, installed (Debian/Ubuntu) only when missing. Best effort:
# without it that test is skipped, unless ASSETREC_REQUIRE_BROWSER=1 (CI) makes it fail.
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
		|| echo "browser: could not install chromium; the report's browser test will be skipped"; \
	else echo "browser: install Chromium at $(CHROMIUM) to run the report's browser test"; fi

# Every test (CI runs this). The real-export tests need ASSETREC_REAL_DATA (the export's folder); without it they skip.
test: setup browser
	$(BIN)/python -m pytest python/tests

# The unit tests only (no dbt build): under a minute, for checking a change as you go.
test-fast: setup
	$(BIN)/python -m pytest python/tests -m "not dbt" -q

lint: setup
	$(BIN)/ruff check python
	$(BIN)/ruff format --check python
	ASSETREC_DB=$(LINT_DB) $(BIN)/sqlfluff lint models tests

format: setup
	$(BIN)/ruff format python
	$(BIN)/ruff check --fix python
	ASSETREC_DB=$(LINT_DB) $(BIN)/sqlfluff fix models tests

clean:
	rm -rf target logs dbt_packages warehouse.duckdb warehouse.duckdb.wal publish reports
