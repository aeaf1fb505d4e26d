"""The command line the warehouse readers share (export, board)."""

from __future__ import annotations

import argparse
import os

DEFAULT_DB = "build/warehouse.duckdb"


def warehouse_parser(prog: str, description: str, default_out: str) -> argparse.ArgumentParser:
    """`--db` (default: $DUCKDB_PATH, as dbt's profile reads it) and `--out`."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--db",
        default=os.environ.get("DUCKDB_PATH", DEFAULT_DB),
        help="DuckDB warehouse file (default: $DUCKDB_PATH or %(default)s)",
    )
    parser.add_argument("--out", default=default_out, help="output folder (default: %(default)s)")
    return parser
