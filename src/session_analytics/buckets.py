"""S8: power-of-two session-length buckets.

The engine does the per-session work: it counts sessions per bucket index with
one SQL expression (:func:`bucket_index_sql`), on a DuckDB relation or a PySpark
DataFrame alike. Python only sees the handful of (bucket, count) pairs and turns
them into the zero-filled, labelled distribution (:func:`distribution_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LENGTH_COLUMN = "session_length_seconds"

# The mart's columns in order, with their Arrow type names: the DuckDB model
# and the Spark writer both take their schema from this one list (arrow_schema).
COLUMN_TYPES = (
    ("bucket_index", "int32"),
    ("lower_bound_seconds", "int64"),
    ("upper_bound_seconds", "int64"),
    ("label", "string"),
    ("session_count", "int64"),
    ("share_of_sessions", "float64"),
)
COLUMNS = tuple(name for name, _ in COLUMN_TYPES)


def arrow_schema() -> Any:
    """The mart's schema in Arrow (no column holds NULLs): the DuckDB model
    returns an Arrow table of it, and Spark converts it to its own types."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field(name, getattr(pa, arrow_type)(), nullable=False)
            for name, arrow_type in COLUMN_TYPES
        ]
    )


# S8/S9: the column of fct_session_concluded that says whether the Session
# Board counts a session (its date lies in the dashboard window). The rule
# itself lives in that model's SQL; DuckDB and Spark both filter on it.
IN_WINDOW_COLUMN = "is_in_dashboard_window"


@dataclass(frozen=True)
class Bucket:
    bucket_index: int
    lower_bound_seconds: int
    upper_bound_seconds: int
    label: str
    session_count: int
    share_of_sessions: float

    def as_tuple(self) -> tuple[Any, ...]:
        return tuple(getattr(self, column) for column in COLUMNS)


def bucket_bounds(index: int, min_exponent: int) -> tuple[int, int]:
    lower = 0 if index == 0 else 2 ** (min_exponent + index - 1)
    return lower, 2 ** (min_exponent + index)


def bucket_label(lower: int, upper: int) -> str:
    """`4,096–8,192 s (68–136 min)`: seconds, then whole minutes rounded down."""
    return f"{lower:,}–{upper:,} s ({lower // 60:,}–{upper // 60:,} min)"


def bucket_index_sql(min_exponent: int, column: str = LENGTH_COLUMN) -> str:
    """S8's bucket of a length in seconds, as SQL both DuckDB and Spark run:
    bucket 0 is [0, 2^m); bucket k >= 1 is [2^(m+k-1), 2^(m+k)).

    floor(log2(n + 0.5)) equals bit_length(n) - 1 exactly for every integer
    n >= 1 below 2^40 (the half keeps 2^k - 1 and 2^k apart in floating point;
    tests_py/test_buckets.py checks every power of two up to there).
    """
    _check_exponent(min_exponent)
    return (
        f"case when {column} < {2**min_exponent} then 0 "
        f"else cast(floor(log2({column} + 0.5)) as bigint) - {min_exponent - 1} end"
    )


def distribution_rows(counts: Mapping[int, int], min_exponent: int) -> list[Bucket]:
    """Every bucket from 0 to the highest non-empty one, zero-filled, with shares.

    With no sessions at all the distribution is bucket 0 alone, empty.
    """
    _check_exponent(min_exponent)
    total = sum(counts.values())
    highest = max((index for index, count in counts.items() if count > 0), default=0)
    rows = []
    for index in range(highest + 1):
        lower, upper = bucket_bounds(index, min_exponent)
        count = int(counts.get(index, 0))
        rows.append(
            Bucket(
                bucket_index=index,
                lower_bound_seconds=lower,
                upper_bound_seconds=upper,
                label=bucket_label(lower, upper),
                session_count=count,
                share_of_sessions=count / total if total else 0.0,
            )
        )
    return rows


def count_by_bucket(sessions: Any, min_exponent: int) -> dict[int, int]:
    """Sessions per bucket index, counted by the engine that holds `sessions`.

    `sessions` is a DuckDB relation or a PySpark DataFrame with a
    `session_length_seconds` column; only the per-bucket counts leave it.
    """
    expression = bucket_index_sql(min_exponent)
    if hasattr(sessions, "groupBy"):  # PySpark DataFrame
        from pyspark.sql import functions as spark_functions

        grouped = sessions.groupBy(spark_functions.expr(expression).alias("bucket_index")).count()
        pairs: Iterable[tuple[int, int]] = (
            (row["bucket_index"], row["count"]) for row in grouped.collect()
        )
    else:  # DuckDB relation
        grouped = sessions.aggregate(
            f"{expression} as bucket_index, count(*) as session_count", expression
        )
        pairs = grouped.fetchall()
    return {int(index): int(count) for index, count in pairs}


def length_distribution(sessions: Any, min_exponent: int) -> list[Bucket]:
    """S8 end to end: count in the engine, then zero-fill and label."""
    return distribution_rows(count_by_bucket(sessions, min_exponent), min_exponent)


def _check_exponent(min_exponent: int) -> None:
    if not 0 <= min_exponent <= 30:
        raise ValueError(f"session_bucket_min_exponent must be in 0..30, got {min_exponent}")
