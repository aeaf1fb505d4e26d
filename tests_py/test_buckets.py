"""S8's bucketing code (session_analytics.buckets) on DuckDB relations.

The SQL bucket rule is checked against the reference's integer rule at every
power of two a session length can reach, where a floating-point log2 would go
wrong first; the end-to-end tests cover the mart as dbt builds it.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from reference import bucket_index
from session_analytics.buckets import count_by_bucket, length_distribution


def lengths_relation(con: duckdb.DuckDBPyConnection, lengths: list[int]):
    con.execute("create or replace table sessions (session_length_seconds bigint)")
    if lengths:
        con.executemany("insert into sessions values (?)", [(n,) for n in lengths])
    return con.table("sessions")


# Every length next to a power of two that a session can last (2^40 s is
# 35,000 years): where a log2 in floating point would go wrong first.
POWER_OF_TWO_EDGES = sorted({0, 1, 2, 3} | {2**k + d for k in range(1, 41) for d in (-1, 0, 1)})


def expected_counts(lengths: list[int], min_exponent: int) -> Counter[int]:
    """Sessions per bucket by the reference's integer rule (bit lengths)."""
    return Counter(bucket_index(n, min_exponent) for n in lengths)


@pytest.mark.parametrize("min_exponent", [0, 1, 12, 30])
def test_sql_buckets_match_the_integer_rule_at_every_power_of_two(min_exponent: int) -> None:
    with duckdb.connect() as con:
        assert count_by_bucket(
            lengths_relation(con, POWER_OF_TWO_EDGES), min_exponent
        ) == expected_counts(POWER_OF_TWO_EDGES, min_exponent)


def test_distribution_is_zero_filled_up_to_the_highest_bucket() -> None:
    with duckdb.connect() as con:
        buckets = length_distribution(lengths_relation(con, [0, 4095, 9000, 9001]), 12)
    assert [
        (b.bucket_index, b.lower_bound_seconds, b.upper_bound_seconds, b.session_count)
        for b in buckets
    ] == [(0, 0, 4096, 2), (1, 4096, 8192, 0), (2, 8192, 16384, 2)]
    assert [b.share_of_sessions for b in buckets] == [0.5, 0.0, 0.5]
    assert buckets[2].label == "8,192–16,384 s (136–273 min)"


def test_no_sessions_is_one_empty_bucket() -> None:
    with duckdb.connect() as con:
        buckets = length_distribution(lengths_relation(con, []), 12)
    assert [(b.bucket_index, b.session_count, b.share_of_sessions) for b in buckets] == [
        (0, 0, 0.0)
    ]


@pytest.mark.parametrize("min_exponent", [-1, 31])
def test_exponent_out_of_range_is_refused(min_exponent: int) -> None:
    with duckdb.connect() as con, pytest.raises(ValueError, match="0..30"):
        length_distribution(lengths_relation(con, [1]), min_exponent)
