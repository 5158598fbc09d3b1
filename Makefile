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

.PHONY: setup run publish report browser test test-fast lint format clean java setup-spark run-spark publish-spark report-spark run-spark-standalone test-spark

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
REPORT := $(BIN)/python -m assetrec.report --db publish/assetrec.duckdb --out reports
report: publish
	$(REPORT)

# Headless Chromium for the report's browser test, installed (Debian/Ubuntu) only when missing. Best effort:
# without it that test is skipped, unless ASSETREC_REQUIRE_BROWSER=1 (CI) makes it fail.
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
		|| echo "browser: could not install chromium; the report's browser test will be skipped"; \
	else echo "browser: install Chromium at $(CHROMIUM) to run the report's browser test"; fi

# Every test (CI runs this) but the Spark target's (make test-spark). The real-export tests need ASSETREC_REAL_DATA
# (the export's folder); without it they skip.
test: setup browser
	$(BIN)/python -m pytest python/tests -m "not spark"

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

# The Spark target (README: Running on Spark): pyspark, dbt-spark and the adapter plugin in adapters/sparklocal, in
# the same .venv; Java 17 through apt-get, only when `java` is missing. Spark's state (tables, metastore, logs) goes
# to ASSETREC_SPARK_DIR (default target/spark); dbt's files to target/dbt-spark, apart from the DuckDB build's.
SPARK_DIR := $(or $(ASSETREC_SPARK_DIR),target/spark)
SPARK_DBT_FLAGS := $(DBT_FLAGS) --target spark --target-path target/dbt-spark --log-path target/dbt-spark/logs
SPARKLOCAL_FILES := $(shell find adapters/sparklocal -type f -not -path '*/build/*' -not -path '*.egg-info*' -not -name '*.pyc')

$(VENV)/.installed-spark: $(VENV)/.installed requirements-spark.txt $(SPARKLOCAL_FILES)
	$(BIN)/python -m pip install --quiet -r requirements-spark.txt
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall ./adapters/sparklocal
	touch $@

java:
	@if command -v java >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
	else echo "setup-spark: install Java 17 (openjdk-17-jre-headless): pyspark needs it"; exit 1; fi

setup-spark: $(VENV)/.installed-spark java

# The whole DAG, Python models and reporting included (selector spark in selectors.yml), on the bundled sample or
# the exports given with SPARK_VARS='{submissions_path: ..., bu_mapping_path: ...}' (or events_path: ...).
# Then publishes and reports it as `make run` does (publish-spark, report-spark).
run-spark: setup-spark
	ASSETREC_SPARK_DIR=$(SPARK_DIR) $(DBT) build $(SPARK_DBT_FLAGS) --selector spark $(if $(SPARK_VARS),--vars '$(SPARK_VARS)')
	@$(MAKE) --no-print-directory report-spark
	@echo "Spark tables (Parquet, one folder per table): $(abspath $(SPARK_DIR))/warehouse/assetrec.db/<table>/"
	@ls $(SPARK_DIR)/warehouse/assetrec.db | tr '\n' ' '; echo

# The Spark build's BI-facing tables, views computed, into publish/ (as `make publish` does for DuckDB's).
publish-spark: setup-spark
	$(BIN)/python -m assetrec.publish --spark-dir $(SPARK_DIR) --out publish --run-results target/dbt-spark/run_results.json

report-spark: publish-spark
	$(REPORT)

# The cluster route rehearsed on this machine (README: On a cluster): the same build with a Spark standalone master
# and one worker, separate JVMs, started and stopped by scripts/spark_standalone.sh; then published and reported.
run-spark-standalone: setup-spark
	ASSETREC_SPARK_DIR=$(SPARK_DIR) scripts/spark_standalone.sh $(SPARK_DBT_FLAGS) --selector spark $(if $(SPARK_VARS),--vars '$(SPARK_VARS)')
	@$(MAKE) --no-print-directory report-spark

# The Spark target against DuckDB, table by table (python/tests/test_spark_target.py).
test-spark: setup-spark
	$(BIN)/python -m pytest python/tests -m spark

clean:
	rm -rf target logs dbt_packages warehouse.duckdb warehouse.duckdb.wal publish reports spark-warehouse metastore_db derby.log
