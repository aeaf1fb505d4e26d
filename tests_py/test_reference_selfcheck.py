"""Self-check of the reference implementation (tests_py/reference.py) on hand-written cases.

Every expected value below is written out by hand from SPEC.md, not computed.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from reference import (
    bucket_bounds,
    bucket_index,
    bucket_label,
    canonical_channel,
    canonical_source,
    compute_marts,
    parse_ts,
    read_raw_files,
)

RUN_TIME = datetime(2026, 1, 10, 0, 0, 0)


def ev(user="u1", name="App Launched", ts="2026-01-01 11:00:00", **extra):
    row = {"user_id": user, "event_name": name, "event_ts": ts}
    row.update(extra)
    return row


def run(rows, **kwargs):
    kwargs.setdefault("run_time", RUN_TIME)
    return compute_marts(rows, **kwargs)


def session_tuples(result):
    return [
        (s["user_id"], s["session_start"], s["session_end"], s["session_length_seconds"])
        for s in result["fct_sessions"]
    ]


# ---- S6 example ----------------------------------------------------------------------


def test_spec_example_1100_1110_concluded_at_1110():
    rows = [
        ev(ts="2026-01-01 11:00:00", event_id="a"),
        ev(ts="2026-01-01 11:10:00", event_id="b"),
    ]
    res = run(rows, as_of=datetime(2026, 1, 1, 11, 30, 0))
    assert res["fct_sessions"] == [
        {
            "user_id": "u1",
            "session_start": datetime(2026, 1, 1, 11, 0),
            "session_end": datetime(2026, 1, 1, 11, 10),
            "session_length_seconds": 600,
            "event_count": 2,
            "is_concluded": True,
        }
    ]
    assert res["fct_session_concluded"] == [
        {
            "user_id": "u1",
            "event_name": "Session Concluded",
            "event_ts": datetime(2026, 1, 1, 11, 10),
            "session_start": datetime(2026, 1, 1, 11, 0),
            "session_length_seconds": 600,
            "event_count": 2,
        }
    ]
    key = ("u1", datetime(2026, 1, 1, 11, 0))
    assert [e["session_key"] for e in res["fct_events"]] == [key, key]
    assert res["dim_users"] == [
        {
            "user_id": "u1",
            "first_seen_at": datetime(2026, 1, 1, 11, 0),
            "last_seen_at": datetime(2026, 1, 1, 11, 10),
            "session_count": 1,
            "total_session_length_seconds": 600,
            "latest_session_start": datetime(2026, 1, 1, 11, 0),
        }
    ]
    # One second short of end + timeout: still open.
    res = run(rows, as_of=datetime(2026, 1, 1, 11, 29, 59, 999999))
    assert res["fct_sessions"][0]["is_concluded"] is False
    assert res["fct_session_concluded"] == []


def test_default_as_of_is_latest_staged_event_even_non_sessionable():
    rows = [
        ev(ts="2026-01-01 11:00:00", event_id="a"),
        ev(name="App Installed", ts="2026-01-01 11:20:00", event_id="b"),
    ]
    res = run(rows)
    assert res["fct_sessions"][0]["is_concluded"] is True
    assert run(rows[:1])["fct_sessions"][0]["is_concluded"] is False


# ---- S4 / S7 timeout boundary --------------------------------------------------------


def test_gap_exactly_timeout_splits():
    rows = [ev(ts="2026-01-01 10:00:00"), ev(ts="2026-01-01 10:20:00")]
    res = run(rows)
    assert session_tuples(res) == [
        ("u1", datetime(2026, 1, 1, 10, 0), datetime(2026, 1, 1, 10, 0), 0),
        ("u1", datetime(2026, 1, 1, 10, 20), datetime(2026, 1, 1, 10, 20), 0),
    ]


def test_gap_just_under_timeout_keeps_one_session():
    rows = [ev(ts="2026-01-01 10:00:00.000"), ev(ts="2026-01-01 10:19:59.999")]
    res = run(rows)
    assert session_tuples(res) == [
        ("u1", datetime(2026, 1, 1, 10, 0), datetime(2026, 1, 1, 10, 19, 59, 999000), 1199),
    ]


def test_subsecond_elapsed_time_not_second_boundaries():
    rows = [ev(ts="2026-01-01T10:00:00.900Z"), ev(ts="2026-01-01T10:20:00.100Z")]
    res = run(rows)
    assert session_tuples(res) == [
        (
            "u1",
            datetime(2026, 1, 1, 10, 0, 0, 900000),
            datetime(2026, 1, 1, 10, 20, 0, 100000),
            1199,
        )
    ]


def test_custom_timeout():
    rows = [ev(ts="2026-01-01 10:00:00"), ev(ts="2026-01-01 10:05:00")]
    assert len(run(rows, timeout_seconds=300)["fct_sessions"]) == 2
    assert len(run(rows, timeout_seconds=301)["fct_sessions"]) == 1


def test_excluded_event_in_gap_does_not_keep_session_alive():
    rows = [
        ev(ts="2026-01-01 10:00:00", event_id="a"),
        ev(name="App Installed", ts="2026-01-01 10:15:00", event_id="b"),
        ev(name="Notification Clicked", channel="email", ts="2026-01-01 10:18:00", event_id="c"),
        ev(source="api", ts="2026-01-01 10:19:00", event_id="d"),
        ev(ts="2026-01-01 10:25:00", event_id="e"),
    ]
    res = run(rows)
    assert session_tuples(res) == [
        ("u1", datetime(2026, 1, 1, 10, 0), datetime(2026, 1, 1, 10, 0), 0),
        ("u1", datetime(2026, 1, 1, 10, 25), datetime(2026, 1, 1, 10, 25), 0),
    ]
    by_id = {e["event_id"]: e for e in res["fct_events"]}
    assert [by_id[i]["is_sessionable"] for i in "abcde"] == [True, False, False, False, True]
    assert by_id["b"]["session_key"] is None
    assert by_id["e"]["session_key"] == ("u1", datetime(2026, 1, 1, 10, 25))
    assert res["dim_users"][0]["first_seen_at"] == datetime(2026, 1, 1, 10, 0)
    assert res["dim_users"][0]["last_seen_at"] == datetime(2026, 1, 1, 10, 25)
    assert res["dim_users"][0]["session_count"] == 2
    assert res["dim_users"][0]["latest_session_start"] == datetime(2026, 1, 1, 10, 25)


def test_sessions_are_per_user_and_user_without_sessions_not_in_dim_users():
    rows = [
        ev(user="u1", ts="2026-01-01 10:00:00"),
        ev(user="u2", ts="2026-01-01 10:10:00"),
        ev(user="u1", ts="2026-01-01 10:19:00"),
        ev(user="u3", name="UTM Visited", ts="2026-01-01 10:10:00"),
    ]
    res = run(rows)
    assert session_tuples(res) == [
        ("u1", datetime(2026, 1, 1, 10, 0), datetime(2026, 1, 1, 10, 19), 1140),
        ("u2", datetime(2026, 1, 1, 10, 10), datetime(2026, 1, 1, 10, 10), 0),
    ]
    assert [u["user_id"] for u in res["dim_users"]] == ["u1", "u2"]


# ---- S3 sessionable ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "channel", "source", "expected"),
    [
        ("App Launched", None, None, True),
        ("app launched", None, "API", False),
        ("App Launched", None, " api ", False),
        ("  session concluded ", None, None, False),
        ("PUSH IMPRESSIONS", None, None, False),
        ("Notification Clicked", "Web Push", None, False),
        ("notification clicked", "web_push", None, False),
        ("Notification Clicked", "mobile-push", None, False),
        ("Notification Clicked", "push", None, False),
        ("Notification Clicked", "In-App", None, True),
        ("Notification Clicked", "SMS", None, True),
        ("Notification Clicked", None, None, True),
        ("Notification Viewed", "Email", None, False),
        ("Notification Viewed", "webpush", None, False),
        ("Notification Viewed", "Mobile Push", None, True),
        ("Notification Viewed", "App Inbox", None, True),
        ("Notification Viewed", "Carrier Pigeon", None, True),
    ],
)
def test_sessionable_rules(name, channel, source, expected):
    res = run([ev(name=name, channel=channel, source=source)])
    assert res["fct_events"][0]["is_sessionable"] is expected
    assert len(res["fct_sessions"]) == (1 if expected else 0)


# ---- S2 cleaning ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("web push", "Web Push"),
        ("WEBPUSH", "Web Push"),
        ("web_push", "Web Push"),
        ("push", "Mobile Push"),
        ("mobile push", "Mobile Push"),
        ("in-app", "In-App"),
        ("in app", "In-App"),
        ("inapp", "In-App"),
        (" email ", "Email"),
        ("native_display", "Native Display"),
        ("app inbox", "App Inbox"),
        ("web exit intent", "Web Exit Intent"),
        ("Web-Popup", "Web Popup"),
        ("sms", "SMS"),
        ("whats app", "WhatsApp"),
        ("  Carrier Pigeon ", "Carrier Pigeon"),
        ("   ", None),
        (None, None),
    ],
)
def test_channel_aliases(raw, expected):
    assert canonical_channel(raw) == expected


def test_source_canonicalisation():
    assert canonical_source(None) == "SDK"
    assert canonical_source("  ") == "SDK"
    assert canonical_source(" Api ") == "API"
    assert canonical_source("sdk") == "SDK"
    assert canonical_source(" Server ") == "Server"


def test_text_trimmed_in_fct_events():
    res = run([ev(user=" u1 ", name=" App Launched ", event_id=" x ", platform=" iOS ")])
    e = res["fct_events"][0]
    assert (e["user_id"], e["event_name"], e["event_id"], e["platform"]) == (
        "u1",
        "App Launched",
        "x",
        "iOS",
    )
    assert e["source"] == "SDK"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01", datetime(2026, 1, 1)),
        ("2026-01-01 10:00:00", datetime(2026, 1, 1, 10)),
        ("2026-01-01T10:00:00Z", datetime(2026, 1, 1, 10)),
        ("2026-01-01T10:00:00.123Z", datetime(2026, 1, 1, 10, 0, 0, 123000)),
        ("2026-01-01 10:00:00.123456789", datetime(2026, 1, 1, 10, 0, 0, 123456)),
        ("2026-01-01T12:30:00+02:30", datetime(2026, 1, 1, 10, 0)),
        ("2026-01-01T05:00:00-0500", datetime(2026, 1, 1, 10, 0)),
        ("2026-01-01T23:00:00-11", datetime(2026, 1, 2, 10, 0)),
        (" 2026-01-01 10:00:00 ", datetime(2026, 1, 1, 10)),
        ("2026-01-01T10:00", datetime(2026, 1, 1, 10)),
        ("2026-01-01T12:00+02:00", datetime(2026, 1, 1, 10)),
        ("2026-01-01t10:00:00z", datetime(2026, 1, 1, 10)),
        ("2026-01-01T10:00:00,5Z", datetime(2026, 1, 1, 10, 0, 0, 500000)),
        ("2026-13-01 10:00:00", None),
        ("2026/01/01 10:00:00", None),
        ("2026-1-01 10:00:00", None),
        ("2026-01-01T24:00:00", None),
        ("2026-01-01T10:00:00+25:00", None),
        ("2026-01-01 10:00:00 UTC", None),
        ("2026-01-01+02:00", None),
        ("2026-02-30", None),
        ("2026-01-01 25:00:00", None),
        ("0001-01-01T00:00+01:00", None),
        ("0001-01-01T00:00-01:00", datetime(1, 1, 1, 1, 0)),
        ("9999-12-31T23:00-05:00", None),
        ("9999-12-31T23:00+05:00", datetime(9999, 12, 31, 18, 0)),
        ("yesterday", None),
        ("1767261600", None),
        (datetime(2026, 1, 1, 10), datetime(2026, 1, 1, 10)),
        (
            datetime(2026, 1, 1, 5, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2026, 1, 1, 10),
        ),
    ],
)
def test_parse_ts(text, expected):
    assert parse_ts(text) == expected


# ---- S2 rejects ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (ev(user=None), "missing_user_id"),
        (ev(user="   "), "missing_user_id"),
        (ev(user=None, name=None, ts=None), "missing_user_id"),
        (ev(name=None), "missing_event_name"),
        (ev(name=" ", ts="garbage"), "missing_event_name"),
        (ev(ts=None), "missing_event_ts"),
        (ev(ts="  "), "missing_event_ts"),
        (ev(ts="not a date"), "invalid_event_ts"),
        (ev(ts="2026-01-11 00:00:00.001"), "future_event_ts"),
        (ev(ts="2026-01-02 00:00:01", loaded_at="2026-01-01 00:00:00"), "future_event_ts"),
        (ev(ts="2026-01-11 00:00:01", loaded_at="nonsense"), "future_event_ts"),
    ],
)
def test_reject_reasons(row, reason):
    res = run([row])
    assert [r["reject_reason"] for r in res["rejected_events"]] == [reason]
    assert res["counts"] == {"raw": 1, "staged": 0, "duplicate": 0, "rejected": 1}
    assert res["fct_events"] == []


def test_exactly_24h_ahead_is_not_future_and_loaded_at_wins_over_run_time():
    rows = [
        ev(ts="2026-01-11 00:00:00", event_id="a"),
        ev(ts="2026-01-12 00:00:00", loaded_at="2026-01-11T00:00:00Z", event_id="b"),
    ]
    res = run(rows)
    assert res["rejected_events"] == []
    assert res["counts"]["staged"] == 2


def test_rejected_rows_keep_raw_values_untrimmed():
    row = ev(user=" u1 ", name="  ", ts=" 2026-01-01 ", channel=" web push ", properties=' {"a":1}')
    res = run([row])
    assert res["rejected_events"] == [
        {
            "event_id": None,
            "user_id": " u1 ",
            "event_name": "  ",
            "event_ts": " 2026-01-01 ",
            "channel": " web push ",
            "source": None,
            "platform": None,
            "properties": ' {"a":1}',
            "loaded_at": None,
            "reject_reason": "missing_event_name",
        }
    ]


# ---- S2 duplicates -------------------------------------------------------------------


def test_duplicate_earlier_loaded_at_wins():
    rows = [
        ev(event_id="x", platform="Web", loaded_at="2026-01-02 00:00:00", _file="a.csv"),
        ev(event_id=" x ", platform="iOS", loaded_at="2026-01-01 00:00:00", _file="b.csv"),
        ev(event_id="x", platform="Android", _file="a.csv"),  # no loaded_at: run_time, later
    ]
    res = run(rows)
    assert res["counts"] == {"raw": 3, "staged": 1, "duplicate": 2, "rejected": 0}
    assert [e["platform"] for e in res["fct_events"]] == ["iOS"]


def test_duplicate_tie_broken_by_file_then_row():
    rows = [
        ev(event_id="x", platform="B1", _file="b.csv"),
        ev(event_id="x", platform="A1", _file="a.csv"),
        ev(event_id="x", platform="A2", _file="a.csv"),
    ]
    assert [e["platform"] for e in run(rows)["fct_events"]] == ["A1"]


def test_rows_without_event_id_collapse_when_identical_after_cleaning():
    rows = [
        ev(channel="web push", properties='{"a":1}'),
        ev(user=" u1", channel="WebPush", properties='{"a":1}', ts="2026-01-01T11:00:00Z"),
        ev(channel="web push", properties='{"a": 1}'),  # different properties text
        ev(channel="web push", properties='{"a":1}', source="API"),  # different source
    ]
    res = run(rows)
    assert res["counts"] == {"raw": 4, "staged": 3, "duplicate": 1, "rejected": 0}
    assert all(e["event_id"] is None for e in res["fct_events"])


def test_rejected_rows_do_not_take_part_in_dedup():
    rows = [ev(event_id="x", ts="bad"), ev(event_id="x")]
    res = run(rows)
    assert res["counts"] == {"raw": 2, "staged": 1, "duplicate": 0, "rejected": 1}


# ---- S9 daily board ------------------------------------------------------------------


def test_daily_window_zero_filled_and_session_on_day_of_last_event():
    rows = [
        ev(ts="2026-01-01 23:50:00"),
        ev(ts="2026-01-02 00:05:00"),  # across midnight: counts on 01-02
        ev(user="u2", ts="2026-01-03 10:00:00"),
        ev(user="u2", ts="2026-01-03 10:00:30"),
    ]
    res = run(rows, as_of=datetime(2026, 1, 4, 0, 0), dashboard_days=4)
    assert res["mart_sessions_daily"] == [
        {"session_date": date(2026, 1, 1), "session_count": 0, "total_session_length_seconds": 0},
        {"session_date": date(2026, 1, 2), "session_count": 1, "total_session_length_seconds": 900},
        {"session_date": date(2026, 1, 3), "session_count": 1, "total_session_length_seconds": 30},
        {"session_date": date(2026, 1, 4), "session_count": 0, "total_session_length_seconds": 0},
    ]


def test_daily_open_sessions_and_sessions_outside_window_excluded():
    rows = [
        ev(ts="2025-12-01 10:00:00"),  # concluded, before the window
        ev(ts="2026-01-03 10:00:00"),  # concluded, in window
        ev(user="u2", ts="2026-01-03 23:50:00"),  # open at as_of
    ]
    res = run(rows, as_of=datetime(2026, 1, 4, 0, 0), dashboard_days=2)
    assert [(d["session_date"], d["session_count"]) for d in res["mart_sessions_daily"]] == [
        (date(2026, 1, 3), 1),
        (date(2026, 1, 4), 0),
    ]
    dist = res["mart_session_length_distribution"]
    assert [(b["bucket_index"], b["session_count"]) for b in dist] == [(0, 1)]


def test_daily_reporting_timezone_new_york():
    # 2026-01-02 03:15 UTC is 2026-01-01 22:15 in New York (UTC-5).
    rows = [
        ev(ts="2026-01-02 03:00:00"),
        ev(ts="2026-01-02 03:15:00"),
        ev(user="u2", ts="2026-01-02 05:10:00"),  # 00:10 on 01-02 in New York
    ]
    as_of = datetime(2026, 1, 2, 5, 29)  # 00:29 on 01-02 in New York; u2 still open
    res = run(rows, as_of=as_of, dashboard_days=2, reporting_timezone="America/New_York")
    assert res["mart_sessions_daily"] == [
        {"session_date": date(2026, 1, 1), "session_count": 1, "total_session_length_seconds": 900},
        {"session_date": date(2026, 1, 2), "session_count": 0, "total_session_length_seconds": 0},
    ]
    # u2's session ended 05:10 UTC; 05:10 + 20 min = 05:30 <= as_of, so concluded, on 01-02.
    res = run(
        rows,
        as_of=datetime(2026, 1, 2, 5, 30),
        dashboard_days=2,
        reporting_timezone="America/New_York",
    )
    assert [(d["session_date"], d["session_count"]) for d in res["mart_sessions_daily"]] == [
        (date(2026, 1, 1), 1),
        (date(2026, 1, 2), 1),
    ]
    # Same data in UTC: the window ends 2026-01-02 and both sessions land on it.
    res = run(rows, as_of=datetime(2026, 1, 2, 5, 30), dashboard_days=2)
    assert [(d["session_date"], d["session_count"]) for d in res["mart_sessions_daily"]] == [
        (date(2026, 1, 1), 0),
        (date(2026, 1, 2), 2),
    ]


def test_as_of_date_in_reporting_timezone_sets_window_end():
    # as_of 2026-01-02 03:00 UTC is still 2026-01-01 in New York.
    res = run(
        [ev(ts="2026-01-01 12:00:00")],
        as_of=datetime(2026, 1, 2, 3, 0),
        dashboard_days=1,
        reporting_timezone="America/New_York",
    )
    assert res["mart_sessions_daily"] == [
        {"session_date": date(2026, 1, 1), "session_count": 1, "total_session_length_seconds": 0}
    ]


# ---- S8 distribution -----------------------------------------------------------------


def test_bucket_helpers():
    assert [bucket_index(n) for n in (0, 4095, 4096, 8191, 8192, 16384)] == [0, 0, 1, 1, 2, 3]
    assert [bucket_index(n, 10) for n in (0, 1023, 1024, 2047, 2048, 4096)] == [0, 0, 1, 1, 2, 3]
    assert bucket_bounds(0) == (0, 4096)
    assert bucket_bounds(1) == (4096, 8192)
    assert bucket_bounds(2) == (8192, 16384)
    assert bucket_bounds(0, 10) == (0, 1024)
    assert bucket_bounds(1, 10) == (1024, 2048)
    assert bucket_label(0, 4096) == "0\u20134,096 s (0\u201368 min)"
    assert bucket_label(4096, 8192) == "4,096\u20138,192 s (68\u2013136 min)"
    assert bucket_label(8192, 16384) == "8,192\u201316,384 s (136\u2013273 min)"


def _session_of_length(user, seconds, start=datetime(2026, 1, 1, 0, 0)):
    # A chain of events 1000 s apart (under the timeout), ending exactly at start + seconds.
    stamps = [start + timedelta(seconds=s) for s in range(0, seconds, 1000)]
    stamps.append(start + timedelta(seconds=seconds))
    return [ev(user=user, ts=t.isoformat(sep=" ")) for t in stamps]


def test_distribution_bucket_boundaries_default_exponent():
    rows = []
    for i, length in enumerate((0, 4095, 4096, 8191, 8192)):
        rows += _session_of_length(f"u{i}", length)
    res = run(rows, as_of=datetime(2026, 1, 2, 0, 0))
    assert sorted(s["session_length_seconds"] for s in res["fct_sessions"]) == [
        0,
        4095,
        4096,
        8191,
        8192,
    ]
    assert res["mart_session_length_distribution"] == [
        {
            "bucket_index": 0,
            "lower_bound_seconds": 0,
            "upper_bound_seconds": 4096,
            "label": "0\u20134,096 s (0\u201368 min)",
            "session_count": 2,
            "share_of_sessions": 0.4,
        },
        {
            "bucket_index": 1,
            "lower_bound_seconds": 4096,
            "upper_bound_seconds": 8192,
            "label": "4,096\u20138,192 s (68\u2013136 min)",
            "session_count": 2,
            "share_of_sessions": 0.4,
        },
        {
            "bucket_index": 2,
            "lower_bound_seconds": 8192,
            "upper_bound_seconds": 16384,
            "label": "8,192\u201316,384 s (136\u2013273 min)",
            "session_count": 1,
            "share_of_sessions": 0.2,
        },
    ]


def test_distribution_zero_fills_gaps_and_min_exponent_10():
    rows = _session_of_length("a", 100) + _session_of_length("b", 5000)
    res = run(rows, as_of=datetime(2026, 1, 2, 0, 0), min_exponent=10)
    dist = res["mart_session_length_distribution"]
    # 5000 s: 4096 <= 5000 < 8192 -> [2^12, 2^13) = bucket 3 when m = 10.
    assert [
        (b["bucket_index"], b["lower_bound_seconds"], b["upper_bound_seconds"], b["session_count"])
        for b in dist
    ] == [(0, 0, 1024, 1), (1, 1024, 2048, 0), (2, 2048, 4096, 0), (3, 4096, 8192, 1)]
    assert [b["share_of_sessions"] for b in dist] == [0.5, 0.0, 0.0, 0.5]
    assert dist[1]["label"] == "1,024\u20132,048 s (17\u201334 min)"


def test_distribution_empty_has_bucket_zero_only():
    res = run([ev(ts="2026-01-01 10:00:00")])  # only session is open at default as_of
    assert res["mart_session_length_distribution"] == [
        {
            "bucket_index": 0,
            "lower_bound_seconds": 0,
            "upper_bound_seconds": 4096,
            "label": "0\u20134,096 s (0\u201368 min)",
            "session_count": 0,
            "share_of_sessions": 0.0,
        }
    ]


# ---- Counts and file reading ---------------------------------------------------------


def test_every_raw_row_is_accounted_for():
    rows = [ev(event_id="a"), ev(event_id="a"), ev(user=None), ev(ts="2026-01-01 11:05:00")]
    res = run(rows)
    c = res["counts"]
    assert c == {"raw": 4, "staged": 2, "duplicate": 1, "rejected": 1}
    assert c["staged"] + c["duplicate"] + c["rejected"] == c["raw"]


def test_read_raw_files_csv_ndjson_parquet(tmp_path):
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(
        "event_id,user_id,event_name,event_ts,extra\n"
        "e1, u1 ,App Launched,2026-01-01 10:00:00,zzz\n"
        ",u1,Product Viewed,,\n",
        encoding="utf-8",
    )
    json_path = tmp_path / "b.json"
    json_path.write_text(
        json.dumps({"user_id": 7, "event_name": "App Launched", "event_ts": "2026-01-01T10:05:00Z"})
        + "\n\n"
        + json.dumps({"user_id": "u2", "properties": {"k": [1, 2]}})
        + "\n",
        encoding="utf-8",
    )
    rows = read_raw_files([str(csv_path), str(json_path)])
    assert len(rows) == 4
    assert rows[0]["user_id"] == " u1 " and rows[0]["channel"] is None
    assert rows[0]["_file"] == str(csv_path)
    assert rows[1]["event_id"] is None and rows[1]["event_ts"] is None
    assert rows[2]["user_id"] == "7" and rows[2]["loaded_at"] is None
    assert rows[3]["properties"] == '{"k":[1,2]}'

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq_path = tmp_path / "c.parquet"
    table = pa.table(
        {
            "user_id": ["u3"],
            "event_name": ["App Launched"],
            "event_ts": pa.array([datetime(2026, 1, 1, 10, 0, 0, 500000)], pa.timestamp("us")),
        }
    )
    pq.write_table(table, pq_path)
    prow = read_raw_files([str(pq_path)])[0]
    assert prow["event_ts"] == datetime(2026, 1, 1, 10, 0, 0, 500000)
    assert prow["channel"] is None and prow["_file"] == str(pq_path)
