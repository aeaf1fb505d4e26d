"""The Session Board (issue 4) on a hand-built warehouse whose answers are worked out below.

`build_fixture_warehouse` writes the marts the board and the export read, straight
with DuckDB (no dbt): a 7-day window, 1-7 Oct 2026, as of 7 Oct 12:00 UTC.

Window (1-7 Oct), concluded sessions: user, length s, events, day
    s01 u1     0   1  1 Oct        s04 u3  5000  10  5 Oct
    s02 u1   600   3  1 Oct        s05 u3     0   1  7 Oct
    s03 u2  1200   5  3 Oct
  5 sessions, 3 users; lengths 0 0 600 1200 5000: median 600, mean 6800 / 5 = 1360;
  5 / 3 sessions per user; 2 of 5 one-event sessions = 40 %; days 2, 4 and 6 empty.
Previous window (24-30 Sep):
    s06 u1   300   2  25 Sep       s08 u4     0   1  28 Sep
    s07 u4   100   2  30 Sep       s09 u4   900   4  24 Sep
  4 sessions, 2 users; lengths 0 100 300 900: median 200, mean 325; 2 per user; 25 %.
Before both: s10 u5 (99,999 s, 23 Sep): counted nowhere.
Changes: sessions +25 %, users +50 %, median +200 %, mean 1360 / 325 - 1, sessions per
user (5/3) / 2 - 1 = -1/6, one-event share +15 percentage points.
"""

from __future__ import annotations

import json
import re
import struct
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from session_analytics import board

AS_OF = datetime(2026, 10, 7, 12, 0, 0)
DASHBOARD_DAYS = 7

# session_id, user_id, session_length_seconds, event_count, session_date (concluded)
CONCLUDED_SESSIONS = (
    ("s01", "u1", 0, 1, date(2026, 10, 1)),
    ("s02", "u1", 600, 3, date(2026, 10, 1)),
    ("s03", "u2", 1200, 5, date(2026, 10, 3)),
    ("s04", "u3", 5000, 10, date(2026, 10, 5)),
    ("s05", "u3", 0, 1, date(2026, 10, 7)),
    ("s06", "u1", 300, 2, date(2026, 9, 25)),
    ("s07", "u4", 100, 2, date(2026, 9, 30)),
    ("s08", "u4", 0, 1, date(2026, 9, 28)),
    ("s09", "u4", 900, 4, date(2026, 9, 24)),
    ("s10", "u5", 99_999, 40, date(2026, 9, 23)),
)
# Inserted in reverse on purpose: the board must order the buckets itself.
DISTRIBUTION = (
    (1, 4096, 8192, "4,096–8,192 s (68–136 min)", 1, 0.2),
    (0, 0, 4096, "0–4,096 s (0–68 min)", 4, 0.8),
)
EXPECTED_DAILY = [
    ("2026-10-01", 2, 600),
    ("2026-10-02", 0, 0),
    ("2026-10-03", 1, 1200),
    ("2026-10-04", 0, 0),
    ("2026-10-05", 1, 5000),
    ("2026-10-06", 0, 0),
    ("2026-10-07", 1, 0),
]

FIXTURE_SQL = """
create schema intermediate;
create schema marts;

create table intermediate.int_reporting_window as
select
    timestamp '2026-10-07 12:00:00' as as_of,
    date '2026-10-07' as as_of_date,
    date '2026-10-01' as window_start_date,
    date '2026-10-07' as window_end_date,
    1200 as session_timeout_seconds,
    '{timezone}' as reporting_timezone,
    7 as dashboard_days;

create table marts.fct_session_concluded (
    session_id varchar, user_id varchar, event_name varchar, session_length_seconds bigint,
    event_count bigint, session_date date, event_ts timestamp, session_start timestamp
);

create table marts.fct_sessions as
select
    session_id, user_id, session_length_seconds, event_count, true as is_concluded,
    session_start, event_ts as session_end
from marts.fct_session_concluded;

create table marts.dim_users as
select
    user_id,
    max_by(session_id, session_start) as latest_ct_session_id,
    count(*) as session_count,
    sum(session_length_seconds) as total_session_length_seconds,
    min(session_start) as first_seen_at,
    max(session_end) as last_seen_at
from marts.fct_sessions
group by user_id;

create table marts.fct_events as
select
    session_id || '-e' || event_index as event_id,
    user_id,
    'App Launched' as event_name,
    session_start + to_seconds(event_index) as event_ts,
    session_id as ct_session_id,
    true as is_sessionable
from marts.fct_sessions, range(event_count) as events(event_index);

create table marts.rejected_events as
select
    null::varchar as event_id, null::varchar as user_id, 'App Launched' as event_name,
    'not a time' as event_ts, 'event_ts does not parse' as reject_reason;

create table marts.mart_sessions_daily as
select
    window_days.session_date::date as session_date,
    count(concluded.session_id) as session_count,
    coalesce(sum(concluded.session_length_seconds), 0)::bigint as total_session_length_seconds
from range(date '2026-10-01', date '2026-10-08', interval 1 day) as window_days(session_date)
left join marts.fct_session_concluded as concluded
    on concluded.session_date = window_days.session_date::date
group by window_days.session_date
order by window_days.session_date;

create table marts.mart_session_length_distribution (
    bucket_index int, lower_bound_seconds bigint, upper_bound_seconds bigint, label varchar,
    session_count bigint, share_of_sessions double
);

comment on table marts.dim_users is 'S10: one row per user with a session.';
comment on column marts.dim_users.session_count is 'Sessions of the user, open ones included.';
"""


def build_fixture_warehouse(
    path: Path, *, with_previous_window: bool = True, timezone: str = "UTC"
) -> Path:
    """The hand-built warehouse described in the module docstring (marts only, no dbt)."""
    sessions = [
        row for row in CONCLUDED_SESSIONS if with_previous_window or row[4] >= date(2026, 10, 1)
    ]
    statements = [sql for sql in FIXTURE_SQL.format(timezone=timezone).split(";") if sql.strip()]
    with duckdb.connect(str(path)) as con:
        # Sessions go in right after fct_session_concluded exists; the rest derives from them.
        con.execute(statements[0])
        con.execute(statements[1])
        con.execute(statements[2])
        con.execute(statements[3])
        con.executemany(
            "insert into marts.fct_session_concluded values "
            "(?, ?, 'Session Concluded', ?, ?, ?, "
            "?::date + interval 12 hour, ?::date + interval 12 hour - to_seconds(?))",
            [
                (sid, user, length, events, day, day, day, length)
                for sid, user, length, events, day in sessions
            ],
        )
        for statement in statements[4:]:
            con.execute(statement)
        con.executemany(
            "insert into marts.mart_session_length_distribution values (?, ?, ?, ?, ?, ?)",
            DISTRIBUTION,
        )
        # One open session: in fct_sessions, never in the board's numbers.
        con.execute(
            "insert into marts.fct_sessions values ('s11', 'u1', 60, 2, false, "
            "timestamp '2026-10-07 11:49:00', timestamp '2026-10-07 11:50:00')"
        )
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the tests of this module, which only read it."""
    return build_fixture_warehouse(tmp_path_factory.mktemp("fixture") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def board_data(warehouse: Path) -> board.BoardData:
    return board.load_board_data(warehouse)


def headline(data: board.BoardData, key: str) -> board.Headline:
    return next(h for h in data.headlines if h.metric.key == key)


# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "current", "previous", "change"),
    [
        ("sessions", 5, 4, 0.25),
        ("users_with_sessions", 3, 2, 0.5),
        ("median_session_length_seconds", 600, 200, 2.0),
        ("mean_session_length_seconds", 1360, 325, 1360 / 325 - 1),
        ("sessions_per_user", 5 / 3, 2, (5 / 3) / 2 - 1),
        # A share changes in percentage points: 40 % - 25 %.
        ("one_event_session_share", 0.4, 0.25, 0.15),
    ],
)
def test_headline_numbers_against_the_previous_window(
    board_data: board.BoardData, key: str, current: float, previous: float, change: float
) -> None:
    got = headline(board_data, key)
    assert got.current == pytest.approx(current)
    assert got.previous == pytest.approx(previous)
    assert got.change == pytest.approx(change)


def test_headlines_come_in_card_order(board_data: board.BoardData) -> None:
    assert [h.metric.key for h in board_data.headlines] == [
        "sessions",
        "users_with_sessions",
        "median_session_length_seconds",
        "mean_session_length_seconds",
        "sessions_per_user",
        "one_event_session_share",
    ]


def test_no_previous_sessions_means_no_change_not_a_division_by_zero(tmp_path: Path) -> None:
    path = build_fixture_warehouse(tmp_path / "w.duckdb", with_previous_window=False)
    data = board.load_board_data(path)
    assert headline(data, "sessions").current == 5
    assert headline(data, "sessions").previous == 0
    assert [h.change for h in data.headlines] == [None] * 6
    assert [board.format_change(h) for h in data.headlines] == ["n/a"] * 6
    assert headline(data, "median_session_length_seconds").previous is None
    assert board.coverage_note(data.window) == (
        "No concluded sessions before this window: there is nothing to compare with."
    )


def test_window_and_run_parameters(board_data: board.BoardData) -> None:
    window = board_data.window
    assert window.as_of == AS_OF
    assert (window.window_start_date, window.window_end_date) == (
        date(2026, 10, 1),
        date(2026, 10, 7),
    )
    assert (window.previous_start_date, window.previous_end_date) == (
        date(2026, 9, 24),
        date(2026, 9, 30),
    )
    assert window.session_timeout_seconds == 1200
    assert window.reporting_timezone == "UTC"
    assert window.dashboard_days == DASHBOARD_DAYS
    assert window.first_session_date == date(2026, 9, 23)
    assert board.coverage_note(window) is None


def test_daily_series_and_distribution(board_data: board.BoardData) -> None:
    assert [
        (row["session_date"], row["session_count"], row["total_session_length_seconds"])
        for row in board_data.daily
    ] == EXPECTED_DAILY
    assert [(row["bucket_index"], row["session_count"]) for row in board_data.distribution] == [
        (0, 4),
        (1, 1),
    ]


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (59.4, "59 s"),
        (59.6, "1 min"),
        (600, "10 min"),
        (1360, "22 min 40 s"),
        (5000, "1 h 23 min"),
        (90_061, "25 h 01 min"),
        (None, "–"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert board.format_duration(seconds) == text


def test_cards_text(board_data: board.BoardData) -> None:
    window = board_data.window
    shown = [
        (
            board.format_value(h.metric, h.current),
            board.format_change(h),
            board.change_tone(h),
            board.format_previous(h, window),
        )
        for h in board_data.headlines
    ]
    assert shown == [
        ("5", "▲ 25.0%", "good", "previous 7 d: 4"),
        ("3", "▲ 50.0%", "good", "previous 7 d: 2"),
        ("10 min", "▲ 200.0%", "good", "previous 7 d: 3 min 20 s"),
        ("22 min 40 s", "▲ 318.5%", "good", "previous 7 d: 5 min 25 s"),
        ("1.67", "▼ 16.7%", "bad", "previous 7 d: 2.00"),
        # More one-event sessions is worse.
        ("40.0%", "▲ 15.0 pp", "bad", "previous 7 d: 25.0%"),
    ]


def test_tiny_changes_read_as_no_change() -> None:
    metric = board.METRICS[0]
    flat = board.Headline(metric=metric, current=1000, previous=1000.2, change=-0.0002)
    assert board.format_change(flat) == "no change"
    assert board.change_tone(flat) == "neutral"


def _window(**changes: object) -> board.ReportingWindow:
    values: dict[str, object] = {
        "as_of": AS_OF,
        "as_of_date": date(2026, 10, 7),
        "window_start_date": date(2026, 10, 1),
        "window_end_date": date(2026, 10, 7),
        "previous_start_date": date(2026, 9, 24),
        "previous_end_date": date(2026, 9, 30),
        "session_timeout_seconds": 1200,
        "reporting_timezone": "UTC",
        "dashboard_days": 7,
        "first_session_date": date(2026, 9, 24),
    }
    values.update(changes)
    return board.ReportingWindow(**values)  # type: ignore[arg-type]


def test_as_of_is_shown_in_the_reporting_time_zone() -> None:
    assert board.format_as_of(_window()) == "2026-10-07 12:00:00 UTC"
    assert board.format_as_of(_window(reporting_timezone="Asia/Kolkata")) == (
        "2026-10-07 17:30:00 Asia/Kolkata (2026-10-07 12:00:00 UTC)"
    )


def test_partial_previous_window_is_flagged() -> None:
    assert board.coverage_note(_window()) is None
    assert board.coverage_note(_window(first_session_date=date(2026, 9, 27))) == (
        "The data starts on 27 Sep 2026, inside the previous window: "
        "its numbers cover part of it only."
    )


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def _specs_from_html(text: str) -> dict[str, dict]:
    found = re.search(
        r'<script type="application/json" id="board-specs">(.*?)</script>', text, re.S
    )
    assert found, "the chart specs are embedded in the page"
    return json.loads(found.group(1).replace("<\\/", "</"))


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_render_board_writes_a_self_contained_page_and_a_png(
    warehouse: Path, tmp_path: Path
) -> None:
    html_path, png_path = board.render_board(warehouse, tmp_path / "out")
    assert html_path == (tmp_path / "out" / "session_board.html").resolve()
    text = html_path.read_text(encoding="utf-8")

    # Offline: the libraries are inlined, nothing is fetched.
    assert "<script src" not in text and "<link" not in text
    assert "window.vegaEmbed=" in text
    assert "<h1>Session Board</h1>" in text
    # The run parameters and the window.
    for needle in (
        "As of: <b>2026-10-07 12:00:00 UTC</b>",
        "Time zone: <b>UTC</b>",
        "Session timeout: <b>20 min</b>",
        "Last 7 days: 01 Oct 2026 – 07 Oct 2026",
        "(24 Sep – 30 Sep 2026)",
    ):
        assert needle in text
    # One KPI card per headline, with value and change.
    sessions_card = re.search(r'<section class="kpi" id="kpi-sessions".*?</section>', text)
    assert sessions_card
    assert '<div class="value">5</div>' in sessions_card.group(0)
    assert '<div class="change good">▲ 25.0%</div>' in sessions_card.group(0)
    assert text.count('<section class="kpi"') == 6

    specs = _specs_from_html(text)
    assert list(specs) == list(board.CHART_IDS)
    distribution = specs["length_distribution"]
    assert distribution["layer"][0]["encoding"]["x"]["sort"] == [
        "0–4,096 s (0–68 min)",
        "4,096–8,192 s (68–136 min)",
    ]
    daily_values = specs["sessions_per_day"]["data"]["values"]
    assert [(row["session_date"], row["session_count"]) for row in daily_values] == [
        (day, count) for day, count, _ in EXPECTED_DAILY
    ]
    # Under three hours a day: the length chart speaks minutes.
    assert specs["session_length_per_day"]["layer"][0]["encoding"]["y"]["axis"]["title"] == (
        "minutes"
    )

    width, height = _png_size(png_path)
    assert width > 2000 and height > 1400  # scale 2 of a ~1,150 x ~900 board


def test_a_window_without_sessions_still_renders(tmp_path: Path) -> None:
    path = build_fixture_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("delete from marts.fct_session_concluded")
        con.execute(
            "update marts.mart_sessions_daily set session_count = 0, "
            "total_session_length_seconds = 0"
        )
        con.execute("delete from marts.mart_session_length_distribution")
    data = board.load_board_data(path)
    assert [board.format_value(h.metric, h.current) for h in data.headlines] == [
        "0",
        "0",
        "–",
        "–",
        "–",
        "–",
    ]
    html_path, png_path = board.render_board(path, tmp_path / "out")
    assert "No concluded sessions before this window" not in html_path.read_text()
    assert _png_size(png_path)[0] > 2000


def test_reading_releases_the_warehouse(tmp_path: Path) -> None:
    warehouse = build_fixture_warehouse(tmp_path / "w.duckdb")
    board.load_board_data(warehouse)
    with duckdb.connect(str(warehouse)) as con:  # read-write: no lock left behind
        con.execute("create table marts.after_board as select 1 as one")


def test_length_unit_switches_to_hours() -> None:
    assert board.length_unit([{"total_session_length_seconds": 3 * 3600 - 1}]) == ("minutes", 60)
    assert board.length_unit([{"total_session_length_seconds": 3 * 3600}]) == ("hours", 3600)
    assert board.length_unit([]) == ("minutes", 60)


def test_cli(warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert board.main(["--db", str(warehouse), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Session Board: {(out / 'session_board.html').resolve()}" in printed
    assert (out / "session_board.png").is_file()


def test_cli_without_a_warehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert board.main(["--db", str(tmp_path / "missing.duckdb"), "--out", str(tmp_path)]) == 1
    assert "build the marts first" in capsys.readouterr().err


def test_headlines_count_the_sessions_the_marts_count(dbt_build, tmp_path: Path) -> None:
    """On a dbt-built warehouse, in a zone whose days cut through UTC days: the
    board's current period holds the sessions fct_session_concluded marks
    is_in_dashboard_window, which mart_sessions_daily adds up (the board dates
    its periods itself, for the previous one)."""
    from session_analytics.generate import generate_events

    generate_events(tmp_path / "in", 3000, seed=7, fmt="csv")
    built = dbt_build(
        tmp_path / "in" / "*.csv", reporting_timezone="America/New_York", dashboard_days=7
    ).check()
    data = board.load_board_data(built.db_path)
    headlines = {headline.metric.key: headline.current for headline in data.headlines}
    with duckdb.connect(str(built.db_path), read_only=True) as con:
        sessions, users, median, total = con.execute(
            "select count(*), count(distinct user_id), median(session_length_seconds),"
            " sum(session_length_seconds)"
            " from marts.fct_session_concluded where is_in_dashboard_window"
        ).fetchall()[0]
    assert sessions > 0
    assert (
        headlines["sessions"],
        headlines["users_with_sessions"],
        headlines["median_session_length_seconds"],
    ) == (sessions, users, median)
    assert sum(row["session_count"] for row in data.daily) == sessions
    assert sum(row["total_session_length_seconds"] for row in data.daily) == total
