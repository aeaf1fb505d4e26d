"""Shared fixtures: run the dbt project on small inputs and read its marts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from session_analytics.export import PUBLIC_MARTS  # noqa: F401  (re-exported to the tests)

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))


class DbtRun:
    """One dbt invocation's outcome."""

    def __init__(self, completed: subprocess.CompletedProcess[str], db_path: Path) -> None:
        self.returncode = completed.returncode
        self.output = completed.stdout + completed.stderr
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
    """Run dbt in the project against the DuckDB file `db_path`."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    run_env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DUCKDB_PATH": str(db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(env or {}),
    }
    command = [
        DBT,
        *args,
        "--vars",
        json.dumps(variables),
        "--target-path",
        str(db_path.parent / "target"),
        "--log-path",
        str(db_path.parent / "logs"),
    ]
    completed = subprocess.run(
        command, cwd=PROJECT_DIR, env=run_env, capture_output=True, text=True, check=False
    )
    return DbtRun(completed, db_path)


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
