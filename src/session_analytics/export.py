"""The BI read path (issue 4): the public marts (S11) as Parquet plus a read-only catalog.

DuckDB lets one process write a database file, and a BI tool that keeps the
warehouse open stops the next ``dbt build``. So BI tools never open the warehouse:

* every public mart is copied to ``<out>/<mart>.parquet`` (written to a temporary
  file in the same folder, then renamed over the old one: readers see the old file
  or the new one, never half a file);
* ``<out>/catalog.duckdb`` is a small DuckDB file holding only views over those
  Parquet files (absolute paths), schema ``marts``, with the warehouse's table and
  column descriptions; it too is built beside and renamed into place.

A BI tool opens ``catalog.duckdb`` read-only. Renaming a file over one that a
reader holds open is allowed (the reader keeps the old file), so neither the
next export nor ``dbt build`` (which never touches these files) waits for it.
The warehouse itself is opened read-only, once, and all marts are copied from
one snapshot.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from session_analytics.cli import warehouse_parser

SCHEMA = "marts"
CATALOG_NAME = "catalog.duckdb"
DEFAULT_OUT = "build/bi"
# A catalog DuckDB 1.0 and later can open: BI tools' drivers lag behind.
CATALOG_STORAGE_VERSION = "v1.0.0"

# S11: the relations analysts and BI tools read.
PUBLIC_MARTS: tuple[str, ...] = (
    "fct_events",
    "fct_sessions",
    "fct_session_concluded",
    "dim_users",
    "mart_session_length_distribution",
    "mart_sessions_daily",
    "rejected_events",
)


@dataclass(frozen=True)
class ExportResult:
    catalog_path: Path
    parquet_paths: dict[str, Path]
    row_counts: dict[str, int]


@dataclass(frozen=True)
class Descriptions:
    """Table and column comments (dbt's persist_docs) to carry into the catalog."""

    tables: dict[str, str]
    columns: dict[tuple[str, str], str]


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _temporary_path(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.tmp")


def _check_marts(con: duckdb.DuckDBPyConnection, marts: Sequence[str]) -> None:
    found = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [SCHEMA]
        ).fetchall()
    }
    missing = [name for name in marts if name not in found]
    if missing:
        raise LookupError(f"the warehouse has no {SCHEMA}.{', '.join(missing)}: run dbt build")


def read_descriptions(con: duckdb.DuckDBPyConnection, marts: Sequence[str]) -> Descriptions:
    wanted = list(marts)
    tables = con.execute(
        "select table_name, comment from duckdb_tables() "
        "where schema_name = ? and list_contains(?, table_name) and comment is not null "
        "union all "
        "select view_name, comment from duckdb_views() "
        "where schema_name = ? and list_contains(?, view_name) and comment is not null",
        [SCHEMA, wanted, SCHEMA, wanted],
    ).fetchall()
    columns = con.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where schema_name = ? and list_contains(?, table_name) and comment is not null",
        [SCHEMA, wanted],
    ).fetchall()
    return Descriptions(
        tables={name: comment for name, comment in tables},
        columns={(table, column): comment for table, column, comment in columns},
    )


def copy_to_parquet(con: duckdb.DuckDBPyConnection, mart: str, final: Path) -> int:
    """Write one mart to `final` atomically; return its row count."""
    temporary = _temporary_path(final)
    try:
        con.execute(
            f"copy (select * from {_identifier(SCHEMA)}.{_identifier(mart)}) "
            f"to {_literal(str(temporary))} (format parquet, compression zstd)"
        )
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    rows = con.execute(f"select count(*) from read_parquet({_literal(str(final))})").fetchall()
    return int(rows[0][0])


def _catalog_statements(
    parquet_paths: dict[str, Path], descriptions: Descriptions
) -> Iterable[str]:
    yield f"create schema catalog_build.{_identifier(SCHEMA)}"
    for mart, path in parquet_paths.items():
        view = f"catalog_build.{_identifier(SCHEMA)}.{_identifier(mart)}"
        yield f"create view {view} as select * from read_parquet({_literal(str(path))})"
        if mart in descriptions.tables:
            yield f"comment on view {view} is {_literal(descriptions.tables[mart])}"
    for (mart, column), comment in descriptions.columns.items():
        if mart in parquet_paths:
            target = (
                f"catalog_build.{_identifier(SCHEMA)}.{_identifier(mart)}.{_identifier(column)}"
            )
            yield f"comment on column {target} is {_literal(comment)}"


def write_catalog(
    catalog_path: Path, parquet_paths: dict[str, Path], descriptions: Descriptions
) -> None:
    """Build the catalog beside its final place, then rename it over the old one."""
    temporary = _temporary_path(catalog_path)
    wal = temporary.with_name(temporary.name + ".wal")
    temporary.unlink(missing_ok=True)
    wal.unlink(missing_ok=True)
    try:
        with duckdb.connect() as con:
            con.execute(
                f"attach {_literal(str(temporary))} as catalog_build "
                f"(storage_version {_literal(CATALOG_STORAGE_VERSION)})"
            )
            for statement in _catalog_statements(parquet_paths, descriptions):
                con.execute(statement)
            con.execute("detach catalog_build")
        os.replace(temporary, catalog_path)
    finally:
        temporary.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)


def export_marts(
    duckdb_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    marts: Sequence[str] = PUBLIC_MARTS,
) -> ExportResult:
    """Export the public marts to Parquet and (re)write the catalog of views over them."""
    warehouse = Path(duckdb_path)
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}: build the marts first")
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    parquet_paths = {mart: out / f"{mart}.parquet" for mart in marts}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        _check_marts(con, marts)
        descriptions = read_descriptions(con, marts)
        # One transaction: every mart comes from the same snapshot of the warehouse.
        con.execute("begin transaction")
        row_counts = {
            mart: copy_to_parquet(con, mart, path) for mart, path in parquet_paths.items()
        }
        con.execute("commit")
    catalog_path = out / CATALOG_NAME
    write_catalog(catalog_path, parquet_paths, descriptions)
    return ExportResult(
        catalog_path=catalog_path, parquet_paths=parquet_paths, row_counts=row_counts
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = warehouse_parser(
        "python -m session_analytics.export",
        "Export the public marts to Parquet plus a read-only DuckDB catalog for BI.",
        DEFAULT_OUT,
    )
    args = parser.parse_args(argv)
    try:
        result = export_marts(args.db, args.out)
    except (FileNotFoundError, LookupError, duckdb.Error) as error:
        print(f"export: {error}", file=sys.stderr)
        return 1
    for mart, path in result.parquet_paths.items():
        print(f"{result.row_counts[mart]:>12,}  {path}")
    print(f"BI catalog (open read-only, schema {SCHEMA}): {result.catalog_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
