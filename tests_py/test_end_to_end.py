"""End to end: build the project on small files and compare every public mart,
row for row, with the independent Python implementation in reference.py."""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import PROJECT_DIR, read_table, run_dbt
from marts import actual_marts, assert_marts_equal, expected_marts
from reference import compute_marts, read_raw_files
from session_analytics.generate import COLUMNS as GENERATED_COLUMNS

COLUMNS = list(GENERATED_COLUMNS)
LOADED = "2026-10-03 12:00:00"

# Edge cases of S2-S10, one user (or a few rows) per rule.
EDGE_ROWS: list[list[str]] = [
    # S6 documentation example: 11:00 and 11:10, then silence.
    ["d1", "doc", "App Launched", "2026-10-01 11:00:00", "", "SDK", "Android", "{}", LOADED],
    ["d2", "doc", "Product Viewed", "2026-10-01T11:10:00Z", "", "sdk", "Android", "", LOADED],
    # S4: a gap of exactly the timeout opens a session; 1 ms less does not.
    ["g1", "gap", "App Launched", "2026-10-01 08:00:00", "", "", "iOS", "", LOADED],
    ["g2", "gap", "App Launched", "2026-10-01 08:20:00", "", "", "iOS", "", LOADED],
    ["g3", "gap", "App Launched", "2026-10-01 08:39:59.999", "", "", "iOS", "", LOADED],
    # S4: real elapsed time, 1199.2 s.
    ["m1", "millis", "App Launched", "2026-10-01 10:00:00.900", "", "", "Web", "", LOADED],
    ["m2", "millis", "App Launched", "2026-10-01 10:20:00.100", "", "", "Web", "", LOADED],
    # S3: an excluded event inside a long gap does not keep the session alive.
    ["x1", "excl", "App Launched", "2026-10-01 09:00:00", "", "", "Web", "", LOADED],
    ["x2", "excl", "Notification Clicked", "2026-10-01 09:15:00", "web_push", "", "Web", "", ""],
    ["x3", "excl", " app installed ", "2026-10-01 09:16:00", "", "", "Web", "", LOADED],
    ["x4", "excl", "Product Viewed", "2026-10-01 09:30:00", "", "", "Web", "", LOADED],
    # S3: notification rules per channel, aliases and unknown channels.
    ["n1", "notif", "Notification Viewed", "2026-10-01 12:00:00", "in app", "", "Web", "", LOADED],
    ["n2", "notif", "Notification Viewed", "2026-10-01 12:01:00", "EMAIL", "", "Web", "", LOADED],
    ["n3", "notif", "notification clicked", "2026-10-01 12:02:00", "push", "", "iOS", "", LOADED],
    [
        "n4",
        "notif",
        "Notification Clicked",
        "2026-10-01 12:03:00",
        "Native Display",
        "",
        "",
        "",
        "",
    ],
    ["n5", "notif", "Notification Viewed", "2026-10-01 12:04:00", "Mobile Push", "", "", "", ""],
    ["n6", "notif", "Notification Clicked", "2026-10-01 12:05:00", "Pigeon", "", "", "", ""],
    ["n7", "notif", "Notification Sent", "2026-10-01 12:06:00", "SMS", "", "", "", ""],
    ["n8", "notif", "Session Concluded", "2026-10-01 12:07:00", "", "", "", "", ""],
    # S3: API events never make sessions.
    ["a1", "api", "App Launched", "2026-10-01 12:00:00", "", "api", "Web", "", LOADED],
    ["a2", "api", "App Launched", "2026-10-01 12:05:00", "", "API", "Web", "", LOADED],
    # S4: ties at one instant; a one-event session.
    ["t2", "ties", "App Launched", "2026-10-01 07:00:00", "", "", "Web", "", LOADED],
    ["t1", "ties", "Search", "2026-10-01 07:00:00", "", "", "Web", "", LOADED],
    ["o1", "one", "App Launched", "2026-09-20 07:00:00", "", "", "Web", "", LOADED],
    # S9: a session across midnight counts once, on the later day.
    ["mn1", "night", "App Launched", "2026-09-30 23:55:00", "", "", "Web", "", LOADED],
    ["mn2", "night", "App Launched", "2026-10-01 00:05:00", "", "", "Web", "", LOADED],
    # S1: offsets are honoured (10:00, 10:30 and 10:05 UTC; hh:mm before an offset).
    ["z1", "zone", "App Launched", "2026-10-01T15:30:00+05:30", "", "", "Web", "", LOADED],
    ["z2", "zone", "App Launched", "2026-10-01T06:30:00.250-04:00", "", "", "Web", "", LOADED],
    ["z3", "zone", "App Launched", "2026-10-01T11:05+01:00", "", "", "Web", "", LOADED],
    # S8: a long session (events 15 min apart for 2 h 30 min: 9,000 s).
    *[
        [
            f"l{i}",
            "long",
            "Search",
            f"2026-09-25 {10 + i // 4:02d}:{(i % 4) * 15:02d}:00",
            "",
            "",
            "Web",
            "",
            LOADED,
        ]
        for i in range(11)
    ],
    # S2: duplicates: same event id (earliest loaded wins), identical rows without id.
    [
        "dup",
        "dups",
        "Search",
        "2026-10-01 05:00:00",
        "",
        "",
        "Web",
        '{"v":2}',
        "2026-10-02 12:00:00",
    ],
    [
        "dup",
        "dups",
        "Search",
        "2026-10-01 05:00:00",
        "",
        "",
        "Web",
        '{"v":1}',
        "2026-10-01 12:00:00",
    ],
    ["", "dups", "Search", "2026-10-01 05:01:00", "", "", "Web", '{"a":1}', LOADED],
    ["", "dups", "Search", "2026-10-01 05:01:00", "", "", "Web", '{"a":1}', LOADED],
    ["  ", "dups", "Search", "2026-10-01T05:01:00Z", "", "SDK", "Web", '{"a":1}', LOADED],
    # S2: one row per reject reason; a far-future event must not move as_of.
    ["r1", "", "App Launched", "2026-10-01 05:00:00", "", "", "Web", "", LOADED],
    ["r2", "bad", " ", "2026-10-01 05:00:00", "", "", "Web", "", LOADED],
    ["r3", "bad", "App Launched", "", "", "", "Web", "", LOADED],
    ["r4", "bad", "App Launched", "yesterday-ish", "", "", "Web", "", LOADED],
    ["r5", "bad", "App Launched", "2026-13-45 99:00:00", "", "", "Web", "", LOADED],
    [
        "r6",
        "bad",
        "App Launched",
        "2026-10-05 12:00:00.001",
        "",
        "",
        "Web",
        "",
        "2026-10-04 12:00:00",
    ],
    ["r7", "bad", "App Launched", "2036-10-05 12:00:00", "", "", "Web", "", ""],
    # S1: an offset that carries the time out of the years 0001-9999 in UTC.
    ["r8", "bad", "App Launched", "0001-01-01T00:00+01:00", "", "", "Web", "", LOADED],
    ["r9", "bad", "App Launched", "9999-12-31T23:00-05:00", "", "", "Web", "", LOADED],
    ["r10", "bad", "App Launched", "0001-01-01T00:00:00+01:00", "", "", "Web", "", LOADED],
    ["r11", "bad", "App Launched", "9999-12-31T23:00:00-05:00", "", "", "Web", "", LOADED],
    # Exactly 24 h after its loaded_at is not more than 24 h: staged.
    [
        "at_limit",
        "bound",
        "App Launched",
        "2026-10-02 05:00:00",
        "",
        "",
        "Web",
        "",
        "2026-10-01 05:00:00",
    ],
    # Within 24 h of loaded_at: staged, and it is the latest event (as_of).
    [
        "late",
        "open",
        "App Launched",
        "2026-10-04 11:59:00",
        "",
        "",
        "Web",
        "",
        "2026-10-03 12:00:00",
    ],
]


# S2: whitespace of every kind around the text (Spark parity reads them too).
WHITESPACE_ROWS: list[list[str]] = [
    ["w1", "u1", "Notification Clicked", "2026-10-01 10:00:00", "\tEmail ", "", "", "", LOADED],
    ["w2", "u2", "App Launched", "2026-10-01 10:00:00", "", " api\t", "", "", LOADED],
    ["w3", "u3", "App Launched", "\t2026-10-01 10:00:00\r\n", "", "", "", "", LOADED],
    [
        "\u3000w4\xa0",
        "\x1cu4\x85",
        "\u2028App Launched\u2029",
        "2026-10-01 10:00:00",
        "",
        "",
        "\vWeb\f",
        "",
        LOADED,
    ],
    ["w5", "\t \n", "App Launched", "2026-10-01 10:00:00", "", "", "", "", LOADED],
    # Whitespace inside a channel spelling is left out of its alias key, as a blank is.
    ["w6", "u6", "Notification Clicked", "2026-10-01 10:00:00", "web\xa0push", "", "", "", LOADED],
    ["w7", "u6", "Notification Clicked", "2026-10-01 10:05:00", "Mobile\tPush", "", "", "", LOADED],
]


def write_csv(path: Path, rows: list[list[str]], columns: list[str] = COLUMNS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def build_and_compare(dbt_build, files: list[Path], glob: str, **variables) -> dict:
    run = dbt_build(glob, **variables).check()
    reference = compute_marts(
        read_raw_files([str(path) for path in files]),
        run_time=datetime.now(),
        timeout_seconds=variables.get("session_timeout_seconds", 1200),
        as_of=datetime.fromisoformat(variables["session_as_of"])
        if "session_as_of" in variables
        else None,
        min_exponent=variables.get("session_bucket_min_exponent", 12),
        dashboard_days=variables.get("dashboard_days", 30),
        reporting_timezone=variables.get("reporting_timezone", "UTC"),
    )
    actual = actual_marts(run.db_path)
    assert_marts_equal(actual, expected_marts(reference))
    return actual


def test_edge_cases_match_the_reference(dbt_build, tmp_path):
    path = write_csv(tmp_path / "in" / "events.csv", EDGE_ROWS)
    actual = build_and_compare(dbt_build, [path], str(tmp_path / "in" / "*.csv"))

    # Concrete values a wrong implementation would miss, beside the reference.
    sessions = {(row["user_id"], row["session_start"]): row for row in actual["fct_sessions"]}
    doc = sessions[("doc", datetime(2026, 10, 1, 11, 0))]
    assert (doc["session_end"], doc["session_length_seconds"], doc["is_concluded"]) == (
        datetime(2026, 10, 1, 11, 10),
        600,
        True,
    )
    assert [
        row["session_length_seconds"]
        for (user, _), row in sorted(sessions.items())
        if user == "gap"
    ] == [
        0,
        1199,
    ]
    assert (
        sessions[("millis", datetime(2026, 10, 1, 10, 0, 0, 900000))]["session_length_seconds"]
        == 1199
    )
    assert sessions[("long", datetime(2026, 9, 25, 10, 0))]["session_length_seconds"] == 9000
    assert [
        (row["session_start"], row["event_count"])
        for row in actual["fct_sessions"]
        if row["user_id"] == "excl"
    ] == [
        (datetime(2026, 10, 1, 9, 0), 1),
        (datetime(2026, 10, 1, 9, 30), 1),
    ]
    assert "at_limit" in {row["event_id"] for row in actual["fct_events"]}
    assert sorted(row["reject_reason"] for row in actual["rejected_events"]) == [
        "future_event_ts",
        "future_event_ts",
        "invalid_event_ts",
        "invalid_event_ts",
        "invalid_event_ts",
        "invalid_event_ts",
        "invalid_event_ts",
        "invalid_event_ts",
        "missing_event_name",
        "missing_event_ts",
        "missing_user_id",
    ]
    assert actual["counts"] == {
        "raw": len(EDGE_ROWS),
        "staged": len(EDGE_ROWS) - 14,
        "duplicate": 3,
        "rejected": 11,
    }
    # as_of is the latest staged event (11:59 on 4 Oct), not the rejected 2036 one.
    window = read_table(Path(actual_db(dbt_build, tmp_path)), "intermediate.int_reporting_window")[
        0
    ]
    assert window["as_of"] == datetime(2026, 10, 4, 11, 59)
    # The session of 11:59 is still open; it is in fct_sessions and dim_users only.
    assert not sessions[("open", datetime(2026, 10, 4, 11, 59))]["is_concluded"]
    daily = {row["session_date"]: row["session_count"] for row in actual["mart_sessions_daily"]}
    assert len(daily) == 30 and daily[date(2026, 10, 1)] == 12 and daily[date(2026, 9, 30)] == 0
    buckets = actual["mart_session_length_distribution"]
    assert [(row["label"], row["session_count"]) for row in buckets] == [
        ("0–4,096 s (0–68 min)", sum(daily.values()) - 1),
        ("4,096–8,192 s (68–136 min)", 0),
        ("8,192–16,384 s (136–273 min)", 1),
    ]


def actual_db(dbt_build, tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "warehouse.duckdb"


# An hour is past a 32-bit count of microseconds.
@pytest.mark.parametrize("timeout", [600, 3600])
def test_vars_change_timeout_timezone_window_and_buckets(dbt_build, tmp_path, timeout):
    path = write_csv(tmp_path / "in" / "events.csv", EDGE_ROWS)
    actual = build_and_compare(
        dbt_build,
        [path],
        str(tmp_path / "in" / "*.csv"),
        session_timeout_seconds=timeout,
        session_as_of="2026-10-02 00:00:00",
        reporting_timezone="America/New_York",
        dashboard_days=7,
        session_bucket_min_exponent=10,
    )
    assert len(actual["mart_sessions_daily"]) == 7
    # 2026-10-02 00:00 UTC is 1 October in New York: the window ends there.
    assert actual["mart_sessions_daily"][-1]["session_date"] == date(2026, 10, 1)
    assert actual["mart_session_length_distribution"][0]["label"] == "0–1,024 s (0–17 min)"


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_window_edges_in_the_farthest_time_zones(dbt_build, tmp_path, zone):
    """The board marts keep the sessions ending from int_reporting_window's
    window_scan_start_at on before they compute local dates: at UTC+14 the
    window's first day begins at 10:00 UTC the day before, at UTC-12 at noon.
    One session every two hours across the window's edges, each one's day
    checked against the reference."""
    rows = [
        [f"e{hour}", f"u{hour}", "App Launched", f"2026-10-0{2 + hour // 24} {hour % 24:02d}:00:00"]
        + ["", "SDK", "Web", "", LOADED]
        for hour in range(0, 96, 2)
    ]
    path = write_csv(tmp_path / "in" / "events.csv", rows)
    actual = build_and_compare(
        dbt_build,
        [path],
        str(tmp_path / "in" / "*.csv"),
        session_as_of="2026-10-06 00:00:00",
        reporting_timezone=zone,
        dashboard_days=3,
    )
    first_day = actual["mart_sessions_daily"][0]
    # UTC+14: 4 October runs from 10:00 UTC on 3 October, 12 sessions, 7 of them
    # on 3 October in UTC. UTC-12: 3 October runs from noon UTC, 12 sessions.
    assert (first_day["session_date"], first_day["session_count"]) == {
        "Pacific/Kiritimati": (date(2026, 10, 4), 12),
        "Etc/GMT+12": (date(2026, 10, 3), 12),
    }[zone]


def test_generated_demo_events_match_the_reference(dbt_build, tmp_path):
    from session_analytics.generate import generate_events

    files = generate_events(tmp_path / "in", 4000, seed=11, n_files=2, fmt="csv")
    build_and_compare(dbt_build, files, str(tmp_path / "in" / "*.csv"))


def test_ndjson_with_missing_optional_columns(dbt_build, tmp_path):
    path = tmp_path / "in" / "events.ndjson"
    path.parent.mkdir()
    lines = [
        {"user_id": "u1", "event_name": "App Launched", "event_ts": "2026-10-01T11:00:00Z"},
        {
            "user_id": "u1",
            "event_name": "Search",
            "event_ts": "2026-10-01 11:10:00.5",
            "properties": {"q": "x"},
        },
        {
            "user_id": 7,
            "event_name": "App Launched",
            "event_ts": "2026-10-01 09:00:00",
            "extra": [1, 2],
        },
        {"user_id": "u1", "event_name": "App Launched", "event_ts": "2026-10-01T11:00:00Z"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    actual = build_and_compare(dbt_build, [path], str(tmp_path / "in" / "*.ndjson"))
    assert actual["counts"] == {"raw": 4, "staged": 3, "duplicate": 1, "rejected": 0}


def test_awkward_csv_rows_match_the_reference(dbt_build, tmp_path):
    """S2: rows without event_id stay distinct when their parts hold '|', '~' or
    a NULL marker; of two rows of one id loaded at the same time, the first in
    the file wins; a row short of fields is rejected with its raw values, and a
    field beyond the header is ignored."""
    ts = "2026-10-01 10:00:00"
    rows = [
        ["", "a|b", "c", ts, "", "", "", "", LOADED],
        ["", "a", "b|c", ts, "", "", "", "", LOADED],
        ["", "u2", "App Launched", ts, "_null_", "", "", "", LOADED],
        ["", "u2", "App Launched", ts, "", "", "", "_null_", LOADED],
        ["", "u3", "App Launched", ts, "~n", "", "", "", LOADED],
        ["", "u3", "App Launched", ts, "", "", "", "", LOADED],
        ["t1", "u4", "Zulu First", ts, "", "", "", "", LOADED],
        ["t1", "u4", "Alpha Second", ts, "", "", "", "", LOADED],
    ]
    path = write_csv(tmp_path / "in" / "events.csv", rows)
    with path.open("a") as handle:
        handle.write("r3,u5\n")
        handle.write(f"r4,u5,App Launched,{ts},,,,,{LOADED},EXTRA\n")
    actual = build_and_compare(dbt_build, [path], str(tmp_path / "in" / "*.csv"))

    events = actual["fct_events"]
    assert sorted(row["user_id"] for row in events) == [
        "a",
        "a|b",
        "u2",
        "u2",
        "u3",
        "u3",
        "u4",
        "u5",
    ]
    assert [row["event_name"] for row in events if row["event_id"] == "t1"] == ["Zulu First"]
    assert [
        (row["reject_reason"], row["event_id"], row["user_id"]) for row in actual["rejected_events"]
    ] == [("missing_event_name", "r3", "u5")]
    assert actual["counts"] == {"raw": 10, "staged": 8, "duplicate": 1, "rejected": 1}


def test_whitespace_of_every_kind_is_trimmed(dbt_build, tmp_path):
    """S2: text is trimmed of tabs, line breaks and Unicode spaces too, as
    Python's str.strip() does, before S3 decides what is sessionable; inside
    a channel spelling they count as the blank of `web push` does."""
    path = write_csv(tmp_path / "in" / "events.csv", WHITESPACE_ROWS)
    actual = build_and_compare(dbt_build, [path], str(tmp_path / "in" / "*.csv"))

    events = {row["event_id"]: row for row in actual["fct_events"]}
    assert (events["w1"]["channel"], events["w1"]["is_sessionable"]) == ("Email", False)
    assert (events["w2"]["source"], events["w2"]["is_sessionable"]) == ("API", False)
    assert events["w3"]["session_key"] == ("u3", datetime(2026, 10, 1, 10, 0))
    assert (events["w4"]["user_id"], events["w4"]["event_name"], events["w4"]["platform"]) == (
        "u4",
        "App Launched",
        "Web",
    )
    assert [(row["event_id"], row["reject_reason"]) for row in actual["rejected_events"]] == [
        ("w5", "missing_user_id")
    ]
    assert [(events[key]["channel"], events[key]["is_sessionable"]) for key in ("w6", "w7")] == [
        ("Web Push", False),
        ("Mobile Push", False),
    ]


def test_timestamp_text_forms_match_the_reference(dbt_build, tmp_path):
    """S1: ISO-8601 text is read (hh:mm without seconds, offsets on a time,
    lower-case t and z, a decimal comma);
    forms an engine's cast would also read (slashes, unpadded dates, 24:00,
    impossible offsets, a trailing zone name, year 0000) are invalid_event_ts
    (so are offsets that leave the years 0001-9999: the edge cases)."""
    accepted = [
        "2026-10-01T10:00",
        "2026-10-01T12:05+02:00",
        "2026-10-01 10:10:00.5",
        "2026-10-01T05:15:00-0500",
        "2026-10-01",
        "2026-10-01t10:20:00z",
        "2026-10-01T10:25:00,25Z",
        # The first day, at a time its offset keeps in year 0001.
        "0001-01-01T01:00+01:00",
    ]
    rejected = [
        "2026/10/01 10:00:00",
        "2026-10-1 10:00:00",
        "2026-10-01T24:00:00",
        "2026-10-01T10:00:00+25:00",
        "2026-10-01 10:00:00 UTC",
        "2026-10-01+02:00",
        "0000-01-01T10:00:00",
    ]
    rows = [
        [f"t{index}", "u1", "App Launched", text, "", "", "", "", LOADED]
        for index, text in enumerate(accepted + rejected)
    ]
    path = write_csv(tmp_path / "in" / "events.csv", rows)
    actual = build_and_compare(dbt_build, [path], str(tmp_path / "in" / "*.csv"))
    assert sorted(row["event_ts"] for row in actual["fct_events"]) == [
        datetime(1, 1, 1, 0, 0),
        datetime(2026, 10, 1, 0, 0),
        datetime(2026, 10, 1, 10, 0),
        datetime(2026, 10, 1, 10, 5),
        datetime(2026, 10, 1, 10, 10, 0, 500000),
        datetime(2026, 10, 1, 10, 15),
        datetime(2026, 10, 1, 10, 20),
        datetime(2026, 10, 1, 10, 25, 0, 250000),
    ]
    assert [row["reject_reason"] for row in actual["rejected_events"]] == [
        "invalid_event_ts"
    ] * len(rejected)


def test_malformed_ndjson_line_is_rejected_and_ties_keep_file_order(dbt_build, tmp_path):
    """S2: a line that does not parse is rejected, not a failed build, and the
    first of two lines of one id loaded at the same time wins."""
    path = tmp_path / "in" / "events.ndjson"
    path.parent.mkdir()
    first = {"event_id": "m1", "user_id": "u1", "event_ts": "2026-10-01T10:00:00Z"}
    path.write_text(
        json.dumps({**first, "event_name": "Zulu First"})
        + "\n"
        + '{"event_id": "m2", "user_id": "u1", "event_name": "App Launched",\n'
        + json.dumps({**first, "event_name": "Alpha Second"})
        + "\n"
    )
    actual = build_and_compare(dbt_build, [path], str(tmp_path / "in" / "*.ndjson"))
    assert [row["event_name"] for row in actual["fct_events"]] == ["Zulu First"]
    assert [row["reject_reason"] for row in actual["rejected_events"]] == ["missing_user_id"]
    assert actual["counts"] == {"raw": 3, "staged": 1, "duplicate": 1, "rejected": 1}


# S1: extra columns are ignored whatever their names, also the names of the
# columns the readers add: the file name, and DuckDB's Parquet row numbers
# (file_index, file_row_number), which a file's own column would hide. Ids
# repeat within and across the files, so the row order decides.
@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_extra_columns_named_like_the_readers_own(dbt_build, tmp_path, file_format):
    extra = {"_file_name": "batch-7", "_read_position": "x", "file_index": 0,
             "file_row_number": 5, "filename": "f"}  # fmt: skip
    batches = {
        "a": [("e1", "10:00:00"), ("e2", "10:05:00"), ("e1", "10:30:00")],
        "b": [("e2", "10:50:00"), ("e3", "11:00:00")],
    }
    files = []
    for name, events in batches.items():
        rows = [
            {"event_id": event_id, "user_id": "u1", "event_name": "App Launched",
             "event_ts": f"2026-10-01 {time}", **extra}
            for event_id, time in events
        ]  # fmt: skip
        path = tmp_path / "in" / f"{name}.{file_format}"
        if file_format == "csv":
            write_csv(path, [list(map(str, row.values())) for row in rows], list(rows[0]))
        else:
            path.parent.mkdir(exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows), path)
        files.append(path)
    actual = build_and_compare(dbt_build, files, str(tmp_path / "in" / f"*.{file_format}"))
    assert actual["counts"] == {"raw": 5, "staged": 3, "duplicate": 2, "rejected": 0}


def test_parquet_with_typed_timestamps(dbt_build, tmp_path):
    path = tmp_path / "in" / "events.parquet"
    path.parent.mkdir()
    table = pa.table(
        {
            "event_id": ["p1", "p2", "p3"],
            "user_id": ["u1", "u1", "u2"],
            "event_name": ["App Launched", "Search", "App Launched"],
            "event_ts": pa.array(
                [datetime(2026, 10, 1, 11, 0), datetime(2026, 10, 1, 11, 10, 0, 250000), None],
                type=pa.timestamp("us"),
            ),
        }
    )
    pq.write_table(table, path)
    actual = build_and_compare(dbt_build, [path], str(tmp_path / "in" / "*.parquet"))
    assert [row["reject_reason"] for row in actual["rejected_events"]] == ["missing_event_ts"]


@pytest.mark.parametrize("time_zone", [None, "UTC"])
def test_parquet_nanoseconds_are_cut_to_microseconds(dbt_build, tmp_path, time_zone):
    # S4: 10:00 to 10:19:59.9999996 is under the 20-minute timeout; rounded to
    # the microsecond it would be exactly 20 minutes, a second session.
    path = tmp_path / "in" / "events.parquet"
    path.parent.mkdir()
    start_ns = int(datetime(2026, 10, 1, 10, 0, tzinfo=ZoneInfo("UTC")).timestamp()) * 10**9
    table = pa.table(
        {
            "event_id": ["n1", "n2"],
            "user_id": ["u1", "u1"],
            "event_name": ["App Launched", "Search"],
            "event_ts": pa.array(
                [start_ns, start_ns + 1_199_999_999_600], type=pa.timestamp("ns", tz=time_zone)
            ),
        }
    )
    pq.write_table(table, path)
    run = dbt_build(str(path)).check()
    sessions = read_table(run.db_path, "marts.fct_sessions")
    assert [
        (row["session_start"], row["session_end"], row["session_length_seconds"])
        for row in sessions
    ] == [(datetime(2026, 10, 1, 10, 0), datetime(2026, 10, 1, 10, 19, 59, 999999), 1199)]


def test_parquet_nested_properties_arrive_as_json_text(dbt_build, tmp_path):
    # S1: properties are JSON text; a Parquet writer may store them as a struct
    # or a map, and text columns as binary (UTF-8 or not).
    path = tmp_path / "in" / "events.parquet"
    path.parent.mkdir()
    table = pa.table(
        {
            "event_id": pa.array(["sé1".encode(), b"s2"], type=pa.binary()),
            "user_id": ["u1", "u1"],
            "event_name": ["App Launched", "Search"],
            "event_ts": pa.array(
                [datetime(2026, 10, 1, 11, 0), datetime(2026, 10, 1, 11, 5)],
                type=pa.timestamp("us"),
            ),
            "properties": pa.array(
                [{"plan": "pro", "items": 2}, {"plan": None, "items": 0}],
                type=pa.struct([("plan", pa.string()), ("items", pa.int64())]),
            ),
            "platform": pa.array([[("os", "iOS")], []], type=pa.map_(pa.string(), pa.string())),
            "channel": pa.array([b"\xff\xfe", None], type=pa.binary()),
        }
    )
    pq.write_table(table, path)
    run = dbt_build(str(path)).check()
    events = read_table(run.db_path, "marts.fct_events", "event_id")
    assert [
        (
            row["event_id"],
            json.loads(row["properties"]),
            json.loads(row["platform"]),
            row["channel"],
        )
        for row in events
    ] == [
        ("s2", {"plan": None, "items": 0}, {}, None),
        # Binary that is not UTF-8 is kept as escaped bytes, not a failed build.
        ("sé1", {"plan": "pro", "items": 2}, {"os": "iOS"}, "\\xFF\\xFE"),
    ]


def test_parquet_with_time_zone_aware_timestamps(dbt_build, tmp_path):
    # S1: a timestamptz column is an instant; it is stored as UTC (13:00 in
    # Paris in October is 11:00 UTC), and a naive one is taken as it is.
    path = tmp_path / "in" / "events.parquet"
    path.parent.mkdir()
    paris = ZoneInfo("Europe/Paris")
    table = pa.table(
        {
            "event_id": ["z1", "z2"],
            "user_id": ["u1", "u1"],
            "event_name": ["App Launched", "Search"],
            "event_ts": pa.array(
                [
                    datetime(2026, 10, 1, 13, 0, tzinfo=paris),
                    datetime(2026, 10, 1, 13, 10, tzinfo=paris),
                ],
                type=pa.timestamp("us", tz="Europe/Paris"),
            ),
            "loaded_at": pa.array([datetime(2026, 10, 1, 12, 0)] * 2, type=pa.timestamp("us")),
        }
    )
    pq.write_table(table, path)
    run = dbt_build(str(tmp_path / "in" / "*.parquet")).check()
    sessions = actual_marts(run.db_path)["fct_sessions"]
    assert [
        (row["session_start"], row["session_end"], row["session_length_seconds"])
        for row in sessions
    ] == [(datetime(2026, 10, 1, 11, 0), datetime(2026, 10, 1, 11, 10), 600)]
    staged = read_table(run.db_path, "staging.stg_event_rows", "event_id")
    assert [(row["event_ts"], row["loaded_at"]) for row in staged] == [
        (datetime(2026, 10, 1, 11, 0), datetime(2026, 10, 1, 12, 0)),
        (datetime(2026, 10, 1, 11, 10), datetime(2026, 10, 1, 12, 0)),
    ]


def test_empty_file_builds_empty_marts(dbt_build, tmp_path):
    path = write_csv(tmp_path / "in" / "events.csv", [])
    actual = build_and_compare(dbt_build, [path], str(tmp_path / "in" / "*.csv"))
    assert actual["fct_sessions"] == [] and actual["mart_sessions_daily"] == []
    assert actual["mart_session_length_distribution"][0]["session_count"] == 0


def test_glob_matching_no_file_builds_empty_with_a_warning(dbt_build, tmp_path):
    glob = str(tmp_path / "nowhere" / "*.csv")
    run = dbt_build(glob).check()
    assert f"raw_events_path matches no file: {glob}" in run.output
    assert read_table(run.db_path, "marts.fct_events") == []
    strict = run_dbt(
        ["--warn-error", "run", "--select", "stg_event_rows"],
        tmp_path / "strict" / "warehouse.duckdb",
        {"raw_events_path": glob},
    )
    assert strict.returncode != 0
    assert "matches no file" in strict.output


def test_only_required_columns(dbt_build, tmp_path):
    rows = [
        ["u1", "App Launched", "2026-10-01 11:00:00"],
        ["u1", "App Launched", "2026-10-01 11:00:00"],
    ]
    path = write_csv(tmp_path / "in" / "events.csv", rows, ["user_id", "event_name", "event_ts"])
    actual = build_and_compare(dbt_build, [path], str(tmp_path / "in" / "*.csv"))
    assert actual["counts"] == {"raw": 2, "staged": 1, "duplicate": 1, "rejected": 0}


def test_unsupported_extension_fails_with_a_clear_message(dbt_build, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "events.xlsx").write_text("x")
    run = dbt_build(str(tmp_path / "in" / "*.xlsx"))
    assert run.returncode != 0
    assert "raw_events_path must end in" in run.output


HOURS_RANGE = "max_future_hours must be a number of hours from 0 to 1,000,000"
BUCKETS_RANGE = "session_bucket_min_exponent must be a whole number from 0 to 30"


# A knob with a value that makes no sense fails the run with a message that
# names it, rather than building marts that look right.
@pytest.mark.parametrize(
    ("knob", "value", "message"),
    [
        ("session_timeout_seconds", 0, "session_timeout_seconds must be a positive whole"),
        ("session_timeout_seconds", -5, "session_timeout_seconds must be a positive whole"),
        ("session_timeout_seconds", 1.5, "session_timeout_seconds must be a positive whole"),
        ("dashboard_days", 0, "dashboard_days must be a positive number of days"),
        ("max_future_hours", -1, HOURS_RANGE),
        ("max_future_hours", "a day", HOURS_RANGE),
        ("max_future_hours", "nan", HOURS_RANGE),
        ("max_future_hours", "inf", HOURS_RANGE),
        ("session_as_of", "2026-13-01", "session_as_of must be a timestamp"),
        ("session_as_of", "yesterday", "session_as_of must be a timestamp"),
        ("session_as_of", "2026-10-01 25:00:00", "session_as_of must be a timestamp"),
        ("session_as_of", "2026-10-01 10:00:00'", "session_as_of must be a timestamp"),
        ("session_as_of", "2026-10-01\\", "session_as_of must be a timestamp"),
        ("reporting_timezone", "Mars/Olympus", "reporting_timezone must be an IANA time zone"),
        ("reporting_timezone", "UTC'", "reporting_timezone must be an IANA time zone"),
        ("session_bucket_min_exponent", 31, BUCKETS_RANGE),
        ("session_bucket_min_exponent", 1.5, BUCKETS_RANGE),
        ("data_tests_scope", "latest", "data_tests_scope must be new_rows or all"),
    ],
)
def test_meaningless_knob_value_is_refused(dbt_build, tmp_path, knob, value, message):
    path = write_csv(tmp_path / "in" / "events.csv", EDGE_ROWS[:2])
    run = dbt_build(str(path), **{knob: value})
    assert run.returncode != 0
    assert message in run.output
    assert f"got {value}" in run.output


# The project owns preserve_insertion_order (keep_raw_row_order): from a
# profile, dbt-duckdb would re-apply it on every connection and, with two
# threads, could turn it off while staging numbers CSV rows.
def test_insertion_order_in_the_profile_is_refused(tmp_path):
    profiles = (PROJECT_DIR / "profiles.yml").read_text()
    settings = "      settings:\n"
    assert profiles.count(settings) == 1
    profile_dir = tmp_path / "profile"
    profile_dir.mkdir()
    (profile_dir / "profiles.yml").write_text(
        profiles.replace(settings, settings + "        preserve_insertion_order: false\n")
    )
    path = write_csv(tmp_path / "in" / "events.csv", EDGE_ROWS[:2])
    run = run_dbt(
        ["seed"],
        tmp_path / "db" / "warehouse.duckdb",
        {"raw_events_path": str(path)},
        env={"DBT_PROFILES_DIR": str(profile_dir)},
    )
    assert run.returncode != 0
    assert "preserve_insertion_order is set by the project" in run.output


# How each tampering with a built warehouse shows in the S2 accounting test.
TAMPERINGS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "row read twice": (
        "insert into staging.stg_event_rows"
        " select * from staging.stg_event_rows where event_id = 'd2'",
        # The copy has the row's key too, so fct_events would show d2 twice.
        [
            ("d2", "event id published more than once"),
            ("events", "rows of the file not read exactly once"),
        ],
    ),
    "id published twice": (
        "insert into intermediate.int_events_sessionized"
        " select * from intermediate.int_events_sessionized where _row_key in"
        " (select _row_key from staging.stg_event_rows where event_id = 'd2')",
        [("d2", "event id published more than once")],
    ),
    "id not published": (
        "delete from intermediate.int_events_sessionized where _row_key in"
        " (select _row_key from staging.stg_event_rows where event_id = 'd2')",
        [("d2", "valid event id never staged")],
    ),
    "published event moved": (
        "update intermediate.int_events_sessionized"
        " set event_ts = event_ts + interval 1 second where _row_key in"
        " (select _row_key from staging.stg_event_rows where event_id = 'd2')",
        [("d2", "staged event differs from its raw row")],
    ),
    "published row rejected": (
        "update staging.stg_event_rows set reject_reason = 'missing_user_id' where event_id = 'g1'",
        [("g1", "staged event without a valid raw row")],
    ),
    "published key without a row": (
        "update intermediate.int_events_sessionized set _row_key = 999999999 where _row_key in"
        " (select _row_key from staging.stg_event_rows where event_id = 'd2')",
        [
            ("_row_key 999999999", "staged event without a valid raw row"),
            ("d2", "valid event id never staged"),
        ],
    ),
}


ACCOUNTING_TEST = "assert_every_raw_row_accounted_for"


def accounting_problems(db_path: Path, test_sql: str) -> list[tuple[str, str]]:
    """The S2 accounting test's failing rows on `db_path` (its compiled SQL), files by stem."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        found = con.execute(
            f"select regexp_extract(problem_key, '[^/]*$'), problem from ({test_sql}) order by all"
        ).fetchall()
    return [(key.split(".")[0], problem) for key, problem in found]


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_accounting_test_catches_a_lost_or_phantom_row(dbt_build, tmp_path, file_format):
    # The S2 accounting test fails when a raw row is missing from staging or
    # read twice, a valid id is not published or published twice, or a
    # published id has no valid row. Per-file counts come from Parquet
    # footers, or from counting rows.
    path = write_csv(tmp_path / "in" / "events.csv", EDGE_ROWS[:4])
    if file_format == "parquet":
        path = tmp_path / "parquet" / "events.parquet"
        path.parent.mkdir()
        with duckdb.connect() as con:
            con.execute(
                f"copy (select * from read_csv('{tmp_path / 'in' / 'events.csv'}',"
                f" all_varchar = true)) to '{path}' (format parquet)"
            )
    glob = str(path.parent / f"*.{file_format}")
    built = dbt_build(glob).check().db_path
    # The test as the build compiled it, run on tampered copies of the warehouse
    # (each copy keeps the file name the compiled SQL refers to).
    test_sql = next((built.parent / "target" / "compiled").rglob(ACCOUNTING_TEST + ".sql"))
    test_sql = test_sql.read_text()
    # The test screens rows by a 64-bit hash of the event id and checks the
    # flagged ids exactly. With ids hashed by their first letter, d1 shares
    # d2's hash and g2 g1's: a broken id then shares its hash with a sound
    # one (d2 unpublished beside d1 published once), and the problems found
    # must be the same.
    colliding_sql, hashes = re.subn(r"hash\(([^()]*)\)", r"hash(left(\1, 1))", test_sql)
    assert hashes > 0
    assert accounting_problems(built, test_sql) == []
    assert accounting_problems(built, colliding_sql) == []
    for name, (tampering, problems) in TAMPERINGS.items():
        # Only the file counts depend on the format; the id checks do not.
        if file_format != "csv" and name != "row read twice":
            continue
        tampered = tmp_path / name.replace(" ", "_") / "warehouse.duckdb"
        tampered.parent.mkdir()
        shutil.copyfile(built, tampered)
        with duckdb.connect(str(tampered)) as con:
            con.execute(tampering)
        assert accounting_problems(tampered, test_sql) == problems, name
        assert accounting_problems(tampered, colliding_sql) == problems, name
        if name == "row read twice":
            # And dbt reports the failing rows as a failed test. Every row:
            # the build's tests passed, and by default a later test reads
            # only rows written since (data_tests_scope).
            run = run_dbt(
                ["test", "--select", ACCOUNTING_TEST],
                tampered,
                {"raw_events_path": glob, "data_tests_scope": "all"},
            )
            assert run.returncode != 0 and "FAIL" in run.output, run.output[-3000:]


SESSION_TESTS = (
    "assert_sessions_are_separated_by_the_timeout",
    "assert_sessionable_events_have_a_session",
)

# How each tampering with the narrow table or the sessions shows in the two
# singular session tests: (separated_by_the_timeout: user and problem,
# sessionable_have_a_session: the events of fct_events it reports).
SESSION_TAMPERINGS: dict[str, tuple[str, tuple[list[tuple], list[tuple]]]] = {
    # fct_events gives doc's events no session id.
    "session missing": (
        "delete from intermediate.int_sessions where user_id = 'doc'",
        ([("doc", "sessionable events whose session is missing")], [("d1",), ("d2",)]),
    ),
    "sessionable event without a session": (
        "update intermediate.int_events_sessionized set session_start = null where _row_key in"
        " (select _row_key from staging.stg_event_rows where event_id = 'd2')",
        ([("doc", "event count or bounds differ from its events")], [("d2",)]),
    ),
    "event pointing to another start": (
        "update intermediate.int_events_sessionized"
        " set session_start = session_start + interval 1 second where _row_key in"
        " (select _row_key from staging.stg_event_rows where event_id = 'd2')",
        (
            [
                ("doc", "event count or bounds differ from its events"),
                ("doc", "sessionable events whose session is missing"),
            ],
            [("d2",)],
        ),
    ),
}


def test_session_tests_catch_a_missing_or_unassigned_session(dbt_build, tmp_path):
    # fct_events takes each event's session id from int_sessions by user and
    # session start (no relationships test could fail there): the two
    # singular tests are what finds a session that lost its events, or
    # events that lost their session.
    glob = str(write_csv(tmp_path / "in" / "events.csv", EDGE_ROWS[:4]).parent / "*.csv")
    built = dbt_build(glob).check().db_path
    compiled = built.parent / "target" / "compiled"
    separated, sessionable = (
        next(compiled.rglob(name + ".sql")).read_text() for name in SESSION_TESTS
    )

    def problems(db_path: Path) -> tuple[list[tuple], list[tuple]]:
        with duckdb.connect(str(db_path), read_only=True) as con:
            return (
                con.execute(f"select user_id, problem from ({separated}) order by all").fetchall(),
                con.execute(f"select event_id from ({sessionable}) order by all").fetchall(),
            )

    assert problems(built) == ([], [])
    for name, (tampering, expected) in SESSION_TAMPERINGS.items():
        tampered = tmp_path / name.replace(" ", "_") / "warehouse.duckdb"
        tampered.parent.mkdir()
        shutil.copyfile(built, tampered)
        with duckdb.connect(str(tampered)) as con:
            con.execute(tampering)
        assert problems(tampered) == expected, name
