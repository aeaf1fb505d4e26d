"""Print where the warehouse is and a few headline numbers (the end of `make run`)."""

from __future__ import annotations

import sys

import duckdb

from session_analytics.export import PUBLIC_MARTS


def main(db_path: str) -> None:
    with duckdb.connect(db_path, read_only=True) as con:
        (as_of, start, end, timezone, timeout) = con.execute(
            "select as_of, window_start_date, window_end_date, reporting_timezone,"
            " session_timeout_seconds from intermediate.int_reporting_window"
        ).fetchall()[0]
        (raw, staged, duplicates, rejected) = con.execute(
            "select sum(raw_row_count), sum(staged_count), sum(duplicate_count),"
            " sum(rejected_count) from staging.stg_load_audit"
        ).fetchall()[0]
        (sessions, concluded, users) = con.execute(
            "select count(*), count(*) filter (where is_concluded),"
            " count(distinct user_id) from marts.fct_sessions"
        ).fetchall()[0]
        window_sessions = con.execute(
            "select sum(session_count) from marts.mart_sessions_daily"
        ).fetchall()[0][0]
        median_length = con.execute(
            "select median(session_length_seconds) from marts.fct_session_concluded"
            " where is_in_dashboard_window"
        ).fetchall()[0][0]
        counts = {
            name: con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]
            for name in PUBLIC_MARTS
        }

    print(f"\nWarehouse: {db_path}  (DuckDB; the marts are in schema `marts`)")
    for name, count in counts.items():
        print(f"  marts.{name:<34} {count:>12,} rows")
    print(
        f"\nRaw rows {raw:,}: {staged:,} staged, {duplicates:,} duplicates, {rejected:,} rejected"
    )
    print(
        f"Sessions {sessions:,} ({concluded:,} concluded) of {users:,} users; timeout {timeout} s"
    )
    print(
        f"Session Board {start} .. {end} ({timezone}), as of {as_of}: "
        f"{window_sessions or 0:,} concluded sessions, median length {median_length or 0:,.0f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1])
