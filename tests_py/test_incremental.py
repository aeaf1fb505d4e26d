"""S12: incremental runs equal a full refresh, row for row, whatever arrives late."""

from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PUBLIC_MARTS, read_table, run_dbt

HEADER = ["event_id", "user_id", "event_name", "event_ts", "source", "loaded_at"]
T0 = datetime(2026, 10, 1, 10, 0)
OUTRANKED = "because rows staged now come before the copies published earlier"
# Data and unit tests run in test_end_to_end and `make test`; here mostly the results
# matter. The property test also runs the data tests of every incremental run.
MODELS_AND_SEEDS = ["build", "--resource-type", "seed", "--resource-type", "model"]
WITH_DATA_TESTS = ["build", "--exclude-resource-type", "unit_test"]


class Warehouses:
    """An incremental warehouse and a full-refresh one, fed the same files."""

    def __init__(self, root: Path, **variables: Any) -> None:
        # An apostrophe in the folder: file names reach SQL as escaped literals
        # (text_literal) in every read, check and rebuild of an incremental run.
        self.inbox = root / "o'neil's inbox"
        self.inbox.mkdir(parents=True)
        self.root = root
        self.variables = {"raw_events_path": str(self.inbox / "*.csv"), **variables}
        self.batches = 0

    def land(self, rows: list[list[str]]) -> None:
        """A new file lands beside the old ones."""
        self.batches += 1
        with (self.inbox / f"events_{self.batches:03d}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)

    def arrive(
        self, rows: list[list[str]], *, outranked: bool | None = False, data_tests: bool = False
    ) -> None:
        """A new file lands beside the old ones, then the incremental warehouse runs."""
        self.land(rows)
        self.run(outranked=outranked, data_tests=data_tests)

    def run(
        self, *, rebuilds: bool = False, outranked: bool | None = False, data_tests: bool = False
    ) -> None:
        """The incremental warehouse runs. Rows staged before keep the run that
        staged them, unless the run rebuilds (a file it read has changed).
        `outranked`: whether a new row comes before the published copy of its
        id, so that the models after staging are rebuilt (None: either).
        `data_tests`: the run's data tests too, which must pass."""
        before = self.staged_files()
        args = WITH_DATA_TESTS if data_tests else MODELS_AND_SEEDS
        run = run_dbt(args, self.incremental_db, self.variables).check()
        after = self.staged_files()
        if rebuilds:
            assert "is rebuilt with every incremental model" in run.output
            assert not before & after
        else:
            assert "is rebuilt" not in run.output
            assert before <= after
        if outranked is not None:
            assert (OUTRANKED in run.output) == outranked

    def staged_files(self) -> set[tuple[str, datetime]]:
        """(file, the run that staged it) for every file stg_event_rows read."""
        if not self.incremental_db.exists():
            return set()
        with duckdb.connect(str(self.incremental_db), read_only=True) as con:
            return set(
                con.execute(
                    "select distinct _file_name, _staged_at from staging.stg_event_rows"
                ).fetchall()
            )

    @property
    def incremental_db(self) -> Path:
        return self.root / "incremental" / "warehouse.duckdb"

    @property
    def full_refresh_db(self) -> Path:
        return self.root / "full" / "warehouse.duckdb"

    def assert_identical(self) -> None:
        """A full refresh over every file so far gives the incremental warehouse's rows."""
        run_dbt([*MODELS_AND_SEEDS, "--full-refresh"], self.full_refresh_db, self.variables).check()
        for mart in PUBLIC_MARTS:
            incremental = _without_run_stamps(read_table(self.incremental_db, f"marts.{mart}"))
            full = _without_run_stamps(read_table(self.full_refresh_db, f"marts.{mart}"))
            assert incremental == full, f"{mart} after batch {self.batches}"
        audit = read_table(self.incremental_db, "staging.stg_load_audit")
        assert all(
            row["raw_row_count"]
            == row["staged_count"] + row["duplicate_count"] + row["rejected_count"]
            for row in audit
        )

    def rewrite(self, batch: int, old: str, new: str) -> None:
        """The file of an earlier batch changes in place."""
        path = self.inbox / f"events_{batch:03d}.csv"
        path.write_bytes(path.read_bytes().replace(old.encode(), new.encode()))

    def session_users(self) -> list[str]:
        return [session[0] for session in self.sessions()]

    def sessions(self) -> list[tuple[Any, ...]]:
        return [
            (
                row["user_id"],
                row["session_start"],
                row["session_end"],
                row["session_length_seconds"],
                row["event_count"],
                row["is_concluded"],
            )
            for row in read_table(
                self.incremental_db, "marts.fct_sessions", "user_id, session_start"
            )
        ]

    def event_names(self) -> dict[str, str]:
        return {
            row["event_id"]: row["event_name"]
            for row in read_table(self.incremental_db, "marts.fct_events")
        }

    def load_counts(self) -> list[tuple[int, int]]:
        """(staged, duplicate) rows per run, in run order."""
        return [
            (row["staged_count"], row["duplicate_count"])
            for row in read_table(self.incremental_db, "staging.stg_load_audit", "staged_at")
        ]

    def session_ids(self) -> dict[tuple[str, datetime], str]:
        return {
            (row["user_id"], row["session_start"]): row["session_id"]
            for row in read_table(self.incremental_db, "marts.fct_sessions")
        }


def _without_run_stamps(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in row.items() if key != "rejected_at"} for row in rows]


def event(
    event_id: str, user: str, minutes: float, *, name: str = "App Launched", loaded: str = ""
) -> list[str]:
    ts = T0 + timedelta(minutes=minutes)
    return [event_id, user, name, ts.isoformat(sep=" "), "SDK", loaded]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_late_event_extends_a_concluded_session(tmp_path):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0), event("b", "u1", 10), event("c", "u2", 120)])
    assert warehouses.sessions()[0] == ("u1", at(0), at(10), 600, 2, True)
    first_id = warehouses.session_ids()[("u1", at(0))]
    warehouses.arrive([event("d", "u1", 20)])
    assert warehouses.sessions() == [
        ("u1", at(0), at(20), 1200, 3, True),
        ("u2", at(120), at(120), 0, 1, False),
    ]
    # S5: same user and start, same id, although the session grew.
    assert warehouses.session_ids()[("u1", at(0))] == first_id
    warehouses.assert_identical()


def test_late_event_merges_two_sessions(tmp_path):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0), event("b", "u1", 30), event("c", "u2", 120)])
    assert [row[:2] for row in warehouses.sessions()] == [
        ("u1", at(0)),
        ("u1", at(30)),
        ("u2", at(120)),
    ]
    warehouses.arrive([event("d", "u1", 15)])
    assert warehouses.sessions() == [
        ("u1", at(0), at(30), 1800, 3, True),
        ("u2", at(120), at(120), 0, 1, False),
    ]
    warehouses.assert_identical()


def test_late_event_starts_a_session_in_between(tmp_path):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0), event("b", "u1", 120), event("c", "u2", 240)])
    ids_before = warehouses.session_ids()
    warehouses.arrive([event("d", "u1", 60), event("e", "u1", 65)])
    assert warehouses.sessions() == [
        ("u1", at(0), at(0), 0, 1, True),
        ("u1", at(60), at(65), 300, 2, True),
        ("u1", at(120), at(120), 0, 1, True),
        ("u2", at(240), at(240), 0, 1, False),
    ]
    # The untouched sessions keep their ids.
    ids_after = warehouses.session_ids()
    assert ids_after[("u1", at(0))] == ids_before[("u1", at(0))]
    assert ids_after[("u1", at(120))] == ids_before[("u1", at(120))]
    warehouses.assert_identical()


def test_late_duplicate_stays_a_duplicate(tmp_path):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive(
        [
            event("a", "u1", 0, loaded="2026-10-01 12:00:00"),
            event("b", "u1", 10, loaded="2026-10-01 12:00:00"),
        ]
    )
    warehouses.arrive(
        [
            event("a", "u1", 0, name="Renamed", loaded="2026-10-02 12:00:00"),
            event("c", "u1", 50, loaded="2026-10-02 12:00:00"),
        ]
    )
    assert warehouses.sessions() == [
        ("u1", at(0), at(10), 600, 2, True),
        ("u1", at(50), at(50), 0, 1, False),
    ]
    assert warehouses.event_names()["a"] == "App Launched"
    assert warehouses.load_counts() == [(2, 0), (1, 1)]
    warehouses.assert_identical()


@pytest.mark.parametrize("first_loaded", ["", "2026-10-01 10:00:00"])
def test_later_copy_loaded_first_replaces_the_published_event(tmp_path, first_loaded):
    # The first file's rows were loaded at 10:00, or have no loaded_at and
    # count as loaded at the run's start; the second file's copy of "a" was
    # loaded before either and wins, as in a full refresh: the event moves
    # to u2 at 30 min.
    warehouses = Warehouses(tmp_path)
    warehouses.arrive(
        [event("a", "u1", 0, loaded=first_loaded), event("b", "u1", 10, loaded=first_loaded)]
    )
    warehouses.arrive(
        [
            event("a", "u2", 30, name="Loaded first", loaded="2026-10-01 09:00:00"),
            event("c", "u1", 15, loaded="2026-10-01 12:00:00"),
        ],
        outranked=True,
    )
    assert warehouses.sessions() == [
        ("u1", at(10), at(15), 300, 2, False),
        ("u2", at(30), at(30), 0, 1, False),
    ]
    assert warehouses.event_names() == {
        "a": "Loaded first",
        "b": "App Launched",
        "c": "App Launched",
    }
    assert warehouses.load_counts() == [(1, 1), (2, 0)]
    warehouses.assert_identical()
    # The next batch is incremental again.
    warehouses.arrive([event("d", "u1", 16, loaded="2026-10-02 12:00:00")])
    warehouses.assert_identical()


def test_later_file_sorting_first_wins_a_tie(tmp_path):
    # Same loaded_at (none), so the file name decides, as in a full refresh,
    # even when a later file's name sorts first.
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0)])
    with (warehouses.inbox / "events_000.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(event("a", "u2", 5, name="Sorted first"))
    warehouses.run(outranked=True)
    assert warehouses.session_users() == ["u2"]
    warehouses.assert_identical()


def test_rows_staged_alone_and_a_losing_duplicate_keyed_last(tmp_path):
    # An incremental run takes as new the rows keyed after the last one it
    # published. The first file's last row is a duplicate that lost (keyed
    # above every published row), and the second file is staged by a run of
    # stg_event_rows alone: the next build publishes the second and third
    # files' events once and keeps the loser out.
    warehouses = Warehouses(tmp_path)
    warehouses.arrive(
        [
            event("a", "u1", 0, loaded="2026-10-01 12:00:00"),
            event("b", "u1", 10, loaded="2026-10-01 11:00:00"),
            event("b", "u1", 10, name="Renamed", loaded="2026-10-01 12:00:00"),
        ]
    )
    warehouses.land([event("c", "u1", 20, loaded="2026-10-02 12:00:00")])
    db, variables = warehouses.incremental_db, warehouses.variables
    run_dbt(["run", "--select", "stg_event_rows"], db, variables).check()
    warehouses.arrive([event("d", "u2", 0, loaded="2026-10-03 12:00:00")])
    assert warehouses.event_names() == {
        "a": "App Launched",
        "b": "App Launched",
        "c": "App Launched",
        "d": "App Launched",
    }
    assert warehouses.sessions() == [
        ("u1", at(0), at(20), 1200, 3, False),
        ("u2", at(0), at(0), 0, 1, True),
    ]
    warehouses.assert_identical()


def test_open_session_concludes_when_as_of_moves_past_it(tmp_path):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0)])
    assert warehouses.sessions() == [("u1", at(0), at(0), 0, 1, False)]
    warehouses.arrive([event("b", "u2", 20)])
    assert warehouses.sessions() == [
        ("u1", at(0), at(0), 0, 1, True),
        ("u2", at(20), at(20), 0, 1, False),
    ]
    warehouses.assert_identical()


# max_future_hours decides which rows staging rejects: part of the definition
# too. Staging checks the definition its own rows were staged with, also when
# int_events_sessionized, which holds one too, was never built (staging alone).
@pytest.mark.parametrize(
    ("changed_var", "first_build"),
    [
        ({"session_timeout_seconds": 600}, "all"),
        ({"max_future_hours": 48}, "all"),
        ({"max_future_hours": 48}, "staging alone"),
    ],
)
def test_changed_definition_var_requires_a_full_refresh(tmp_path, changed_var, first_build):
    warehouses = Warehouses(tmp_path)
    if first_build == "all":
        warehouses.arrive([event("a", "u1", 0)])
    else:
        warehouses.land([event("a", "u1", 0)])
        run_dbt(
            [*MODELS_AND_SEEDS, "--select", "+stg_event_rows"],
            warehouses.incremental_db,
            warehouses.variables,
        ).check()
    # Staged at 48 hours, rejected at 24: staging must refuse the changed
    # definition before it reads the file, or the row keeps the verdict of a
    # run that failed once the var is set back.
    warehouses.land([event("b", "u2", 0, loaded=(T0 - timedelta(hours=30)).isoformat(sep=" "))])
    staged_before = warehouses.staged_files()
    changed = {**warehouses.variables, **changed_var}
    run = run_dbt(MODELS_AND_SEEDS, warehouses.incremental_db, changed)
    assert run.returncode != 0
    assert "The session definition changed" in run.output
    assert "run `dbt build --full-refresh`" in run.output
    assert warehouses.staged_files() == staged_before
    warehouses.run()
    assert warehouses.event_names() == {"a": "App Launched"}
    warehouses.assert_identical()
    run_dbt([*MODELS_AND_SEEDS, "--full-refresh"], warehouses.incremental_db, changed).check()


# A team edits a seed and runs `dbt seed`: here the seed's table is changed in
# place, and `dbt run` (models only) keeps it as changed. The next build loads
# the seed from its file again, which sets it back.
@pytest.mark.parametrize(
    "seed_change",
    [
        "insert into seeds.session_exclusion_rules values"
        " ('Search', '*', '*', true, 'a team rule')",
        "insert into seeds.channel_aliases values ('srch', 'Search')",
    ],
)
def test_changed_seed_requires_a_full_refresh(tmp_path, seed_change):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0)])
    with duckdb.connect(str(warehouses.incremental_db)) as con:
        con.execute(seed_change)
    warehouses.land([event("b", "u2", 0)])
    staged_before = warehouses.staged_files()
    run = run_dbt(["run"], warehouses.incremental_db, warehouses.variables)
    assert run.returncode != 0
    assert "The session definition changed" in run.output
    assert warehouses.staged_files() == staged_before
    warehouses.run()
    warehouses.assert_identical()


def test_staged_rows_rebuilt_alone_require_a_full_refresh(tmp_path):
    # A full refresh of stg_event_rows alone numbers its rows again; the keys
    # int_events_sessionized holds would point to other rows.
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0)])
    db, variables = warehouses.incremental_db, warehouses.variables
    run_dbt(["run", "--full-refresh", "--select", "stg_event_rows"], db, variables).check()
    run = run_dbt(["run"], db, variables)
    assert run.returncode != 0
    assert "was rebuilt after" in run.output
    run_dbt(["run", "--full-refresh"], db, variables).check()


# Files are taken to be immutable once landed. One that changed in place
# (here with the same size, only its modification time tells) or left the
# glob makes the run rebuild every incremental model: the result equals a
# full refresh over the files there now, not the rows of what was read.
def test_a_file_changed_in_place_rebuilds(tmp_path):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0), event("b", "u1", 10)])
    warehouses.arrive([event("c", "u2", 30)])
    first = warehouses.inbox / "events_001.csv"
    size, modified = first.stat().st_size, first.stat().st_mtime_ns
    warehouses.rewrite(1, "u1", "u3")
    assert first.stat().st_size == size
    os.utime(first, ns=(modified + 1_000, modified + 1_000))
    warehouses.run(rebuilds=True)
    assert warehouses.session_users() == ["u2", "u3"]
    warehouses.assert_identical()
    warehouses.arrive([event("d", "u2", 35)])
    warehouses.assert_identical()


# S2 judges a row without loaded_at against the run's start. Once a later run
# starts within max_future_hours of a rejected row's event_ts, a full refresh
# would stage the row: that run rebuilds, so the two stay equal.
def test_a_future_reject_without_loaded_at_that_comes_due_rebuilds(tmp_path, run_start_clock):
    warehouses = Warehouses(tmp_path, max_future_hours=0)
    due_at = run_start_clock.at + timedelta(seconds=30)
    soon = ["soon", "u2", "App Launched", due_at.isoformat(sep=" "), "SDK", ""]
    warehouses.arrive([event("a", "u1", 0), soon])
    rejected = read_table(warehouses.incremental_db, "marts.rejected_events")
    assert [(row["event_id"], row["reject_reason"]) for row in rejected] == [
        ("soon", "future_event_ts")
    ]
    run_start_clock.at = due_at - timedelta(seconds=1)
    warehouses.run()
    run_start_clock.at = due_at
    warehouses.run(rebuilds=True)
    assert read_table(warehouses.incremental_db, "marts.rejected_events") == []
    assert sorted(warehouses.event_names()) == ["a", "soon"]
    warehouses.assert_identical()


# The same for the first-loaded rule: a copy without loaded_at counts as loaded
# at the run's start, so it beats a later file's copy stamped 60 s ahead, until
# a run starts after that stamp; then a full refresh would publish the stamped
# copy (u2), and that run rebuilds. A row stamped 30 s ahead with no other copy
# never changes a choice: the run after its stamp, before the copy's, stays
# incremental (and publishes a row keyed after the losing copy).
def test_a_copy_whose_loaded_at_the_run_start_passes_rebuilds(tmp_path, run_start_clock):
    warehouses = Warehouses(tmp_path)
    landed = run_start_clock.at
    alone_at, copy_at = landed + timedelta(seconds=30), landed + timedelta(seconds=60)
    warehouses.arrive(
        [event("a", "u1", 0), event("z", "u3", 0, loaded=alone_at.isoformat(sep=" "))]
    )
    run_start_clock.at = landed + timedelta(seconds=1)
    warehouses.arrive([event("a", "u2", 5, loaded=copy_at.isoformat(sep=" "))])
    assert warehouses.session_users() == ["u1", "u3"]
    run_start_clock.at = alone_at + timedelta(seconds=1)
    # A published row keyed after the losing copy: staging's post-hook
    # (rebuild_when_published_copy_outranked) no longer ranks that copy.
    warehouses.arrive([event("b", "u4", 0)])
    assert warehouses.session_users() == ["u1", "u3", "u4"]
    # At the stamp itself both copies count as loaded then, and the tie goes
    # to the first file's (first_loaded_order): still the published one.
    run_start_clock.at = copy_at
    warehouses.run()
    run_start_clock.at = copy_at + timedelta(seconds=1)
    warehouses.run(rebuilds=True)
    assert warehouses.session_users() == ["u2", "u3", "u4"]
    warehouses.assert_identical()
    # Nothing comes due twice: the next run is incremental again.
    run_start_clock.at = copy_at + timedelta(hours=1)
    warehouses.run()


# The edge of the same rule: a run that starts exactly at the stamp counts the
# copy without loaded_at as loaded then too, and the tie goes to the first
# file's copy, the stamped one here, so that run already rebuilds.
def test_a_copy_stamped_at_the_run_start_wins_the_tie_by_file(tmp_path, run_start_clock):
    warehouses = Warehouses(tmp_path)
    landed = run_start_clock.at
    copy_at = landed + timedelta(seconds=60)
    warehouses.arrive([event("a", "u2", 5, loaded=copy_at.isoformat(sep=" "))])
    run_start_clock.at = landed + timedelta(seconds=1)
    # Loaded at this run's start, before the stamp: the new copy is first.
    warehouses.arrive([event("a", "u1", 0)], outranked=True)
    assert warehouses.session_users() == ["u1"]
    run_start_clock.at = copy_at - timedelta(seconds=1)
    warehouses.run()
    run_start_clock.at = copy_at
    warehouses.run(rebuilds=True)
    assert warehouses.session_users() == ["u2"]
    warehouses.assert_identical()


def test_a_file_leaving_the_glob_rebuilds(tmp_path):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0)])
    warehouses.arrive([event("b", "u2", 0)])
    (warehouses.inbox / "events_001.csv").unlink()
    warehouses.run(rebuilds=True)
    assert warehouses.session_users() == ["u2"]
    warehouses.assert_identical()


# The rebuild replaces each table only when its new one is built; a run that
# fails half-way, or that builds stg_event_rows alone, leaves the rest of the
# rebuild to the next run.
def test_a_failed_rebuild_keeps_the_warehouse_and_the_next_run_finishes_it(tmp_path):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0)])
    warehouses.rewrite(1, "u1", "u2")
    unreadable = warehouses.inbox / "events_002.csv"
    unreadable.write_bytes(b"user_id,event_name,event_ts\nu3,Caf\xe9,2026-10-01 10:00:00\n")
    run = run_dbt(MODELS_AND_SEEDS, warehouses.incremental_db, warehouses.variables)
    assert run.returncode != 0
    assert warehouses.session_users() == ["u1"]
    unreadable.unlink()
    warehouses.run(rebuilds=True)
    assert warehouses.session_users() == ["u2"]
    warehouses.assert_identical()


# `dbt retry` after a run that failed half-way (a transient error in one
# model; the models before it built) reruns that model and the ones after it.
# Each finds what the failed run left by the stamps its inputs keep
# (`_row_key`, `_sessionized_at`), not by the run's start, so the retried run
# restates the late event's user as the failed one would have.
@pytest.mark.parametrize("failing_model", ["int_events_sessionized", "int_sessions"])
def test_dbt_retry_after_a_failed_run_equals_a_full_refresh(tmp_path, monkeypatch, failing_model):
    from dbt import selected_resources
    from dbt.adapters.duckdb.environments.local import DuckDBCursorWrapper
    from dbt_common.exceptions import DbtRuntimeError

    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0), event("c", "u1", 30), event("x", "u2", 90)])
    warehouses.land([event("b", "u1", 15)])  # late: merges u1's two sessions
    execute = DuckDBCursorWrapper.execute

    def failing_execute(self, sql, bindings=None):
        if f'"{failing_model}__dbt_tmp' in sql:
            raise DbtRuntimeError("injected: the connection dropped")
        return execute(self, sql, bindings)

    monkeypatch.setattr(DuckDBCursorWrapper, "execute", failing_execute)
    db, variables = warehouses.incremental_db, warehouses.variables
    failed = run_dbt(MODELS_AND_SEEDS, db, variables)
    monkeypatch.undo()
    assert failed.returncode == 1 and "injected: the connection dropped" in failed.output
    assert len(warehouses.staged_files()) == 2
    assert [row[:2] for row in warehouses.sessions()] == [
        ("u1", at(0)), ("u1", at(30)), ("u2", at(90))
    ]  # fmt: skip
    # A `dbt retry` process starts with no selection (dbt's retry task does
    # not record one), so the on-run-start checks stand aside; in this
    # process the failed build's selection would still be there.
    monkeypatch.setattr(selected_resources, "SELECTED_RESOURCES", [])
    run_dbt(["retry"], db, variables).check()
    results = json.loads((db.parent / "target" / "run_results.json").read_text())["results"]
    retried = {result["unique_id"].split(".")[-1] for result in results}
    assert failing_model in retried and "stg_event_rows" not in retried
    assert warehouses.sessions() == [
        ("u1", at(0), at(30), 1800, 3, True),
        ("u2", at(90), at(90), 0, 1, False),
    ]
    warehouses.assert_identical()


def test_staging_rebuilt_alone_then_the_next_build_rebuilds_the_rest(tmp_path):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0), event("b", "u1", 10)])
    warehouses.rewrite(1, "u1", "u2")
    db, variables = warehouses.incremental_db, warehouses.variables
    run_dbt(["run", "--select", "stg_event_rows"], db, variables).check()
    warehouses.run(rebuilds=True)
    assert warehouses.session_users() == ["u2"]
    warehouses.assert_identical()
    warehouses.arrive([event("c", "u2", 30)])
    warehouses.assert_identical()


def test_a_glob_matching_no_file_keeps_the_warehouse(tmp_path):
    # A mistyped path or a missing mount must not empty the warehouse.
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0)])
    sessions = warehouses.sessions()
    warehouses.variables["raw_events_path"] = str(tmp_path / "elsewhere" / "*.csv")
    warehouses.run()
    assert warehouses.sessions() == sessions


# A warehouse built before stg_event_rows recorded its files' versions, or
# while both incremental tables kept the session definition as md5 text (a
# new column: the number's is declared run-length encoded, which text cannot be).
EARLIER_VERSIONS = {
    "no file versions": ["alter table staging.stg_event_rows drop column _file_modified_at"],
    "fingerprint as text": [
        statement.format(table=table)
        for table in ("staging.stg_event_rows", "intermediate.int_events_sessionized")
        for statement in (
            "alter table {table} add column _session_definition varchar",
            "update {table}"
            " set _session_definition = md5(cast(_session_definition_hash as varchar))",
            "alter table {table} drop column _session_definition_hash",
        )
    ],
}


@pytest.mark.parametrize("version", EARLIER_VERSIONS)
def test_staged_rows_from_an_earlier_version_rebuild(tmp_path, version):
    warehouses = Warehouses(tmp_path)
    warehouses.arrive([event("a", "u1", 0)])
    with duckdb.connect(str(warehouses.incremental_db)) as con:
        for statement in EARLIER_VERSIONS[version]:
            con.execute(statement)
    warehouses.land([event("b", "u1", 30)])
    if version == "fingerprint as text":
        # Without staging selected nothing rebuilds: the run says what to do.
        run = run_dbt(
            ["run", "--select", "int_events_sessionized"],
            warehouses.incremental_db,
            warehouses.variables,
        )
        assert run.returncode != 0
        assert "was built by an earlier version of this project" in run.output
        assert "run `dbt build --full-refresh`" in run.output
    warehouses.run(rebuilds=True)
    warehouses.assert_identical()


# S12: the data tests of the incremental models read the rows written since
# their tests last all passed (data_tests_scope, macros/test_scope.sql). Each
# tampering below touches such rows, or rows sharing a key with them, and is
# found; a row of a run whose tests passed is left to `data_tests_scope: all`.
SCOPED_TAMPERINGS: dict[str, tuple[str, str, list[tuple[Any, ...]]]] = {
    "session kept beside its rebuilt copy": (
        "insert into intermediate.int_sessions select * replace"
        " (_built_at - interval 1 hour as _built_at)"
        " from intermediate.int_sessions where user_id = 'u1'",
        "unique_int_sessions_session_id",
        [("u1",)],
    ),
    "duplicate of an earlier id published": (
        "insert into intermediate.int_events_sessionized select * replace ("
        " (select max(_row_key) from staging.stg_event_rows where event_id = 'c') as _row_key)"
        " from intermediate.int_events_sessionized where _row_key ="
        " (select min(_row_key) from staging.stg_event_rows where event_id = 'c')",
        "assert_every_raw_row_accounted_for",
        [("c", "event id published more than once")],
    ),
    "row read twice": (
        "insert into staging.stg_event_rows"
        " select * from staging.stg_event_rows where event_id = 'd'",
        "assert_every_raw_row_accounted_for",
        [
            ("d", "event id published more than once"),
            ("events_002", "rows of the file not read exactly once"),
        ],
    ),
    # Stored after the key's first copy, not beside it: the sort finds them,
    # and counts the three.
    "row read three times, by its key": (
        "insert into staging.stg_event_rows"
        " select * from staging.stg_event_rows where event_id = 'd'"
        " union all select * from staging.stg_event_rows where event_id = 'd'",
        "unique_by_sort_stg_event_rows__row_key",
        [("d", 3)],
    ),
    "restated sessions lost": (
        "delete from intermediate.int_sessions where user_id = 'u1'",
        "assert_sessions_are_separated_by_the_timeout",
        [("u1", "sessionable events whose session is missing")],
    ),
    "a tested run's session lost": (
        "delete from intermediate.int_sessions where user_id = 'u3'",
        "assert_sessions_are_separated_by_the_timeout",
        [],
    ),
    "restated session without its end": (
        "update intermediate.int_sessions set session_end = null where user_id = 'u1'",
        "not_null_int_sessions",
        [("session_end", 1)],
    ),
    # The test's own `where` (valid rows only) narrows the scoped rows.
    "valid row without its event name": (
        "update staging.stg_event_rows set event_name = null where event_id = 'e'",
        "not_null_stg_event_rows_valid_rows",
        [("event_name", 1)],
    ),
    "rejected row without its event name": (
        "update staging.stg_event_rows set event_name = null where reject_reason is not null",
        "not_null_stg_event_rows_valid_rows",
        [],
    ),
    "a tested run's valid row without its event name": (
        "update staging.stg_event_rows set event_name = null where event_id = 'a'",
        "not_null_stg_event_rows_valid_rows",
        [],
    ),
    # The stamp's own test also reads rows that lost their stamp.
    "a tested run's row without its stamp": (
        "update staging.stg_event_rows set _staged_at = null where event_id = 'a'",
        "not_null_stg_event_rows__staged_at",
        [("_staged_at is null",)],
    ),
}

# Each test's failing rows as the users or keys they name (files by stem).
SCOPED_TEST_ROWS = {
    "unique_int_sessions_session_id": (
        "select distinct sessions.user_id from ({sql}) as failing"
        " inner join intermediate.int_sessions as sessions"
        " on sessions.session_id = failing.unique_field"
    ),
    "unique_by_sort_stg_event_rows__row_key": (
        "select distinct staged_rows.event_id, failing.n_records from ({sql}) as failing"
        " inner join staging.stg_event_rows as staged_rows"
        " on staged_rows._row_key = failing.unique_field"
    ),
    "assert_every_raw_row_accounted_for": (
        "select regexp_extract(problem_key, '[^/]*$'), problem from ({sql})"
    ),
    "assert_sessions_are_separated_by_the_timeout": "select user_id, problem from ({sql})",
    "not_null_int_sessions": "select column_name, null_count from ({sql})",
    "not_null_stg_event_rows__staged_at": "select '_staged_at is null' from ({sql})",
    "not_null_stg_event_rows_valid_rows": "select column_name, null_count from ({sql})",
}


def passed_through(db_path: Path) -> dict[str, datetime]:
    """Per stamped model, the latest run stamp its data tests passed through."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return dict(con.execute("select * from staging.data_tests_passed_through").fetchall())


def test_data_tests_check_the_rows_written_since_they_last_passed(tmp_path):
    warehouses = Warehouses(tmp_path)
    db, variables = warehouses.incremental_db, warehouses.variables
    rejected = ["r", "", "App Launched", T0.isoformat(sep=" "), "SDK", ""]  # no user
    warehouses.arrive(
        [event("a", "u1", 0), event("b", "u1", 30), event("c", "u2", 120), event("x", "u3", 0)]
        + [rejected],
        data_tests=True,
    )
    first_marks = passed_through(db)
    assert set(first_marks) == {
        "stg_event_rows", "int_events_sessionized", "int_sessions", "rejected_events"
    }  # fmt: skip
    # Models only: a late event merges u1's sessions and "c" comes again. Then
    # a build with its tests, u4 new: they read the rows of both runs.
    warehouses.arrive([event("d", "u1", 15), event("c", "u2", 120)])
    assert passed_through(db) == first_marks
    warehouses.arrive([event("e", "u4", 0), rejected], data_tests=True)
    assert all(passed_through(db)[name] > first_marks[name] for name in first_marks)
    compiled = db.parent / "target" / "compiled"
    test_sql = {name: next(compiled.rglob(name + ".sql")).read_text() for name in SCOPED_TEST_ROWS}
    # Scoped, not the whole-table checks of a full refresh.
    assert "new_rows" in test_sql["unique_int_sessions_session_id"]
    assert "new_rows" in test_sql["unique_by_sort_stg_event_rows__row_key"]
    assert "restated_keys" in test_sql["assert_every_raw_row_accounted_for"]
    assert "restate_points" in test_sql["assert_sessions_are_separated_by_the_timeout"]
    assert "_staged_at >" in test_sql["not_null_stg_event_rows_valid_rows"]
    assert "_built_at >" in test_sql["not_null_int_sessions"]

    def failing_rows(db_path: Path, name: str) -> list[tuple[Any, ...]]:
        query = SCOPED_TEST_ROWS[name].format(sql=test_sql[name])
        with duckdb.connect(str(db_path), read_only=True) as con:
            found = con.execute(query).fetchall()
        return sorted((row[0].split(".")[0], *row[1:]) for row in found)

    # Each tampered copy is checked with the SQL the last build compiled
    # (scoped by the first run's marks), and has the first run's marks back,
    # as if the last build's tests had not passed.
    tampered: dict[str, Path] = {}
    for tampering_name, (tampering, name, expected) in SCOPED_TAMPERINGS.items():
        copy = tmp_path / tampering_name.replace(" ", "_").replace("'", "") / "warehouse.duckdb"
        copy.parent.mkdir()
        shutil.copyfile(db, copy)
        with duckdb.connect(str(copy)) as con:
            con.execute(tampering)
            con.executemany(
                "update staging.data_tests_passed_through set passed_through = ?"
                " where model_name = ?",
                [(mark, model) for model, mark in first_marks.items()],
            )
        tampered[tampering_name] = copy
        assert failing_rows(copy, name) == expected, tampering_name
    # A failed `dbt test` keeps the marks of the models the failing test reads;
    # the others move, all of their tests having passed.
    lost = tampered["restated sessions lost"]
    assert run_dbt(["test"], lost, variables).returncode != 0
    marks = passed_through(lost)
    kept = {"int_events_sessionized", "int_sessions"}
    assert {name: marks[name] for name in kept} == {name: first_marks[name] for name in kept}
    assert all(marks[name] > first_marks[name] for name in set(first_marks) - kept)
    # A session of the first run, whose tests passed: found when every row is checked.
    run = run_dbt(
        ["test", "--select", "assert_sessions_are_separated_by_the_timeout"],
        tampered["a tested run's session lost"],
        {**variables, "data_tests_scope": "all"},
    )
    assert run.returncode != 0 and "FAIL 1" in run.output, run.output[-3000:]


# Random streams: a few users, events minutes apart around the timeout, split
# into arrival batches in random order (so later files hold earlier events),
# with re-sent events and excluded ones.
LOADED = ["", "2026-10-01 12:00:00", "2026-10-02 12:00:00"]  # "": none, the run's start
stream_event = st.tuples(
    st.sampled_from(["u1", "u2", "u3"]),
    st.integers(min_value=0, max_value=400),  # minutes after T0
    st.sampled_from(["App Launched", "App Launched", "Search", "App Installed"]),
    st.sampled_from(["SDK", "SDK", "SDK", "API"]),
    st.sampled_from(LOADED),
)
# A re-sent copy of one of the first events: its own loaded_at (09:00 comes
# before every original, so a copy of an event of an earlier batch is
# published in its place), and maybe another user.
resent_copy = st.tuples(
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["", "2026-10-01 09:00:00"]),
    st.sampled_from([None, "u1", "u4"]),
)


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(stream_event, min_size=4, max_size=25),
    batch_of=st.lists(st.integers(min_value=0, max_value=2), min_size=25, max_size=25),
    resend=st.lists(resent_copy, min_size=1, max_size=3),
)
def test_incremental_equals_full_refresh_for_random_arrivals(
    tmp_path_factory, events, batch_of, resend
):
    warehouses = Warehouses(tmp_path_factory.mktemp("random"))
    rows = [
        [f"e{i}", user, name, (T0 + timedelta(minutes=minutes)).isoformat(sep=" "), source, loaded]
        for i, (user, minutes, name, source, loaded) in enumerate(events)
    ]
    batches: list[list[list[str]]] = [[], [], []]
    for index, row in enumerate(rows):
        batches[batch_of[index]].append(row)
    for index, loaded, user in resend:  # a copy arrives again in the last batch
        event_id, original_user, *rest, _ = rows[index]
        batches[2].append([event_id, user or original_user, *rest, loaded])
    for batch in batches:
        if batch:
            # The data tests of each run read what it wrote (data_tests_scope)
            # and must pass whatever arrived late or again.
            warehouses.arrive(batch, outranked=None, data_tests=True)
            warehouses.assert_identical()
