"""`make bench`: the full build against the engine's floor, and an incremental batch.

One run measures, alternating and `--repeat` times each:
  floor        one hand-written DuckDB query: filter excluded events, LAG
               sessionization on the timeout, group to sessions (into a table);
  dbt run      every model, full refresh;
  dbt build    every model and test, full refresh;
  incremental  `dbt build` after a batch of 1 % new events (5 % of them late)
               lands beside the history, on a copy of the history's warehouse;
  build-prod, inc-prod
               the same two builds as a production job runs them: unit tests
               excluded (`--exclude-resource-type unit_test`, as dbt Labs
               recommends), models and every data test kept;
  inc-empty    the incremental `dbt build` with no new file: what every
               incremental run costs before it reads one new event (dbt's
               start-up, its nodes, the checks), the lower bound of `inc`.
It prints medians, ratios, events per second and peak RSS of the whole process
tree, and writes docs/benchmarks.md with the per-model profile of a full build.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil

from session_analytics.generate import generate_events

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXCLUDED = (
    "app installed", "app uninstalled", "utm visited", "identity set", "identity reset",
    "identity error", "push impressions", "notification sent", "session concluded",
)  # fmt: skip

STEPS = "floor,run,build,build-prod,inc,inc-prod,inc-empty"
# The production builds leave out the unit tests, whose inputs are fixed fixtures.
PRODUCTION = ("--exclude-resource-type", "unit_test")

FLOOR_SQL = """
create or replace table floor_sessions as
with events as (
    select user_id, event_ts
    from read_parquet({files})
    where upper(coalesce(trim(source), 'SDK')) <> 'API'
      and lower(trim(event_name)) not in {excluded}
      and user_id is not null and event_ts is not null
),
with_previous as (
    select *, lag(event_ts) over (partition by user_id order by event_ts) as previous_ts
    from events
),
numbered as (
    select *, sum(case when previous_ts is null
                        or event_ts - previous_ts >= interval {timeout} second then 1 else 0 end)
              over (partition by user_id order by event_ts rows unbounded preceding)
              as session_number
    from with_previous
)
select user_id, session_number, min(event_ts) as session_start, max(event_ts) as session_end,
       count(*) as event_count
from numbered group by user_id, session_number
"""


class PeakRss:
    """Samples the RSS of a process and all its children until stopped."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            self._stop.wait(0.25)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of a command's process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)  # fmt: skip
    sampler = PeakRss(process.pid)
    output, _ = process.communicate()
    peak = sampler.stop()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{output[-4000:]}")
    return elapsed, peak


def model_seconds(target: Path) -> dict[str, float]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        result["unique_id"].split(".")[-1]: result["execution_time"]
        for result in results
        if result["unique_id"].startswith("model.")
    }


def prepare_inputs(work: Path, n_events: int, batch_events: int, seed: int) -> tuple[Path, Path]:
    """History in events/, a batch aside: its newest 95 % plus 5 % late (older) events."""
    raw = work / "raw"
    if raw.exists():
        shutil.rmtree(raw)
    started = time.perf_counter()
    total = n_events + batch_events
    (generated,) = generate_events(raw, total, seed=seed, fmt="parquet")
    print(f"generated {total:,} events in {time.perf_counter() - started:.1f} s")
    events, aside = work / "events", work / "aside"
    for folder in (events, aside):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"""
            create temp table ranked as
            select *, row_number() over (order by event_ts, event_id) as position,
                   count(*) over () as total
            from read_parquet('{generated}')""")
        late_one_in = max(1, round(total / (batch_events * 0.05)))
        batch_filter = (
            f"position > total - {int(batch_events * 0.95)}"
            f" or hash(event_id, 'late') % {late_one_in} = 0"
        )
        con.execute(f"""copy (select * exclude (position, total) from ranked
                              where not ({batch_filter}) order by position)
                        to '{events / "events_history.parquet"}' (format parquet)""")
        con.execute(f"""copy (select * exclude (position, total) replace
                                  (loaded_at + interval 1 day as loaded_at)
                              from ranked where {batch_filter} order by position)
                        to '{aside / "events_zbatch.parquet"}' (format parquet)""")
    shutil.rmtree(raw)
    return events / "events_history.parquet", aside / "events_zbatch.parquet"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=None, help="batch events (default 1 %%)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", default=STEPS, help=f"which of {STEPS} to measure")
    parser.add_argument("--work", type=Path, default=PROJECT_DIR / "build" / "bench")
    parser.add_argument("--report", type=Path, default=PROJECT_DIR / "docs" / "benchmarks.md")
    args = parser.parse_args()
    unknown = set(args.steps.split(",")) - set(STEPS.split(","))
    if unknown:
        raise SystemExit(f"unknown steps {sorted(unknown)}: choose from {STEPS}")

    work = args.work.resolve()
    batch_events = args.batch or args.events // 100
    history, batch = prepare_inputs(work, args.events, batch_events, args.seed)
    events_dir = history.parent
    linked_batch = events_dir / batch.name
    variables = json.dumps({"raw_events_path": str(events_dir / "*.parquet")})
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    dbt = str(BIN / "dbt")

    def dbt_command(*verb: str, db: Path, target: str) -> tuple[list[str], dict[str, str]]:
        command = [dbt, *verb, "--vars", variables, "--target-path", str(work / target)]
        return command, {**env, "DUCKDB_PATH": str(db)}

    # The incremental base: the history alone, built once, copied before each run.
    linked_batch.unlink(missing_ok=True)
    base_db = work / "base.duckdb"
    base_db.unlink(missing_ok=True)
    steps = [step for step in STEPS.split(",") if step in args.steps.split(",")]
    if any(step.startswith("inc") for step in steps):
        timed(*dbt_command("build", "--full-refresh", db=base_db, target="target_base"))
    os.symlink(batch, linked_batch)
    with duckdb.connect() as con:
        history_rows, total_rows = con.execute(
            f"select count(*) filter (where filename = '{history}'), count(*)"
            f" from read_parquet(['{history}', '{batch}'], filename = true)"
        ).fetchall()[0]

    floor_script = FLOOR_SQL.format(
        files=[str(history), str(linked_batch)], excluded=EXCLUDED, timeout=1200
    )
    floor_db = work / "floor.duckdb"
    floor_command = [
        sys.executable, "-c",
        "import duckdb,sys; con=duckdb.connect(sys.argv[1]);"
        "con.execute(\"set threads=2; set memory_limit='6GB'; set enable_progress_bar=false;"
        " set preserve_insertion_order=false; set TimeZone='UTC'\"); con.execute(sys.argv[2])",
        str(floor_db), floor_script,
    ]  # fmt: skip
    full_db, incremental_db = work / "full.duckdb", work / "incremental.duckdb"
    # Each step keeps its own target folder; parsing into it first, untimed,
    # gives every timed run the same warm partial parse. The database path
    # is part of what dbt checks before reusing a parse, so each step parses
    # against the database it is timed on.
    for name in steps:
        if name != "floor":
            db = incremental_db if name.startswith("inc") else full_db
            timed(*dbt_command("parse", db=db, target=f"target_{name}"))
    samples: dict[str, list[tuple[float, int]]] = {step: [] for step in steps}
    model_times: dict[str, list[dict[str, float]]] = {
        step: [] for step in steps if step not in ("floor", "run")
    }
    for round_number in range(args.repeat):
        for name in samples:
            if name == "floor":
                floor_db.unlink(missing_ok=True)
                samples[name].append(timed(floor_command, env))
            elif name == "run":
                full_db.unlink(missing_ok=True)
                # `dbt run` builds models only: the seeds come first, untimed.
                timed(*dbt_command("seed", db=full_db, target="target_seed"))
                samples[name].append(
                    timed(*dbt_command("run", "--full-refresh", db=full_db, target="target_run"))
                )
            else:
                options = PRODUCTION if name.endswith("-prod") else ()
                if name.startswith("build"):
                    db, options = full_db, ("--full-refresh", *options)
                    full_db.unlink(missing_ok=True)
                else:
                    db = incremental_db
                    shutil.copyfile(base_db, incremental_db)
                    # No new file: the batch is set aside for this step only.
                    if name == "inc-empty":
                        linked_batch.unlink()
                target = f"target_{name}"
                try:
                    samples[name].append(
                        timed(*dbt_command("build", *options, db=db, target=target))
                    )
                finally:
                    if not linked_batch.is_symlink():
                        os.symlink(batch, linked_batch)
                model_times[name].append(model_seconds(work / target))
            seconds, peak = samples[name][-1]
            print(f"round {round_number + 1} {name:<10} {seconds:7.2f} s", end="")
            print(f"  peak {peak / 2**30:5.2f} GiB")

    write_report(args, samples, model_times, total_rows, total_rows - history_rows)


def write_report(args, samples, model_times, total_rows: int, batch_rows: int) -> None:
    median = {name: statistics.median(s for s, _ in values) for name, values in samples.items()}
    peak = {name: max(p for _, p in values) for name, values in samples.items()}
    model_medians = {
        kind: {model: statistics.median(run[model] for run in runs) for model in runs[0]}
        for kind, runs in model_times.items()
        if runs
    }
    labels = {
        "floor": "floor query",
        "run": "`dbt run` full refresh",
        "build": "`dbt build` full refresh",
        "build-prod": "`dbt build` full refresh, unit tests excluded",
        "inc": f"incremental `dbt build` ({batch_rows:,}-row batch)",
        "inc-prod": f"incremental `dbt build` ({batch_rows:,}-row batch), unit tests excluded",
        "inc-empty": "incremental `dbt build`, no new file",
    }
    lines = [
        f"## {time.strftime('%Y-%m-%d %H:%M')} UTC: {total_rows:,} raw rows",
        "",
        f"Machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}. Command: `make bench N={args.events} REPEAT={args.repeat}"
        f"{f' BATCH={args.batch}' if args.batch else ''}"
        f"{f' STEPS={args.steps}' if args.steps != STEPS else ''}` (median of {args.repeat}, "
        "alternating; dbt start-up included).",
        "",
        "| step | median s | × floor | events/s | peak RSS GiB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in samples:
        versus_floor = f"{median[name] / median['floor']:.2f}" if "floor" in median else "–"
        # A run with no new file reads no events: a rate would mean nothing.
        rate = "–" if name == "inc-empty" else f"{total_rows / median[name]:,.0f}"
        lines.append(
            f"| {labels[name]} | {median[name]:.2f} | {versus_floor} | "
            f"{rate} | {peak[name] / 2**30:.2f} |"
        )
    for suffix, kind in (("", "`dbt build`"), ("-prod", "`dbt build` without unit tests")):
        full_name, incremental_name = f"build{suffix}", f"inc{suffix}"
        if full_name in median and incremental_name in median:
            full_models = sum(model_medians[full_name].values())
            incremental_models = sum(model_medians[incremental_name].values())
            lines += [
                "",
                f"Incremental / full {kind} wall time: "
                f"**{median[incremental_name] / median[full_name]:.3f}**; sum of model execution "
                f"times: **{incremental_models / full_models:.3f}** "
                f"({incremental_models:.2f} s / {full_models:.2f} s).",
            ]
    if "build" in median and "inc-empty" in median:
        full_models = sum(model_medians["build"].values())
        empty_models = sum(model_medians["inc-empty"].values())
        lines += [
            "",
            "Incremental `dbt build` with no new file / full `dbt build` (the floor of an "
            f"incremental run): wall time **{median['inc-empty'] / median['build']:.3f}**; "
            f"sum of model execution times: **{empty_models / full_models:.3f}** "
            f"({empty_models:.2f} s / {full_models:.2f} s).",
        ]
    # The profile pairs the two builds of one kind: with unit tests if measured.
    suffix = "" if "build" in model_medians or "inc" in model_medians else "-prod"
    full = model_medians.get(f"build{suffix}", {})
    incremental = model_medians.get(f"inc{suffix}", {})
    columns = [(f"`inc{suffix}`", "incremental s", incremental)]
    if "inc-empty" in model_medians:
        columns.append(("`inc-empty`", "no new file s", model_medians["inc-empty"]))
    if full:
        steps = ", ".join([f"`build{suffix}`", *(step for step, _, _ in columns[:-1])])
        lines += [
            "",
            f"Where a full build's time goes (model execution, median, {steps} and "
            f"{columns[-1][0]} steps):",
            "",
            f"| model | full build s | {' | '.join(title for _, title, _ in columns)} |",
            f"| --- | ---: | {' | '.join('---:' for _ in columns)} |",
        ]
        for model, seconds in sorted(full.items(), key=lambda item: -item[1]):
            measured = [f"{runs[model]:.2f}" if model in runs else "–" for _, _, runs in columns]
            lines.append(f"| {model} | {seconds:.2f} | {' | '.join(measured)} |")
    report = "\n".join(lines) + "\n"
    print("\n" + report)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    with args.report.open("a") as handle:
        handle.write("\n" + report)


if __name__ == "__main__":
    main()
