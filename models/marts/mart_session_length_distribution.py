"""S8: the Session Board's length distribution in power-of-two buckets.

Thin on purpose: the concluded sessions of the dashboard window stay in DuckDB,
session_analytics.buckets counts them per bucket in the engine, and only the
zero-filled buckets come back as a small Arrow table.
"""

import pyarrow as pa

from session_analytics.buckets import COLUMNS, length_distribution


def model(dbt, session):
    dbt.config(materialized="table")
    min_exponent = int(dbt.config.get("session_bucket_min_exponent"))

    concluded = dbt.ref("fct_session_concluded")
    reporting_window = dbt.ref("int_reporting_window")
    in_window = concluded.join(
        reporting_window,
        "session_date between window_start_date and window_end_date",
    ).select("session_length_seconds")

    buckets = length_distribution(in_window, min_exponent)
    return pa.table(
        {column: [getattr(bucket, column) for bucket in buckets] for column in COLUMNS},
        schema=pa.schema(
            [
                ("bucket_index", pa.int32()),
                ("lower_bound_seconds", pa.int64()),
                ("upper_bound_seconds", pa.int64()),
                ("label", pa.string()),
                ("session_count", pa.int64()),
                ("share_of_sessions", pa.float64()),
            ]
        ),
    )
