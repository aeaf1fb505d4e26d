"""S2's trimming as DuckDB runs it: the trim_text macro, compiled by dbt, against
Python's str.strip(), which S2 names as the rule."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_dbt

# Every character str.strip() removes, the guard's bounds and their
# neighbours ('!' and '~' skip the regular expression; ' ' and DEL do not,
# and only ' ' is trimmed), and text that must be left alone: NUL, combining
# marks, zero-width space, emoji.
WHITESPACE = "".join(chr(code) for code in range(0x110000) if chr(code).isspace())
ALPHABET = WHITESPACE + "!~\x7f\x00aZ0|é\u0301\u200b\U0001f600"


@pytest.fixture(scope="module")
def trim_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The macro's SQL for a column `value` of table `values_to_trim`."""
    work = tmp_path_factory.mktemp("trim")
    compiled = run_dbt(
        [
            "compile",
            "--quiet",
            "--inline",
            "select {{ trim_text('value') }} as trimmed from values_to_trim order by position",
        ],
        Path(work) / "compile.duckdb",
        {},
    ).check()
    return compiled.output.strip()


def trimmed_by_duckdb(sql: str, values: list[str]) -> list[str | None]:
    with duckdb.connect() as con:
        con.execute(
            "create table values_to_trim as"
            " select unnest(range(len($1))) as position, unnest($1) as value",
            [values],
        )
        return [row[0] for row in con.execute(sql).fetchall()]


def test_the_guard_is_compiled_in(trim_sql):
    # The fast path must exist for the property below to test it.
    assert "ascii(value)" in trim_sql


def test_examples(trim_sql):
    values = ["a", "", " ", "é", " a", "a\t", "\u3000x\u3000", "x\u0301", "a\r\n", "!~", "\x7f"]
    assert trimmed_by_duckdb(trim_sql, values) == [value.strip() for value in values]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, max_size=6), min_size=1, max_size=40))
def test_trim_text_is_str_strip(trim_sql, values):
    assert trimmed_by_duckdb(trim_sql, values) == [value.strip() for value in values]
