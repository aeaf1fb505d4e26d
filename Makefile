# The README's two commands: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR := data/events
DEMO_EVENTS ?= 200000
DEMO_FILES ?= 3
N ?= 10000000
BATCH ?=
REPEAT ?= 3
STEPS ?= floor,run,build,build-prod,inc,inc-prod,inc-empty
export DUCKDB_PATH ?= $(CURDIR)/build/warehouse.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
DBT_VARS := {raw_events_path: "$(CURDIR)/$(DATA_DIR)/*.csv"}
BOARD_DIR := build/board
BI_DIR := build/bi

SPARK_SCRATCH_DIR ?= $(CURDIR)/build/spark
SPARK_ENV := cd $(SPARK_SCRATCH_DIR) && SPARK_SCRATCH_DIR=$(SPARK_SCRATCH_DIR)

.PHONY: run test setup demo-data build board export lint dbt-test pytest bench clean
.PHONY: setup-spark spark test-spark

$(BIN)/dbt: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/dbt

setup: $(BIN)/dbt

$(DATA_DIR)/.done: src/session_analytics/generate.py | $(BIN)/dbt
	rm -rf $(DATA_DIR) && mkdir -p $(DATA_DIR)
	$(BIN)/python -m session_analytics.generate --out $(DATA_DIR) --events $(DEMO_EVENTS) --files $(DEMO_FILES) --format csv
	touch $@

demo-data: $(DATA_DIR)/.done

# The BI read path is refreshed only after a successful build.
build: setup demo-data
	mkdir -p build
	$(BIN)/dbt build --full-refresh --vars '$(DBT_VARS)'
	$(BIN)/python -m session_analytics.export --db "$(DUCKDB_PATH)" --out $(BI_DIR)

export: setup
	$(BIN)/python -m session_analytics.export --db "$(DUCKDB_PATH)" --out $(BI_DIR)

board: setup
	$(BIN)/python -m session_analytics.board --db "$(DUCKDB_PATH)" --out $(BOARD_DIR)

run: build
	@$(BIN)/python scripts/summary.py "$(DUCKDB_PATH)"
	@$(BIN)/python -m session_analytics.board --db "$(DUCKDB_PATH)" --out $(BOARD_DIR)

lint: setup
	mkdir -p build
	$(BIN)/ruff check src tests_py models scripts
	$(BIN)/ruff format --check src tests_py models scripts
	# dbt's templater renders against an empty database, so that incremental
	# models lint as their full-refresh SQL whatever the warehouse holds.
	rm -f build/lint.duckdb
	DUCKDB_PATH=$(CURDIR)/build/lint.duckdb $(BIN)/sqlfluff lint models tests analyses

# dbt's own test layers (unit tests, data tests, contracts) on the demo events,
# then the analyses must compile against the built marts.
dbt-test: build
	$(BIN)/dbt compile --select "resource_type:analysis" --vars '$(DBT_VARS)'

# One worker per core: most of a test's time is dbt on a few rows.
pytest: setup
	$(BIN)/python -m pytest -n auto -m "not spark" --ignore=tests_py/test_spark_parity.py

# pytest and the Spark parity run side by side: the Spark leg keeps about one
# core of two busy (JVM start-up, dbt-spark's single thread), the DuckDB tests
# take the rest. Each one's output is printed whole when it ends.
test: lint dbt-test
	$(MAKE) --no-print-directory --output-sync=target -j2 pytest test-spark

# Issue 3: the Spark extras (dbt-spark's session method, pyspark 3.5, Java 17)
# on top of the lock, which they leave as it is.
$(VENV)/.spark-installed: requirements-spark.txt | $(BIN)/dbt
	$(BIN)/pip install --quiet -c requirements.lock -r requirements-spark.txt
	touch $@

setup-spark: $(VENV)/.spark-installed

# The demo events on a local Spark: dbt build --target spark, then the S8 mart
# from the same bucketing code. Spark writes only under $(SPARK_SCRATCH_DIR).
spark: setup-spark demo-data
	mkdir -p $(SPARK_SCRATCH_DIR)
	$(SPARK_ENV) $(CURDIR)/$(BIN)/dbt build --full-refresh --target spark --project-dir $(CURDIR) \
		--target-path $(SPARK_SCRATCH_DIR)/target --log-path $(SPARK_SCRATCH_DIR)/logs --vars '$(DBT_VARS)'
	$(SPARK_ENV) $(CURDIR)/$(BIN)/python -m session_analytics.spark_distribution \
		--project-dir $(CURDIR) --vars '$(DBT_VARS)'

# Parity: the same input on DuckDB and on the local Spark, every S11 mart row for row.
test-spark: setup-spark
	$(BIN)/python -m pytest -m spark

# Benchmark (docs/benchmarks.md): N history events, BATCH new ones (default 1 % of N),
# STEPS a subset of floor,run,build,build-prod,inc,inc-prod,inc-empty, each measured REPEAT
# times (the -prod builds leave out the unit tests, as dbt Labs recommends for production
# jobs; inc-empty is an incremental build with no new file, the least one costs).
bench: setup
	$(BIN)/python scripts/bench.py --events $(N) --repeat $(REPEAT) --steps $(STEPS) \
		$(if $(BATCH),--batch $(BATCH))

clean:
	rm -rf build target logs $(DATA_DIR)
