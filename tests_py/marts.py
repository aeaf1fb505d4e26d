"""Read the project's marts into the shape of tests_py/reference.py, so the two
can be compared row for row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import read_table

SESSION_COLUMNS = (
    "user_id",
    "session_start",
    "session_end",
    "session_length_seconds",
    "event_count",
    "is_concluded",
)


def actual_marts(db_path: Path) -> dict[str, Any]:
    """The built marts, session ids replaced by (user_id, session_start)."""
    sessions = read_table(db_path, "marts.fct_sessions")
    session_keys = {row["session_id"]: (row["user_id"], row["session_start"]) for row in sessions}
    events = read_table(db_path, "marts.fct_events")
    audit = read_table(db_path, "staging.stg_load_audit")
    return {
        "fct_events": sorted(
            (
                {
                    "event_id": None if row["is_event_id_derived"] else row["event_id"],
                    "user_id": row["user_id"],
                    "event_name": row["event_name"],
                    "event_ts": row["event_ts"],
                    "channel": row["channel"],
                    "source": row["source"],
                    "platform": row["platform"],
                    "is_sessionable": row["is_sessionable"],
                    "session_key": session_keys.get(row["ct_session_id"]),
                }
                for row in events
            ),
            key=_event_sort_key,
        ),
        "fct_sessions": sorted(
            ({column: row[column] for column in SESSION_COLUMNS} for row in sessions),
            key=lambda row: (row["user_id"], row["session_start"]),
        ),
        "fct_session_concluded": [
            {
                "user_id": row["user_id"],
                "event_name": row["event_name"],
                "event_ts": row["event_ts"],
                "session_start": row["session_start"],
                "session_length_seconds": row["session_length_seconds"],
                "event_count": row["event_count"],
            }
            for row in read_table(db_path, "marts.fct_session_concluded", "user_id, session_start")
        ],
        "dim_users": [
            {
                "user_id": row["user_id"],
                "first_seen_at": row["first_seen_at"],
                "last_seen_at": row["last_seen_at"],
                "session_count": row["session_count"],
                "total_session_length_seconds": row["total_session_length_seconds"],
                "latest_session_start": session_keys[row["latest_ct_session_id"]][1],
            }
            for row in read_table(db_path, "marts.dim_users", "user_id")
        ],
        "mart_session_length_distribution": read_table(
            db_path, "marts.mart_session_length_distribution", "bucket_index"
        ),
        "mart_sessions_daily": read_table(db_path, "marts.mart_sessions_daily", "session_date"),
        "rejected_events": sorted(
            (
                {
                    key: value
                    for key, value in row.items()
                    if key not in ("file_name", "rejected_at")
                }
                for row in read_table(db_path, "marts.rejected_events")
            ),
            key=_rejected_sort_key,
        ),
        "counts": {
            "raw": sum(row["raw_row_count"] for row in audit),
            "staged": sum(row["staged_count"] for row in audit),
            "duplicate": sum(row["duplicate_count"] for row in audit),
            "rejected": sum(row["rejected_count"] for row in audit),
        },
    }


def expected_marts(reference: dict[str, Any]) -> dict[str, Any]:
    """The reference's marts in the same order as :func:`actual_marts`."""
    expected = dict(reference)
    expected["fct_events"] = sorted(reference["fct_events"], key=_event_sort_key)
    expected["fct_sessions"] = sorted(
        ({column: row[column] for column in SESSION_COLUMNS} for row in reference["fct_sessions"]),
        key=lambda row: (row["user_id"], row["session_start"]),
    )
    expected["fct_session_concluded"] = sorted(
        reference["fct_session_concluded"], key=lambda row: (row["user_id"], row["session_start"])
    )
    expected["rejected_events"] = sorted(reference["rejected_events"], key=_rejected_sort_key)
    return expected


def assert_marts_equal(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Every mart, row for row; shares compared to 1e-12."""
    for name, expected_rows in expected.items():
        actual_rows = actual[name]
        if name == "mart_session_length_distribution":
            assert len(actual_rows) == len(expected_rows), (name, actual_rows, expected_rows)
            for got, want in zip(actual_rows, expected_rows, strict=True):
                assert abs(got["share_of_sessions"] - want["share_of_sessions"]) < 1e-12, (
                    got,
                    want,
                )
                assert {**got, "share_of_sessions": 0} == {**want, "share_of_sessions": 0}
            continue
        if actual_rows != expected_rows:
            only_actual = [row for row in actual_rows if row not in expected_rows]
            only_expected = [row for row in expected_rows if row not in actual_rows]
            raise AssertionError(
                f"{name} differs ({len(actual_rows)} rows built, {len(expected_rows)} expected)\n"
                f"built only:    {only_actual[:5]}\nexpected only: {only_expected[:5]}"
            )


def _event_sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["user_id"], row["event_ts"], row["event_name"], row["event_id"] or "", repr(row))


def _rejected_sort_key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row.get(key)) for key in sorted(row))
