"""Shared fixtures: run the dbt project on small inputs and read its marts."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dbt.tracking
import duckdb
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner
from dbt_common.events.functions import capture_stdout_logs, stop_capture_stdout_logs

from session_analytics.export import PUBLIC_MARTS  # noqa: F401  (re-exported to the tests)

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))


class DbtRun:
    """One dbt invocation's outcome: its exit code and what it printed."""

    def __init__(self, returncode: int, output: str, db_path: Path) -> None:
        self.returncode = returncode
        self.output = output
        self.db_path = db_path

    def check(self) -> DbtRun:
        assert self.returncode == 0, self.output[-6000:]
        return self


def run_dbt(
    args: list[str],
    db_path: Path,
    variables: dict[str, Any],
    *,
    env: dict[str, str] | None = None,
) -> DbtRun:
    """Run dbt in the project against the DuckDB file `db_path`.

    In this process, through dbt's programmatic entry point, as dbt-core's own
    functional tests run it: with a new dbt process per invocation (imports,
    adapter start-up) the suite took twice as long."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    run_env = {
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DUCKDB_PATH": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(env or {}),
    }
    command = [
        *args,
        "--vars",
        json.dumps(variables),
        "--project-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(db_path.parent / "target"),
        "--log-path",
        str(db_path.parent / "logs"),
    ]
    printed = io.StringIO()
    with _environment(run_env):
        capture_stdout_logs(printed)
        try:
            result = dbtRunner().invoke(command)
        finally:
            stop_capture_stdout_logs()
            _close_the_warehouse()
    output = printed.getvalue()
    if result.exception is not None:
        output += f"\n{result.exception}"
    # dbt's own exit codes: 1 for failed nodes, 2 for an error that stopped the run.
    returncode = 0 if result.success else 2 if result.exception is not None else 1
    return DbtRun(returncode, output, db_path)


def _close_the_warehouse() -> None:
    """dbt-duckdb keeps its database open for the next invocation in this process;
    the test reads it next, read-only, which DuckDB refuses while it is open."""
    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager.env().close()
        DuckDBConnectionManager.close_all_connections()


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """`variables` set in the environment, and the working directory restored, after."""
    saved_environment, saved_directory = dict(os.environ), os.getcwd()
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_environment)
        os.chdir(saved_directory)


def read_table(db_path: Path, relation: str, order_by: str = "all") -> list[dict[str, Any]]:
    """All rows of `relation` as dicts, in a stable order."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        result = con.execute(f"select * from {relation} order by {order_by}")
        columns = [description[0] for description in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


@pytest.fixture
def dbt_build(tmp_path: Path) -> Callable[..., DbtRun]:
    """Build the whole project (models and data tests) on `raw_events_path`."""

    def build(
        raw_events_path: str | Path,
        *,
        db_name: str = "warehouse",
        full_refresh: bool = False,
        command: str = "build",
        **variables: Any,
    ) -> DbtRun:
        args = [command] + (["--full-refresh"] if full_refresh else [])
        if command == "build":
            # The unit tests do not depend on the input; `make dbt-test` runs them once.
            args += ["--exclude-resource-type", "unit_test"]
        return run_dbt(
            args,
            tmp_path / db_name / "warehouse.duckdb",
            {"raw_events_path": str(raw_events_path), **variables},
        )

    return build


class RunStartClock:
    """When the next dbt run in this process starts: `run_started_at`, which the
    project takes as the run's start (S2's loaded-at for rows without one, the
    run stamps). Set `at` (naive UTC) before each run; a test of verdicts that
    move with the run's start then needs no real waiting."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self, tz: Any = None) -> datetime:
        return self.at.replace(tzinfo=UTC).astimezone(tz)


@pytest.fixture
def run_start_clock(monkeypatch: pytest.MonkeyPatch) -> RunStartClock:
    """dbt's tracking module stamps run_started_at with datetime.now(); only
    that module's datetime is replaced, for this test."""
    clock = RunStartClock(datetime(2026, 10, 1, 12, 0))

    class _Datetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:
            return clock.now(tz)

    monkeypatch.setattr(dbt.tracking, "datetime", _Datetime)
    return clock
