"""S8: the Session Board's length distribution in power-of-two buckets.

Thin on purpose: the concluded sessions of the dashboard window stay in DuckDB,
session_analytics.buckets counts them per bucket in the engine, and only the
zero-filled buckets come back as a small Arrow table. Where dbt hands the model
PySpark DataFrames (Databricks), Spark counts them and a Spark DataFrame comes
back. dbt-spark's session and thrift methods run no Python models: there
`python -m session_analytics.spark_distribution` writes this mart after the
build, with the same code.
"""

import pyarrow as pa

from session_analytics.buckets import (
    COLUMNS,
    IN_WINDOW_COLUMN,
    arrow_schema,
    length_distribution,
)


def model(dbt, session):
    min_exponent = int(dbt.config.get("session_bucket_min_exponent"))

    concluded = dbt.ref("fct_session_concluded")
    if hasattr(concluded, "groupBy"):  # PySpark DataFrames (dbt-databricks)
        from session_analytics.spark_distribution import distribution_frame

        return distribution_frame(session, concluded, min_exponent)

    in_window = concluded.filter(IN_WINDOW_COLUMN).select("session_length_seconds")

    buckets = length_distribution(in_window, min_exponent)
    return pa.table(
        {column: [getattr(bucket, column) for bucket in buckets] for column in COLUMNS},
        schema=arrow_schema(),
    )
