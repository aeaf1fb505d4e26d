"""Tests for the raw-event generator (session_analytics.generate): SPEC S1-S3 inputs."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from session_analytics.generate import (
    CHANNEL_ALIASES,
    CHANNELS,
    COLUMNS,
    EXCLUDED_EVENTS,
    generate_events,
    main,
)

END = "2026-11-01 00:00:00"
DAYS = 60
ALIAS_SEED = Path(__file__).resolve().parents[1] / "seeds" / "channel_aliases.csv"


def _digests(paths: list[Path]) -> list[str]:
    return [hashlib.sha256(path.read_bytes()).hexdigest() for path in paths]


def _connect(paths: list[Path], fmt: str) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with view ``raw`` over the files (all text except Parquet)."""
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute("SET enable_progress_bar=false")
    files = "[" + ", ".join(f"'{path}'" for path in paths) + "]"
    if fmt == "csv":
        reader = (
            f"read_csv({files}, all_varchar=true, header=true, delim=',', quote='\"', "
            "escape='\"', filename=true)"
        )
    elif fmt == "json":
        columns = ", ".join(f"{column}: 'VARCHAR'" for column in COLUMNS)
        reader = (
            f"read_json({files}, format='newline_delimited', columns={{{columns}}}, filename=true)"
        )
    else:
        reader = f"read_parquet({files}, filename=true)"
    con.execute(f"""
        CREATE VIEW raw AS
        SELECT *, try_cast(event_ts AS TIMESTAMPTZ) AS ts,
               try_cast(loaded_at AS TIMESTAMP) AS loaded_ts
        FROM {reader}
    """)
    # valid rows: what S2 would stage (before de-duplication)
    con.execute("""
        CREATE VIEW valid AS
        SELECT * FROM raw
        WHERE coalesce(trim(user_id), '') <> '' AND coalesce(trim(event_name), '') <> ''
          AND ts IS NOT NULL AND NOT coalesce(ts > loaded_ts + INTERVAL 24 HOUR, false)
    """)
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("csv")
    return generate_events(out, 20_000, n_files=4, fmt="csv", days=DAYS, end=END)


@pytest.fixture(scope="module")
def csv_con(csv_files: list[Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _connect(csv_files, "csv")
    yield con
    con.close()


@pytest.fixture(scope="module")
def parquet_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("parquet")
    return generate_events(out, 12_000, n_files=3, fmt="parquet", seed=5)


def test_writes_named_files_with_exact_row_count_for_each_format(tmp_path: Path) -> None:
    for fmt, ext in (("csv", "csv"), ("parquet", "parquet"), ("json", "ndjson")):
        paths = generate_events(tmp_path / fmt, 3_001, n_files=3, fmt=fmt, prefix="batch")
        assert [path.name for path in paths] == [f"batch_{i:03d}.{ext}" for i in range(3)]
        assert sorted((tmp_path / fmt).iterdir()) == paths
        con = _connect(paths, fmt)
        assert _one(con, "SELECT count(*) FROM raw") == 3_001
        assert [row[0] for row in con.execute("DESCRIBE SELECT * FROM raw").fetchall()][:9] == list(
            COLUMNS
        )


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet", "json"):
        first = generate_events(tmp_path / f"{fmt}_a", 5_000, n_files=2, fmt=fmt, seed=11)
        again = generate_events(tmp_path / f"{fmt}_b", 5_000, n_files=2, fmt=fmt, seed=11)
        other = generate_events(tmp_path / f"{fmt}_c", 5_000, n_files=2, fmt=fmt, seed=12)
        assert _digests(first) == _digests(again)
        assert set(_digests(first)).isdisjoint(_digests(other))


def test_csv_is_well_quoted_and_properties_are_json(csv_files: list[Path], csv_con) -> None:
    with csv_files[0].open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(COLUMNS)
    assert all(len(row) == len(COLUMNS) for row in rows)
    assert any('13\\" laptop' in row[7] for row in rows)  # JSON-escaped quote inside CSV
    assert _one(csv_con, "SELECT count(*) FROM raw") == 20_000
    bad_json = _one(csv_con, "SELECT count(*) FROM raw WHERE NOT json_valid(properties)")
    assert bad_json == 0
    assert _one(csv_con, "SELECT count(*) FROM raw WHERE properties LIKE '%,%'") > 10_000


def test_every_excluded_event_name_present(csv_con) -> None:
    names = {row[0] for row in csv_con.execute("SELECT DISTINCT event_name FROM raw").fetchall()}
    assert set(EXCLUDED_EVENTS) <= names
    assert {"App Launched", "Product Viewed", "Added To Cart", "Charged", "Search"} <= names
    # names also appear in odd case / padded (S3 matches case-insensitively after trimming)
    assert {"app launched", " Product Viewed "} & names
    assert any(name and name != name.strip() for name in names)


def test_notifications_on_every_channel_with_aliases(csv_con) -> None:
    for event in ("Notification Clicked", "Notification Viewed"):
        rows = csv_con.execute(
            "SELECT DISTINCT channel FROM raw WHERE event_name = ?", [event]
        ).fetchall()
        channels = {row[0] for row in rows}
        assert set(CHANNELS) <= channels, event
    spelled = {
        row[0] for row in csv_con.execute("SELECT DISTINCT channel FROM raw").fetchall() if row[0]
    }
    assert {"webpush", "web_push", "web push", "push", "inapp", "in app", "EMAIL"} <= spelled
    assert "RCS" in spelled  # a channel S1 does not list


def test_channel_aliases_map_through_the_seed_key() -> None:
    if not ALIAS_SEED.exists():
        pytest.skip("seeds/channel_aliases.csv not present")
    with ALIAS_SEED.open(newline="") as handle:
        seed = {row["alias_key"]: row["channel"] for row in csv.DictReader(handle)}
    for channel, aliases in CHANNEL_ALIASES.items():
        for alias in (channel, *aliases):
            key = "".join(c for c in alias.strip().lower() if c not in " -_")
            assert seed.get(key) == channel, (alias, key)


def test_sources_platforms_and_missing_event_ids(csv_con) -> None:
    sources = dict(csv_con.execute("SELECT source, count(*) FROM raw GROUP BY ALL").fetchall())
    assert {"SDK", "sdk", "API", "api", None} <= set(sources)
    api_share = (sources["API"] + sources["api"]) / 20_000
    assert 0.01 < api_share < 0.04
    assert sources["SDK"] / 20_000 > 0.85
    platforms = {row[0] for row in csv_con.execute("SELECT DISTINCT platform FROM raw").fetchall()}
    assert {"Web", "Android", "iOS"} <= platforms
    no_id = _one(csv_con, "SELECT count(*) FROM raw WHERE coalesce(event_id, '') = ''")
    assert 0.02 < no_id / 20_000 < 0.05


def test_duplicates_by_event_id_and_exact_rows_without_id(csv_con) -> None:
    same_id = csv_con.execute("""
        SELECT count(*), count(*) FILTER (WHERE n_files > 1), count(*) FILTER (WHERE n_files = 1)
        FROM (SELECT event_id, count(*) AS n, count(DISTINCT filename) AS n_files
              FROM raw WHERE coalesce(event_id, '') <> '' GROUP BY event_id HAVING n > 1)
    """).fetchall()[0]
    assert 40 <= same_id[0] <= 120  # ~0.5 % of 20k, two thirds of them with an id
    assert same_id[1] > 0 and same_id[2] > 0  # re-sent in a later file and in the same file
    # re-sent rows are identical in content
    differing = _one(
        csv_con,
        """SELECT count(*) FROM (
            SELECT event_id FROM raw WHERE coalesce(event_id, '') <> '' GROUP BY event_id
            HAVING count(DISTINCT concat_ws('|', user_id, event_name, event_ts, channel, source,
                                            platform, properties)) > 1)""",
    )
    assert differing == 0
    exact_without_id = _one(
        csv_con,
        """SELECT count(*) FROM (
            SELECT user_id, event_name, event_ts, channel, source, properties, count(*) AS n
            FROM raw WHERE coalesce(event_id, '') = '' GROUP BY ALL HAVING n > 1)""",
    )
    assert exact_without_id > 0


def test_bad_rows_of_every_kind(csv_con) -> None:
    counts = csv_con.execute("""
        SELECT count(*) FILTER (WHERE coalesce(trim(user_id), '') = ''),
               count(*) FILTER (WHERE coalesce(trim(event_name), '') = ''),
               count(*) FILTER (WHERE coalesce(trim(event_ts), '') = ''),
               count(*) FILTER (WHERE coalesce(trim(event_ts), '') <> '' AND ts IS NULL),
               count(*) FILTER (WHERE ts > loaded_ts + INTERVAL 24 HOUR)
        FROM raw
    """).fetchall()[0]
    assert all(count >= 3 for count in counts), counts
    assert sum(counts) <= 0.002 * 20_000
    unparseable = {
        row[0]
        for row in csv_con.execute(
            "SELECT DISTINCT event_ts FROM raw WHERE trim(event_ts) <> '' AND ts IS NULL"
        ).fetchall()
    }
    assert {"not-a-time", "2026-13-45 99:00"} <= unparseable


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_one_bad_row_of_each_kind_from_1000_rows(tmp_path: Path, fmt: str) -> None:
    con = _connect(generate_events(tmp_path, 1_000, fmt=fmt, seed=3), fmt)
    ts_text = "event_ts::VARCHAR"
    counts = con.execute(f"""
        SELECT count(*) FILTER (WHERE coalesce(trim(user_id), '') = ''),
               count(*) FILTER (WHERE coalesce(trim(event_name), '') = ''),
               count(*) FILTER (WHERE coalesce(trim({ts_text}), '') = ''),
               count(*) FILTER (WHERE coalesce(trim({ts_text}), '') <> '' AND ts IS NULL),
               count(*) FILTER (WHERE ts > loaded_ts + INTERVAL 24 HOUR)
        FROM raw
    """).fetchall()[0]
    expected_unparseable = 0 if fmt == "parquet" else 1
    assert all(count >= 1 for count in counts[:3] + counts[4:]), counts
    assert (counts[3] >= 1) == bool(expected_unparseable), counts


def test_no_bad_rows_when_disabled(tmp_path: Path) -> None:
    con = _connect(generate_events(tmp_path, 5_000, bad_rows=False), "csv")
    assert _one(con, "SELECT count(*) FROM raw") == 5_000
    assert _one(con, "SELECT count(*) FROM valid") == 5_000


def test_timestamps_mixed_formats_millis_and_window(csv_con) -> None:
    formats = csv_con.execute("""
        SELECT count(*) FILTER (WHERE event_ts LIKE '%Z'),
               count(*) FILTER (WHERE event_ts LIKE '%+05:30'),
               count(*) FILTER (WHERE event_ts LIKE '%-04:00'),
               count(*) FILTER (WHERE regexp_matches(event_ts, '^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}$')),
               count(*) FILTER (WHERE epoch_ms(ts) % 1000 <> 0)
        FROM valid
    """).fetchall()[0]  # noqa: E501
    assert all(count > 100 for count in formats), formats
    assert formats[3] > 0.8 * 20_000
    # an offset is the same instant: the '+05:30' text is 5.5 h ahead of UTC
    row = csv_con.execute("""
        SELECT event_ts, strftime(ts, '%Y-%m-%d %H:%M:%S.%g') FROM valid
        WHERE event_ts LIKE '%+05:30' LIMIT 1
    """).fetchall()[0]
    local = duckdb.sql(f"SELECT TIMESTAMP '{row[0][:23].replace('T', ' ')}'").fetchall()[0][0]
    utc = duckdb.sql(f"SELECT TIMESTAMP '{row[1]}'").fetchall()[0][0]
    assert (local - utc).total_seconds() == 5.5 * 3600
    low, high = csv_con.execute("SELECT min(ts), max(ts) FROM valid").fetchall()[0]
    assert low.strftime("%Y-%m-%d") >= "2026-09-02" and high.strftime("%Y-%m-%d") <= "2026-10-31"


def test_batches_are_loaded_later_and_carry_late_events(csv_con) -> None:
    batches = csv_con.execute("""
        SELECT filename, count(DISTINCT loaded_ts), min(loaded_ts),
               count(*) FILTER (WHERE loaded_at IS NULL) / count(*)
        FROM raw GROUP BY filename ORDER BY filename
    """).fetchall()
    assert len(batches) == 4
    assert all(batch[1] == 1 for batch in batches)  # one load time per arrival batch
    loaded = [batch[2] for batch in batches]
    assert loaded == sorted(loaded) and len(set(loaded)) == 4
    assert all(0.005 < batch[3] < 0.08 for batch in batches)  # some rows lack loaded_at
    # late events: in a later batch, but with an event time inside an earlier batch's range
    late = csv_con.execute(f"""
        WITH numbered AS (
            SELECT *, dense_rank() OVER (ORDER BY filename) - 1 AS batch FROM valid
        )
        SELECT batch,
               count(*) FILTER (WHERE ts < TIMESTAMPTZ '{END}' - INTERVAL {DAYS} DAY
                                          + batch * INTERVAL {DAYS * 6} HOUR) / count(*)
        FROM numbered GROUP BY batch ORDER BY batch
    """).fetchall()
    assert late[0][1] == 0
    assert all(0.015 < share < 0.06 for _, share in late[1:]), late


def test_session_gaps_near_timeout_and_long_sessions(csv_con) -> None:
    csv_con.execute("""
        CREATE OR REPLACE TEMP TABLE gaps AS
        SELECT trim(user_id) AS user_id, ts,
               epoch_ms(ts) - epoch_ms(lag(ts) OVER (PARTITION BY trim(user_id) ORDER BY ts))
                   AS gap_ms
        FROM (SELECT DISTINCT user_id, ts FROM valid)
    """)
    near = csv_con.execute("""
        SELECT count(*) FILTER (WHERE gap_ms BETWEEN 1140000 AND 1199999),
               count(*) FILTER (WHERE gap_ms BETWEEN 1200000 AND 1260000),
               count(*) FILTER (WHERE gap_ms = 1200000),
               count(*) FILTER (WHERE gap_ms = 1199999),
               count(*) FILTER (WHERE gap_ms > 3 * 3600000)
        FROM gaps
    """).fetchall()[0]
    assert near[0] > 10 and near[1] > 10, near  # both sides of the 20-minute boundary
    assert near[2] > 0 and near[3] > 0, near  # exactly at and 1 ms under the timeout
    assert near[4] > 1_000  # gaps of hours between sessions
    lengths = csv_con.execute("""
        WITH numbered AS (
            SELECT *, sum(CASE WHEN gap_ms IS NULL OR gap_ms >= 1200000 THEN 1 ELSE 0 END)
                   OVER (PARTITION BY user_id ORDER BY ts) AS session
            FROM gaps
        )
        SELECT (epoch_ms(max(ts)) - epoch_ms(min(ts))) // 1000 AS seconds, count(*) AS events
        FROM numbered GROUP BY user_id, session
    """).fetchall()
    seconds = [row[0] for row in lengths]
    assert sum(s >= 8192 for s in seconds) >= 3 and sum(4096 <= s < 8192 for s in seconds) >= 3
    assert 3 < sum(row[1] for row in lengths) / len(lengths) < 8  # events per session


def test_users_default_and_override(tmp_path: Path, csv_con) -> None:
    users = _one(csv_con, "SELECT count(DISTINCT trim(user_id)) FROM valid")
    assert 120 <= users <= 134  # about 20,000 / 150
    con = _connect(generate_events(tmp_path, 4_000, n_users=7), "csv")
    assert _one(con, "SELECT count(DISTINCT trim(user_id)) FROM valid") == 7


def test_parquet_has_timestamp_columns_and_no_unparseable_rows(parquet_files: list[Path]) -> None:
    con = _connect(parquet_files, "parquet")
    types = dict((row[0], row[1]) for row in con.execute("DESCRIBE SELECT * FROM raw").fetchall())
    assert types["event_ts"] == "TIMESTAMP" and types["loaded_at"] == "TIMESTAMP"
    counts = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE event_ts IS NULL),
               count(*) FILTER (WHERE event_ts > loaded_at + INTERVAL 24 HOUR),
               count(*) FILTER (WHERE coalesce(trim(user_id), '') = ''),
               count(*) FILTER (WHERE epoch_ms(event_ts) % 1000 <> 0)
        FROM raw
    """).fetchall()[0]
    assert counts[0] == 12_000 and all(count > 0 for count in counts[1:]), counts


def test_cli_writes_files_and_prints_summary(tmp_path: Path, capsys) -> None:
    code = main(["--out", str(tmp_path), "--events", "2000", "--files", "2", "--format", "json"])
    assert code == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == [str(tmp_path / "events_000.ndjson"), str(tmp_path / "events_001.ndjson")]
    assert printed[2].startswith("wrote 2,000 rows")
