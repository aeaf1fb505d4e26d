"""Issue 3: the same project on Apache Spark (dbt-spark, `session` method, a local
Spark) gives the same rows as on DuckDB in every public mart of S11.

One small input (generated events in two CSV files, the hand-written edge
cases of test_end_to_end in a third, its whitespace rows in a fourth) is built
on each engine in two runs, `dbt build --full-refresh` before the fourth file
lands and a plain (incremental) `dbt build` after it, followed on Spark by the
step that writes the S8 distribution. Every mart is then read from both and
compared row for row (timestamps as naive UTC). Run alone with `make
test-spark` (`pytest -m spark`). Skipped only when the Spark extras
(requirements-spark.txt) are not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import DBT, PROJECT_DIR, PUBLIC_MARTS, read_table, run_dbt
from test_buckets import POWER_OF_TWO_EDGES, expected_counts
from test_end_to_end import EDGE_ROWS, LOADED, WHITESPACE_ROWS, write_csv

pytestmark = pytest.mark.spark

pytest.importorskip(
    "pyspark", reason="Spark extras not installed: pip install -r requirements-spark.txt"
)
pytest.importorskip(
    "dbt.adapters.spark", reason="Spark extras not installed: pip install -r requirements-spark.txt"
)

from session_analytics.buckets import count_by_bucket  # noqa: E402
from session_analytics.spark_distribution import spark_session  # noqa: E402

# Run-time columns: when the run read the row, not what the row says.
RUN_TIME_COLUMNS = {"rejected_events": {"rejected_at"}, "stg_load_audit": {"staged_at"}}
# Beside S11's marts: the row accounting and the as-of/window row.
OTHER_RELATIONS = ("staging.stg_load_audit", "intermediate.int_reporting_window")
EPOCH = datetime(1970, 1, 1)


def _spark_env(scratch: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "SPARK_SCRATCH_DIR": str(scratch),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _run(command: list[str], scratch: Path) -> subprocess.CompletedProcess[str]:
    """Run in the scratch folder, so Spark writes nothing into the project."""
    completed = subprocess.run(
        command,
        cwd=scratch,
        env=_spark_env(scratch),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-8000:]
    return completed


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same input built on DuckDB and on the local Spark target."""
    from session_analytics.generate import generate_events

    root = tmp_path_factory.mktemp("spark_parity")
    inputs = root / "in"
    generate_events(inputs, 3000, seed=5, n_files=2, fmt="csv")
    write_csv(inputs / "edge_cases.csv", EDGE_ROWS)
    # S1 allows years from 0001: a session before 1582, which Spark writes
    # to Parquet only with the rebase modes of profiles.yml.
    ancient = ["y1", "ancient", "App Launched", "0001-01-01T01:00:00+01:00", "", "", "", "", LOADED]
    write_csv(inputs / "before_1582.csv", [ancient])
    variables = {"raw_events_path": str(inputs / "*.csv")}

    duckdb_path = root / "duckdb" / "warehouse.duckdb"
    scratch = root / "spark"
    scratch.mkdir()
    dbt_seconds = 0.0
    # The second run reads only the new file, on top of the first run's rows
    # (its row keys follow theirs); stg_load_audit then has a row per run.
    # On Spark, unit and data tests run in the first build; the second one's
    # rows are held to DuckDB's, whose build runs the data tests. The DuckDB
    # unit tests run in `make dbt-test`.
    no_unit_tests = ["--exclude-resource-type", "unit_test"]
    models_only = ["--resource-type", "seed", "--resource-type", "model"]
    for first in (True, False):
        if not first:
            write_csv(inputs / "whitespace.csv", WHITESPACE_ROWS)
        refresh = ["--full-refresh"] if first else []
        run_dbt(["build", *refresh, *no_unit_tests], duckdb_path, variables).check()
        flags = refresh if first else models_only
        started = time.monotonic()
        _run(
            [
                DBT,
                "build",
                *flags,
                "--target",
                "spark",
                "--project-dir",
                str(PROJECT_DIR),
                "--vars",
                json.dumps(variables),
                "--target-path",
                str(scratch / "target"),
                "--log-path",
                str(scratch / "logs"),
            ],
            scratch,
        )
        dbt_seconds += time.monotonic() - started
    started = time.monotonic()
    _run(
        [
            sys.executable,
            "-m",
            "session_analytics.spark_distribution",
            "--vars",
            json.dumps(variables),
            "--project-dir",
            str(PROJECT_DIR),
        ],
        scratch,
    )
    print(
        f"\nSpark leg: two dbt builds {dbt_seconds:.0f} s, "
        f"the distribution step {time.monotonic() - started:.0f} s"
    )
    return {"duckdb": duckdb_path, "scratch": scratch}


@pytest.fixture(scope="module")
def spark(builds: dict[str, Any]) -> Iterator[Any]:
    """One SparkSession on the Spark build's warehouse, opened after every
    Spark process of the build has exited (Derby admits one process)."""
    previous = os.environ.get("SPARK_SCRATCH_DIR")
    os.environ["SPARK_SCRATCH_DIR"] = str(builds["scratch"])
    try:
        session = spark_session(PROJECT_DIR)
    finally:
        if previous is None:
            os.environ.pop("SPARK_SCRATCH_DIR")
        else:
            os.environ["SPARK_SCRATCH_DIR"] = previous
    yield session
    session.stop()


def _spark_rows(spark, relation: str) -> list[dict[str, Any]]:
    """All rows of `relation`; timestamps as naive UTC datetimes, exactly."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    frame = spark.table(relation)
    timestamps = {
        field.name
        for field in frame.schema.fields
        if isinstance(field.dataType, T.TimestampType | T.TimestampNTZType)
    }
    frame = frame.select(
        *(
            F.unix_micros(F.col(name).cast("timestamp")).alias(name)
            if name in timestamps
            else F.col(name)
            for name in frame.columns
        )
    )
    return [
        {
            name: EPOCH + timedelta(microseconds=value)
            if name in timestamps and value is not None
            else value
            for name, value in row.asDict().items()
        }
        for row in frame.collect()
    ]


def _comparable(rows: list[dict[str, Any]], drop: set[str]) -> list[tuple[Any, ...]]:
    """Rows as sorted tuples of (column, value), run-time columns left out."""
    kept = [tuple(sorted((k, v) for k, v in row.items() if k not in drop)) for row in rows]
    return sorted(kept, key=repr)


@pytest.mark.parametrize(
    "relation", [f"marts.{name}" for name in PUBLIC_MARTS] + list(OTHER_RELATIONS)
)
def test_spark_rows_equal_duckdb_rows(builds, spark, relation):
    name = relation.split(".")[1]
    drop = RUN_TIME_COLUMNS.get(name, set())
    duckdb_rows = read_table(builds["duckdb"], relation)
    spark_rows = _spark_rows(spark, relation)
    assert duckdb_rows, f"{relation} is empty: the input does not exercise it"
    assert set(spark_rows[0]) == set(duckdb_rows[0]), "columns differ"
    expected = _comparable(duckdb_rows, drop)
    actual = _comparable(spark_rows, drop)
    if actual != expected:
        only_spark = [row for row in actual if row not in expected]
        only_duckdb = [row for row in expected if row not in actual]
        raise AssertionError(
            f"{relation}: {len(actual)} rows on Spark, {len(expected)} on DuckDB\n"
            f"Spark only:  {only_spark[:3]}\nDuckDB only: {only_duckdb[:3]}"
        )


def test_session_ids_are_the_same_on_both_engines(builds, spark):
    """S5: md5(user_id || '|' || epoch microseconds of the start) on both."""
    duckdb_ids = {row["session_id"] for row in read_table(builds["duckdb"], "marts.fct_sessions")}
    spark_ids = {row["session_id"] for row in _spark_rows(spark, "marts.fct_sessions")}
    assert len(duckdb_ids) > 100 and spark_ids == duckdb_ids


def test_the_dbt_python_model_takes_spark_dataframes(builds, spark):
    """Where dbt hands the Python model PySpark DataFrames (dbt-databricks), it
    returns the same distribution as DuckDB's, through the same code."""
    spec = importlib.util.spec_from_file_location(
        "mart_session_length_distribution",
        PROJECT_DIR / "models" / "marts" / "mart_session_length_distribution.py",
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    class Config:
        def __call__(self, **_: Any) -> None:
            pass

        def get(self, key: str) -> str:
            assert key == "session_bucket_min_exponent"
            return "12"

    class Dbt:
        config = Config()

        def ref(self, name: str):
            schema = "intermediate" if name.startswith("int_") else "marts"
            return spark.table(f"{schema}.{name}")

    frame = module.model(Dbt(), spark)
    frame.createOrReplaceTempView("model_distribution")
    built = _spark_rows(spark, "model_distribution")
    expected = read_table(builds["duckdb"], "marts.mart_session_length_distribution")
    assert _comparable(built, set()) == _comparable(expected, set())


def test_count_by_bucket_on_a_spark_dataframe(spark):
    """S8's boundaries, counted by Spark itself (groupBy): m = 12 by hand, then
    every power of two's neighbours, where a log2 worked out as a quotient of
    natural logarithms (Spark's) would go wrong first, against the
    reference's integer rule."""
    lengths = [0, 4095, 4096, 8191, 8192]
    frame = spark.createDataFrame([(length,) for length in lengths], "session_length_seconds long")
    assert count_by_bucket(frame, 12) == {0: 2, 1: 2, 2: 1}
    assert count_by_bucket(frame.limit(0), 12) == {}
    edges = spark.createDataFrame(
        [(length,) for length in POWER_OF_TWO_EDGES], "session_length_seconds long"
    )
    for min_exponent in (0, 12):
        assert count_by_bucket(edges, min_exponent) == expected_counts(
            POWER_OF_TWO_EDGES, min_exponent
        )
