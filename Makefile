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
export DUCKDB_PATH ?= $(CURDIR)/build/warehouse.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
DBT_VARS := {raw_events_path: "$(CURDIR)/$(DATA_DIR)/*.csv"}
BOARD_DIR := build/board
BI_DIR := build/bi

.PHONY: run test setup demo-data build board export lint dbt-test pytest bench clean

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
	$(BIN)/sqlfluff lint models tests analyses

# dbt's own test layers (unit tests, data tests, contracts) on the demo events,
# then the analyses must compile against the built marts.
dbt-test: build
	$(BIN)/dbt compile --select "resource_type:analysis" --vars '$(DBT_VARS)'

pytest: setup
	$(BIN)/python -m pytest

test: lint dbt-test pytest

# Benchmark (docs/benchmarks.md): N history events, BATCH new ones (default 1 % of N).
bench: setup
	$(BIN)/python scripts/bench.py --events $(N) --repeat $(REPEAT) $(if $(BATCH),--batch $(BATCH))

clean:
	rm -rf build target logs $(DATA_DIR)
