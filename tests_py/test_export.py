"""The BI read path (issue 4): Parquet per public mart plus a read-only catalog of views.

The point of it is tested with real processes: a BI tool holding the catalog open
stops neither the next export nor writes to the warehouse (what `dbt build` does),
while a tool holding the warehouse itself open would stop them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from session_analytics import export
from test_board import EXPECTED_DAILY, build_fixture_warehouse

# A BI tool: opens a DuckDB file read-only, answers one query, holds the file open until
# told to go on (a line on stdin), then answers the same query again.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
query = sys.argv[2]
print(con.execute(query).fetchall()[0][0], flush=True)
sys.stdin.readline()
print(con.execute(query).fetchall()[0][0], flush=True)
con.close()
"""
SESSION_COUNT = "select count(*) from marts.fct_sessions"


class Reader:
    """A separate process holding a DuckDB file open read-only."""

    def __init__(self, database: Path, query: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", READER, str(database), query],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def first_answer(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line:
            raise AssertionError(f"reader failed: {self.process.communicate()[1]}")
        return line

    def second_answer(self) -> str:
        out, err = self.process.communicate("go on\n", timeout=30)
        assert self.process.returncode == 0, err
        return out.strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return build_fixture_warehouse(tmp_path / "warehouse.duckdb")


def _count(database: Path, relation: str) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select count(*) from marts.{relation}").fetchall()[0][0]


def _add_a_session(warehouse: Path) -> None:
    """What `dbt build` does to the warehouse: open it read-write and change a mart."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into marts.fct_sessions values ('s12', 'u6', 30, 2, false, "
            "timestamp '2026-10-07 11:59:00', timestamp '2026-10-07 11:59:30')"
        )


def test_every_public_mart_is_exported_with_its_rows(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "bi"
    result = export.export_marts(warehouse, out)

    assert sorted(path.name for path in out.iterdir()) == sorted(
        [f"{mart}.parquet" for mart in export.PUBLIC_MARTS] + ["catalog.duckdb"]
    ), "one Parquet file per mart and the catalog; no temporary files left"
    assert result.catalog_path == out.resolve() / "catalog.duckdb"
    # 10 concluded + 1 open session; 69 events of 10 concluded sessions; 5 users.
    assert result.row_counts == {
        "fct_events": 69,
        "fct_sessions": 11,
        "fct_session_concluded": 10,
        "dim_users": 5,
        "mart_session_length_distribution": 2,
        "mart_sessions_daily": 7,
        "rejected_events": 1,
    }
    for mart in export.PUBLIC_MARTS:
        assert result.row_counts[mart] == _count(warehouse, mart)
        assert _count(result.catalog_path, mart) == result.row_counts[mart]


def test_catalog_views_read_the_parquet_files_by_absolute_path(
    warehouse: Path, tmp_path: Path
) -> None:
    result = export.export_marts(warehouse, tmp_path / "bi")
    with duckdb.connect(str(result.catalog_path), read_only=True) as con:
        views = dict(
            con.execute(
                "select view_name, sql from duckdb_views() where schema_name = 'marts'"
            ).fetchall()
        )
        daily = con.execute(
            "select strftime(session_date, '%Y-%m-%d'), session_count, "
            "total_session_length_seconds from marts.mart_sessions_daily order by 1"
        ).fetchall()
        tables = con.execute("select count(*) from duckdb_tables() where not internal").fetchall()
    assert sorted(views) == sorted(export.PUBLIC_MARTS)
    assert str(result.parquet_paths["dim_users"]) in views["dim_users"]
    assert result.parquet_paths["dim_users"].is_absolute()
    assert daily == EXPECTED_DAILY
    assert tables == [(0,)], "the catalog holds views only, no data"


def test_descriptions_reach_the_catalog(warehouse: Path, tmp_path: Path) -> None:
    result = export.export_marts(warehouse, tmp_path / "bi")
    with duckdb.connect(str(result.catalog_path), read_only=True) as con:
        view_comment = con.execute(
            "select comment from duckdb_views() where view_name = 'dim_users'"
        ).fetchall()
        column_comment = con.execute(
            "select comment from duckdb_columns() "
            "where table_name = 'dim_users' and column_name = 'session_count'"
        ).fetchall()
    assert view_comment == [("S10: one row per user with a session.",)]
    assert column_comment == [("Sessions of the user, open ones included.",)]


def test_catalog_opens_in_older_duckdb_releases(warehouse: Path, tmp_path: Path) -> None:
    result = export.export_marts(warehouse, tmp_path / "bi")
    with duckdb.connect(str(result.catalog_path), read_only=True) as con:
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = 'catalog'"
        ).fetchall()
    assert tags == [({"storage_version": "v1.0.0+"},)]


def test_a_reader_holding_the_catalog_stops_neither_export_nor_build(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bi"
    catalog = export.export_marts(warehouse, out).catalog_path
    reader = Reader(catalog, SESSION_COUNT)
    try:
        assert reader.first_answer() == "11"
        # While the BI tool holds the catalog open: a build writes the warehouse ...
        _add_a_session(warehouse)
        # ... and the next export replaces the Parquet files and the catalog.
        again = export.export_marts(warehouse, out)
        assert again.row_counts["fct_sessions"] == 12
        # The reader was not disturbed; its views now read the new files.
        assert reader.second_answer() == "12"
    finally:
        reader.stop()
    assert _count(catalog, "fct_sessions") == 12


def test_a_reader_holding_the_warehouse_would_stop_the_build(warehouse: Path) -> None:
    """Why the catalog exists: DuckDB lets one process write a file, and only if no one
    else has it open."""
    reader = Reader(warehouse, SESSION_COUNT)
    try:
        assert reader.first_answer() == "11"
        with pytest.raises(duckdb.IOException, match="lock"):
            _add_a_session(warehouse)
    finally:
        reader.stop()


def test_a_missing_mart_fails_before_anything_is_written(tmp_path: Path) -> None:
    partial = tmp_path / "partial.duckdb"
    with duckdb.connect(str(partial)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_events as select 1 as event_id")
    out = tmp_path / "bi"
    with pytest.raises(LookupError, match="fct_sessions"):
        export.export_marts(partial, out)
    assert list(out.iterdir()) == []


def test_cli(warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bi"
    assert export.main(["--db", str(warehouse), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"BI catalog (open read-only, schema marts): {out.resolve() / 'catalog.duckdb'}" in (
        printed
    )
    assert export.main(["--db", str(tmp_path / "missing.duckdb"), "--out", str(out)]) == 1
