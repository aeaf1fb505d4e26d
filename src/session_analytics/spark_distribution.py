"""S8 on Apache Spark: the length-distribution mart from the same bucketing code.

dbt runs the Python model ``mart_session_length_distribution`` on DuckDB (and on
Databricks, Snowflake, BigQuery), but dbt-spark's ``session`` and ``thrift``
methods run no Python models, so on a ``spark`` target dbt does not build it.
After ``dbt build --target spark`` this step reads ``marts.fct_session_concluded``
from the same warehouse, counts the concluded sessions of the dashboard window
(``is_in_dashboard_window``) per bucket in Spark with
:func:`session_analytics.buckets.length_distribution` (the function the dbt
Python model calls) and writes ``marts.mart_session_length_distribution``::

    dbt build --target spark --vars "$VARS"
    python -m session_analytics.spark_distribution --vars "$VARS"

Run it after dbt has exited: the local target's Derby metastore admits one
process at a time. It opens a SparkSession configured like the dbt-spark
``session`` target of ``profiles.yml`` (same warehouse, metastore and time zone).
On a cluster reached through dbt-spark's thrift or http method, call
:func:`write_distribution` with the cluster's SparkSession (a job or notebook
after the dbt run) instead. On Databricks through dbt-databricks, the dbt Python
model itself runs and calls :func:`distribution_frame`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import yaml

from session_analytics.buckets import IN_WINDOW_COLUMN, arrow_schema, length_distribution

PROFILE = "session_analytics"
CONCLUDED = "marts.fct_session_concluded"
DISTRIBUTION = "marts.mart_session_length_distribution"
MIN_EXPONENT_VAR = "session_bucket_min_exponent"


def spark_profile(profiles_dir: str | Path, target: str = "spark") -> dict[str, Any]:
    """The `target` output of profiles.yml, rendered (it uses env_var only)."""
    import jinja2

    def env_var(name: str, default: str | None = None) -> str:
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise KeyError(f"environment variable {name} is not set")
        return default

    text = (Path(profiles_dir) / "profiles.yml").read_text()
    rendered = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text)
    profile = yaml.safe_load(rendered.render(env_var=env_var))[PROFILE]
    output = profile["outputs"][target]
    if output.get("type") != "spark" or output.get("method") != "session":
        raise ValueError(f"target {target!r} is not a dbt-spark session target")
    return output


def spark_session(profiles_dir: str | Path, target: str = "spark"):
    """A SparkSession set up as dbt-spark's session method sets up its own."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_profile(profiles_dir, target).get("server_side_parameters", {}).items():
        builder = builder.config(key, str(value))
    return builder.getOrCreate()


def min_exponent_from_vars(cli_vars: str | None, project_dir: str | Path) -> int:
    """The dbt var session_bucket_min_exponent: from --vars, else dbt_project.yml."""
    given = yaml.safe_load(cli_vars) if cli_vars else None
    if given and MIN_EXPONENT_VAR in given:
        return int(given[MIN_EXPONENT_VAR])
    project = yaml.safe_load((Path(project_dir) / "dbt_project.yml").read_text())
    return int(project["vars"][MIN_EXPONENT_VAR])


def distribution_frame(spark, concluded, min_exponent: int):
    """The S8 mart as a Spark DataFrame, from the Spark DataFrame of
    fct_session_concluded. Spark counts the sessions of the window per
    bucket; only the handful of buckets comes back to Python."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    in_window = concluded.where(F.col(IN_WINDOW_COLUMN)).select("session_length_seconds")
    buckets = length_distribution(in_window, min_exponent)
    schema = from_arrow_schema(arrow_schema())
    return spark.createDataFrame([bucket.as_tuple() for bucket in buckets], schema)


def write_distribution(spark, min_exponent: int, relation: str = DISTRIBUTION) -> int:
    """Replace `relation` with the distribution; return its number of buckets."""
    frame = distribution_frame(spark, spark.table(CONCLUDED), min_exponent).cache()
    frame.write.mode("overwrite").saveAsTable(relation)
    return frame.count()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--vars", help="the dbt --vars given to dbt build (YAML), for the bucket exponent"
    )
    parser.add_argument(
        "--profiles-dir",
        default=os.environ.get("DBT_PROFILES_DIR", "."),
        help="folder of profiles.yml (default: $DBT_PROFILES_DIR, else .)",
    )
    parser.add_argument("--target", default="spark", help="dbt-spark session target (spark)")
    parser.add_argument(
        "--project-dir",
        default=os.environ.get("DBT_PROJECT_DIR", "."),
        help="dbt project folder, for the var's default (default: $DBT_PROJECT_DIR, else .)",
    )
    args = parser.parse_args(argv)
    min_exponent = min_exponent_from_vars(args.vars, args.project_dir)
    spark = spark_session(args.profiles_dir, args.target)
    try:
        count = write_distribution(spark, min_exponent)
    finally:
        spark.stop()
    print(f"{DISTRIBUTION}: {count} buckets (session_bucket_min_exponent={min_exponent})")


if __name__ == "__main__":
    main()
