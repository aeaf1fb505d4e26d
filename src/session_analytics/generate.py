"""Deterministic, seeded raw-event generator (SPEC S1-S3), computed inside DuckDB SQL.

Every value is a pure function of ``(seed, row index)`` through DuckDB's ``hash``, so
10M events are generated set-wise in seconds, and the same arguments always write
byte-identical files (for a given DuckDB version, whatever the thread count).

Shape of the data (rates are of all rows unless said otherwise):

* users (default ``n_events / 150``, at least 20) on Web 35 % / Android 42 % / iOS 23 %,
  each with sessions spread evenly over ``days`` days before ``end`` (UTC), hours apart;
* sessions of 1-25 events (mean ~5) 1.5 s - 4.5 min apart; ~5 % of sessions are split
  by a gap of 19-21 min (some exactly 1199.999 s, 1200.000 s, 1200.001 s); ~1.5 % are
  long (18-60 events 2-10 min apart, 4,375-23,800 s), so length buckets 0-3 are filled;
* 85 % of sessions open with App Launched; app events otherwise, plus every S3-excluded
  name (~7 % together), Notification Clicked / Viewed (~5 % each) on every S1 channel
  and an unlisted one (RCS, 1 %); 20 % of channel values are aliases (``web_push``,
  ``in app``, ``EMAIL`` ...); 1 % of names in odd case or padded;
* source SDK 91.5 %, sdk/Sdk 3 %, missing 3 %, API/api 2.5 %; platform missing 1 %;
  properties (JSON text with commas and quotes) missing 5 %;
* event_ts text 85 % ``2026-10-03 12:34:56.789``, 8 % ``...T...Z``, 4 % ``+05:30``,
  3 % ``-04:00`` (Parquet: a TIMESTAMP column);
* files are arrival batches split by event time, each loaded 2-6 h after its range ends;
  ~3 % of each later batch are late events from earlier ranges; 3 % of rows lack
  loaded_at;
* 3 % of rows lack event_id; 0.5 % of events are sent twice (a third of them without
  event_id, i.e. exact duplicate rows; half in the same batch, half in a later one);
* bad rows (S2), 0.1 % (more for small ``n_events``, always one of each kind from 1,000
  rows): blank user_id, blank event_name, missing event_ts, unparseable event_ts (not
  in Parquet) and event_ts 25-97 h after loaded_at.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

COLUMNS = (
    "event_id",
    "user_id",
    "event_name",
    "event_ts",
    "channel",
    "source",
    "platform",
    "properties",
    "loaded_at",
)
EXTENSIONS = {"csv": "csv", "parquet": "parquet", "json": "ndjson"}

# S3: event names that never make sessions.
EXCLUDED_EVENTS = (
    "App Installed",
    "App Uninstalled",
    "UTM Visited",
    "Identity Set",
    "Identity Reset",
    "Identity Error",
    "Push Impressions",
    "Notification Sent",
    "Session Concluded",
)
# S1: canonical engagement channels.
CHANNELS = (
    "Email",
    "Web Push",
    "Mobile Push",
    "Native Display",
    "App Inbox",
    "In-App",
    "Web Exit Intent",
    "Web Popup",
    "SMS",
    "WhatsApp",
)
# S2: other spellings of each channel. Each maps through the channel_aliases seed key
# (lower case, spaces/hyphens/underscores removed) to the canonical name.
CHANNEL_ALIASES = {
    "Email": ("email", "EMAIL", " Email ", "e-mail"),
    "Web Push": ("web push", "webpush", "web_push", "Web-Push", "WEB PUSH"),
    "Mobile Push": ("push", "mobile push", "Mobile_Push", "PUSH", "mobilepush"),
    "Native Display": ("native display", "native_display", "NativeDisplay"),
    "App Inbox": ("app inbox", "App_Inbox", "appinbox"),
    "In-App": ("in app", "inapp", "in-app", "In App", "IN_APP"),
    "Web Exit Intent": ("web exit intent", "Web_Exit_Intent", "web-exit-intent"),
    "Web Popup": ("web popup", "Web Pop-up", "webpopup"),
    "SMS": ("sms", "Sms", " SMS "),
    "WhatsApp": ("whatsapp", "Whatsapp", "WHATSAPP", "whats app"),
}
UNLISTED_CHANNEL = "RCS"  # a channel S1 does not list: sessionable, kept as spelled
NOTIFICATION_EVENTS = ("Notification Clicked", "Notification Viewed")
CHANNEL_EVENTS = (*NOTIFICATION_EVENTS, "Push Impressions", "Notification Sent")

# Relative weights of event names after a session's first event.
EVENT_WEIGHTS = (
    ("Product Viewed", 2200),
    ("Page Viewed", 900),
    ("Search", 800),
    ("Category Viewed", 700),
    ("Added To Cart", 700),
    ("Added To Wishlist", 300),
    ("Video Played", 300),
    ("Checkout Started", 250),
    ("Charged", 220),
    ("Removed From Cart", 200),
    ("App Launched", 200),
    ("Login", 200),
    ("Product Rated", 100),
    ("Shared", 100),
    ("Coupon Applied", 100),
    ("Notification Viewed", 500),
    ("Notification Clicked", 500),
    ("Push Impressions", 200),
    ("Notification Sent", 200),
    ("UTM Visited", 100),
    ("Identity Set", 80),
    ("App Installed", 60),
    ("App Uninstalled", 30),
    ("Identity Reset", 30),
    ("Identity Error", 30),
    ("Session Concluded", 20),
)
# Channel weights of notification events, by platform family.
WEB_CHANNELS = (
    ("Web Push", 40),
    ("Email", 25),
    ("Web Exit Intent", 10),
    ("Web Popup", 10),
    ("SMS", 7),
    ("WhatsApp", 7),
    (UNLISTED_CHANNEL, 1),
)
APP_CHANNELS = (
    ("Mobile Push", 35),
    ("Email", 15),
    ("In-App", 15),
    ("App Inbox", 10),
    ("Native Display", 10),
    ("SMS", 7),
    ("WhatsApp", 7),
    (UNLISTED_CHANNEL, 1),
)
EVENT_NAMES = tuple(name for name, _ in EVENT_WEIGHTS)
ALL_CHANNELS = (*CHANNELS, UNLISTED_CHANNEL)
PLATFORMS = (("Web", 35), ("Android", 42), ("iOS", 23))
PLATFORM_NAMES = tuple(name for name, _ in PLATFORMS)
SOURCES = (("SDK", 915), ("sdk", 20), ("Sdk", 10), ("", 30), ("API", 20), ("api", 5))
UNPARSEABLE_TS = ("not-a-time", "2026-13-45 99:00", "31/10/2026 10:00", "yesterday")

DUP_MODULUS = 200  # ~0.5 % of events are sent twice
BAD_STEPS = (1000, 500, 200, 100, 50, 40, 25, 20, 10)  # every step-th event is bad
MS_HOUR = 3_600_000
MS_DAY = 24 * MS_HOUR


# Custom event properties: JSON object text. concat() builds each string in one
# allocation (much faster than chained ||), so it is used for every text column.
PROPERTIES_SQL = """CASE WHEN h(i, 'noprops') % 100 < 5 THEN NULL
    WHEN name IN ('Product Viewed', 'Added To Cart', 'Removed From Cart',
                  'Added To Wishlist', 'Product Rated')
    THEN concat('{"product_id":"P', (10000 + h(i, 'pid') % 90000)::VARCHAR,
                '","category":"',
                ['shoes', 'books', 'electronics', 'toys', 'home'][1 + h(i, 'cat') % 5],
                '","price":', ((1 + h(i, 'price') % 50000) / 100)::DECIMAL(10, 2)::VARCHAR, '}')
    WHEN name IN ('Charged', 'Checkout Started')
    THEN concat('{"amount":', ((1 + h(i, 'amt') % 100000) / 100)::DECIMAL(10, 2)::VARCHAR,
                ',"currency":"', ['USD', 'EUR', 'INR'][1 + h(i, 'cur') % 3],
                '","items":', (1 + h(i, 'items') % 6)::VARCHAR, '}')
    WHEN name = 'Search'
    THEN concat('{"query":"',
                ['red shoes', 'phone case', '13\\" laptop', 'kids, toys', 'sofa']
                    [1 + h(i, 'q') % 5],
                '","results":', (h(i, 'res') % 120)::VARCHAR, '}')
    WHEN canon_channel IS NOT NULL
    THEN concat('{"campaign_id":"cmp_', (1000 + h(i, 'cmp') % 500)::VARCHAR,
                '","wzrk_pivot":"', ['A', 'B', 'control'][1 + h(i, 'piv') % 3], '"}')
    ELSE concat('{"screen":"', ['home', 'cart', 'profile', 'settings', 'feed'][1 + h(i, 'scr') % 5],
                '","value":', ((h(i, 'val') % 1000) / 10)::DECIMAL(6, 1)::VARCHAR, '}') END"""


@dataclass(frozen=True)
class _Plan:
    """Row counts and residues that make the total exactly ``n_events``."""

    n_base: int
    n_dup: int
    n_bad: int
    bad_step: int
    bad_residue: int
    dup_residue: int
    extra_dup: int  # index of one more re-sent event (-1: none)
    bad_kinds: tuple[str, ...]


def _lit(text: str) -> str:
    """Quote text as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _list(items: tuple[str, ...]) -> str:
    """A SQL list literal of strings."""
    return "[" + ", ".join(_lit(item) for item in items) + "]"


def _pick(weights: tuple[tuple[str, int], ...], draw: str, codes: tuple[str, ...] = ()) -> str:
    """SQL CASE choosing a value by weight from ``draw`` (a uniform integer).

    With ``codes`` the CASE yields the value's position in ``codes`` instead of the text.
    """
    total = sum(weight for _, weight in weights)

    def render(value: str) -> str:
        return str(codes.index(value)) if codes else _lit(value)

    parts, upper = [], 0
    for value, weight in weights[:-1]:
        upper += weight
        parts.append(f"WHEN {draw} % {total} < {upper} THEN {render(value)}")
    return f"CASE {' '.join(parts)} ELSE {render(weights[-1][0])} END"


def _count_residue(n: int, modulus: int, residue: int) -> int:
    """How many i in [0, n) have i % modulus == residue."""
    return 0 if n <= residue else (n - residue + modulus - 1) // modulus


def _plan(n_events: int, seed: int, bad_rows: bool, fmt: str) -> _Plan:
    """Split ``n_events`` into base events, duplicates and bad rows."""
    kinds: tuple[str, ...] = ("user", "name", "ts_missing", "ts_unparseable", "ts_future")
    if fmt == "parquet":  # a TIMESTAMP column cannot hold unparseable text
        kinds = tuple(kind for kind in kinds if kind != "ts_unparseable")
    mix = (seed * 2_654_435_761 + 97) % 1_000_003
    steps = [step for step in BAD_STEPS if step * (len(kinds) + 1) <= n_events] if bad_rows else []
    bad_step = steps[0] if steps else 0
    bad_residue = mix % bad_step if bad_step else -1
    if bad_step:  # never duplicate a bad row: pick a dup residue in another class
        gcd = math.gcd(bad_step, DUP_MODULUS)
        dup_residue = (bad_residue % gcd + 1) % gcd + gcd * ((mix // 7) % (DUP_MODULUS // gcd))
    else:
        dup_residue = mix % DUP_MODULUS

    def total(n: int) -> int:
        return n + _count_residue(n, DUP_MODULUS, dup_residue)

    n_base = max(0, n_events * DUP_MODULUS // (DUP_MODULUS + 1) - 3)
    while total(n_base) < n_events:
        n_base += 1
    extra_dup = -1
    if total(n_base) > n_events:  # the last event was re-sent and overshot: one fewer event
        n_base -= 1  # and re-send one more event instead
        extra_dup = n_base - 1
        if bad_step and extra_dup % bad_step == bad_residue:
            extra_dup -= 1
    n_dup = n_events - n_base
    n_bad = _count_residue(n_base, bad_step, bad_residue) if bad_step else 0
    return _Plan(n_base, n_dup, n_bad, bad_step, bad_residue, dup_residue, extra_dup, kinds)


def _connect(seed: int, temp_dir: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with stable settings and the hash macros."""
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute("SET enable_progress_bar=false")
    con.execute("SET preserve_insertion_order=true")
    con.execute(f"SET temp_directory={_lit(temp_dir)}")
    seed_sql = f"{int(seed)}::BIGINT"
    con.execute(f"CREATE TEMP MACRO h(a, b) AS (hash({seed_sql}, a, b) >> 1)::BIGINT")
    con.execute(f"CREATE TEMP MACRO h3(a, b, c) AS (hash({seed_sql}, a, b, c) >> 1)::BIGINT")
    con.execute("CREATE TEMP MACRO hu(a, b) AS (h(a, b) % 1000000)::DOUBLE / 1000000")
    con.execute("CREATE TEMP MACRO jit(s, x, step) AS (h3(s, x, 'jit') % (step // 2))::BIGINT")
    return con


def _build_sessions(con: duckdb.DuckDBPyConnection, n_base: int) -> int:
    """Create tables ``session_shape`` and ``session_index``; return how many sessions are used.

    A session's shape (kind, event count, pace) depends only on ``(seed, s)``; its first
    event index is the running sum of the event counts before it.
    """
    n_over = n_base // 4 + 100
    while True:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE session_shape AS
            WITH draws AS (
                SELECT range AS s, h(range, 'type') % 1000 AS r_type,
                       hu(range, 'k') AS u_k, hu(range, 'step') AS u_step
                FROM range({n_over})
            ), kinds AS (
                SELECT s, u_step,
                       CASE WHEN r_type < 15 THEN 2 WHEN r_type < 65 THEN 1 ELSE 0 END AS kind,
                       CASE WHEN r_type < 15 THEN 18 + h(s, 'kl') % 43
                            ELSE least(25, 1 + floor(-ln(1 - u_k) * 5))::BIGINT END AS k0
                FROM draws
            )
            SELECT s, kind,
                   CASE WHEN kind = 1 THEN greatest(k0, 2) ELSE k0 END::BIGINT AS k,
                   CASE WHEN kind = 2 THEN 250000 + h(s, 'sl') % 150001
                        ELSE 3000 + floor(u_step * u_step * 177000)::BIGINT END::BIGINT AS step_ms
            FROM kinds
        """)
        con.execute("""
            CREATE OR REPLACE TEMP TABLE session_index AS
            SELECT s, (sum(k) OVER (ORDER BY s ROWS UNBOUNDED PRECEDING) - k)::BIGINT AS first_i
            FROM session_shape
        """)
        n_sessions, n_covered = con.execute(
            f"SELECT count(*), coalesce(sum(k), 0) FROM session_shape "
            f"JOIN session_index USING (s) WHERE first_i < {n_base}"
        ).fetchall()[0]
        if n_covered >= n_base:
            return int(n_sessions)
        n_over *= 2


def _skeleton_sql(plan: _Plan, *, n_sessions: int, n_users: int, n_files: int, days: int) -> str:
    """SQL for the narrow row skeleton: file, sort keys, user and the drawn categories."""
    span_ms = days * MS_DAY - 1000
    file_ms = days * MS_DAY // n_files
    slots = max(1, math.ceil(n_sessions / n_users))
    slot_ms = span_ms // slots
    last = n_files - 1
    # categories are small integer codes here (cheap to sort); _decoded_sql names them
    names = _pick(EVENT_WEIGHTS, "h(i, 'name')", EVENT_NAMES)
    web_channel = _pick(WEB_CHANNELS, "h(i, 'chan')", ALL_CHANNELS)
    app_channel = _pick(APP_CHANNELS, "h(i, 'chan')", ALL_CHANNELS)
    platform = _pick(PLATFORMS, "h(u, 'platform')", PLATFORM_NAMES)
    channel_events = ", ".join(str(EVENT_NAMES.index(name)) for name in CHANNEL_EVENTS)
    bad = f"(i % {plan.bad_step} = {plan.bad_residue})" if plan.bad_step else "false"
    return f"""
    WITH sessions AS (
        SELECT shape.s, shape.kind, shape.k, shape.step_ms, idx.first_i,
               shape.s % {n_users} AS u,
               CASE WHEN shape.kind = 1 THEN 1 + h(shape.s, 'm') % (shape.k - 1) ELSE shape.k END
                   AS m,
               -- S4 edge cases: exactly at, 1 ms under and 1 ms over the 20-minute timeout
               CASE WHEN h(shape.s, 'g') % 100 < 5 THEN 1200000
                    WHEN h(shape.s, 'g') % 100 < 10 THEN 1199999
                    WHEN h(shape.s, 'g') % 100 < 13 THEN 1200001
                    ELSE 1140000 + h(shape.s, 'g2') % 120001 END::BIGINT AS gap_ms
        FROM session_shape AS shape
        JOIN session_index AS idx USING (s)
        WHERE idx.first_i < {plan.n_base}
    ), timed AS (
        SELECT *,
               CASE WHEN kind = 1
                    THEN gap_ms - step_ms - jit(s, m, step_ms) + jit(s, m - 1, step_ms)
                    ELSE 0 END AS extra_ms,
               (k - 1) * step_ms + step_ms // 2 + CASE WHEN kind = 1 THEN 1260000 ELSE 0 END
                   AS dur_ms
        FROM sessions
    ), placed AS (
        SELECT *,
               greatest(0, least(
                   (s // {n_users}) * {slot_ms}
                       + h(s, 'start') % greatest(1, {slot_ms} - dur_ms - {MS_HOUR}),
                   {span_ms} - dur_ms))::BIGINT AS start_ms
        FROM timed
    ), exploded AS (
        SELECT s, u, m, step_ms, extra_ms, start_ms, first_i, unnest(range(k)) AS kk
        FROM placed
    ), events AS (
        SELECT first_i + kk AS i, u, kk,
               start_ms + kk * step_ms + jit(s, kk, step_ms)
                   + CASE WHEN kk >= m THEN extra_ms ELSE 0 END AS ts_ms
        FROM exploded
        WHERE first_i + kk < {plan.n_base}
    ), drawn AS (
        -- DuckDB evaluates a CASE nested in a CASE branch slowly: draw the parts first,
        -- then combine them with flat CASEs
        SELECT i, u, ts_ms,
               kk = 0 AND h(i, 'first') % 100 < 85 AS is_launch,
               least({last}, ts_ms // {file_ms})::BIGINT AS nat_file,
               {names} AS drawn_name,
               {platform} AS platform_code,
               {web_channel} AS web_channel,
               {app_channel} AS app_channel,
               h(i, 'late') % 1000 < 30 AS is_late,
               h(i, 'late2') % 4 = 0 AS is_very_late,
               {bad} AS is_bad,
               (i % {DUP_MODULUS} = {plan.dup_residue} OR i = {plan.extra_dup}) AS is_dup
        FROM events
    ), coded AS (
        SELECT i, u, ts_ms, platform_code, is_bad, is_dup,
               CASE WHEN is_launch THEN {EVENT_NAMES.index("App Launched")} ELSE drawn_name END
                   AS name_code,
               -- ~3 % of events arrive in a later batch than the one of their event time
               CASE WHEN nat_file < {last} AND is_late AND NOT is_bad AND is_very_late
                    THEN nat_file + 1 + h(i, 'late3') % greatest(1, {last} - nat_file)
                    WHEN nat_file < {last} AND is_late AND NOT is_bad THEN nat_file + 1
                    ELSE nat_file END::BIGINT AS file0,
               CASE WHEN is_bad
                    THEN (i // {max(plan.bad_step, 1)}) % {len(plan.bad_kinds)} END AS bad_code,
               web_channel, app_channel
        FROM drawn
    ), channeled AS (
        SELECT *,
               CASE WHEN name_code NOT IN ({channel_events}) THEN NULL
                    WHEN platform_code = {PLATFORM_NAMES.index("Web")} THEN web_channel
                    ELSE app_channel END AS channel_code
        FROM coded
    ), copies AS (
        SELECT *, unnest(CASE WHEN is_dup THEN [0, 1] ELSE [0] END) AS copy
        FROM channeled
    )
    SELECT CASE WHEN copy = 0 OR file0 = {last} OR h(i, 'dupfile') % 2 = 0 THEN file0
                ELSE file0 + 1 + h(i, 'dupfile2') % greatest(1, {last} - file0) END::INTEGER
               AS file,
           ts_ms, i, copy::UTINYINT AS copy, u::INTEGER AS u, is_dup,
           name_code::UTINYINT AS name_code, platform_code::UTINYINT AS platform_code,
           channel_code::UTINYINT AS channel_code, bad_code::UTINYINT AS bad_code
    FROM copies
    """


def _file_sql(plan: _Plan, fmt: str, *, file_index: int, loaded_at: datetime, start: str) -> str:
    """SQL for the S1 rows of one file, in skeleton order."""
    loaded = f"TIMESTAMP {_lit(loaded_at.strftime('%Y-%m-%d %H:%M:%S.%f'))}"
    kinds = plan.bad_kinds or ("none",)
    # five spellings per channel code (cycled), so one "% 5" picks any of them
    spellings = [CHANNEL_ALIASES.get(channel, (channel,)) for channel in ALL_CHANNELS]
    aliases = "[" + ", ".join(_list((names * 5)[:5]) for names in spellings) + "]"
    decoded = f"""
        SELECT i, u, is_dup,
               {_list(EVENT_NAMES)}[name_code + 1] AS name,
               {_list(PLATFORM_NAMES)}[platform_code + 1] AS platform,
               {_list(ALL_CHANNELS)}[channel_code + 1] AS canon_channel,
               {aliases}[channel_code + 1][1 + h(i, 'alias') % 5] AS alias_channel,
               {_list(kinds)}[bad_code + 1] AS bad_kind,
               -- the n-th bad row of a kind gets the n-th spelling of that kind, in turn
               i // {max(plan.bad_step, 1) * len(kinds)} AS bad_variant,
               -- S2: a future row lies 25-97 hours after its batch's loaded_at
               CASE WHEN bad_code = {kinds.index("ts_future") if "ts_future" in kinds else -1}
                    THEN {loaded} + to_milliseconds(25 * {MS_HOUR}
                                                    + h(i, 'future') % (72 * {MS_HOUR}))
                    ELSE TIMESTAMP {_lit(start)} + to_milliseconds(ts_ms) END AS ts,
               h(i, 'tsfmt') % 100 AS ts_format,
               h(i, 'ncase') % 1000 AS name_case,
               h(i, 'noid') % 1000 < 30 OR (is_dup AND (i // {DUP_MODULUS}) % 3 = 0) AS no_id,
               {_pick(SOURCES, "h(i, 'source')")} AS source
        FROM skeleton
        WHERE file = {file_index}
    """
    if fmt == "parquet":
        ts_text = "WHEN true THEN ts"
        ts_missing, ts_bad, loaded_out = "NULL::TIMESTAMP", "NULL::TIMESTAMP", loaded
    else:
        ts_text = """WHEN ts_format < 85 THEN strftime(ts, '%Y-%m-%d %H:%M:%S.%g')
             WHEN ts_format < 93 THEN strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ')
             WHEN ts_format < 97
             THEN strftime(ts + INTERVAL 330 MINUTE, '%Y-%m-%dT%H:%M:%S.%g+05:30')
             ELSE strftime(ts - INTERVAL 4 HOUR, '%Y-%m-%d %H:%M:%S.%g-04:00')"""
        ts_missing = "CASE WHEN bad_variant % 2 = 0 THEN NULL ELSE '' END"
        ts_bad = f"{_list(UNPARSEABLE_TS)}[1 + bad_variant % {len(UNPARSEABLE_TS)}]"
        loaded_out = _lit(loaded_at.strftime("%Y-%m-%d %H:%M:%S"))
    blank = "[NULL, '', '   '][1 + bad_variant % 3]"
    return f"""
    SELECT
        CASE WHEN no_id AND h(i, 'noid2') % 3 = 0 THEN ''
             WHEN no_id THEN NULL
             ELSE concat(to_hex(h(i, 'id') | {1 << 60}), '-', to_hex(i + {1 << 28})) END
            AS event_id,
        CASE WHEN bad_kind = 'user' THEN {blank}
             WHEN h(i, 'uspace') % 1000 < 5 THEN concat(' user_', (1000000 + u)::VARCHAR, ' ')
             ELSE concat('user_', (1000000 + u)::VARCHAR) END AS user_id,
        CASE WHEN bad_kind = 'name' THEN {blank}
             WHEN name_case < 4 THEN lower(name)
             WHEN name_case < 7 THEN upper(name)
             WHEN name_case < 10 THEN concat(' ', name, ' ')
             ELSE name END AS event_name,
        CASE WHEN bad_kind = 'ts_missing' THEN {ts_missing}
             WHEN bad_kind = 'ts_unparseable' THEN {ts_bad}
             {ts_text} END AS event_ts,
        CASE WHEN h(i, 'alias0') % 100 < 20 THEN alias_channel ELSE canon_channel END
            AS channel,
        nullif(source, '') AS source,
        CASE WHEN h(i, 'noplat') % 100 < 1 THEN NULL ELSE platform END AS platform,
        {PROPERTIES_SQL} AS properties,
        CASE WHEN bad_kind IS DISTINCT FROM 'ts_future' AND h(i, 'nola') % 100 < 3 THEN NULL
             ELSE {loaded_out} END AS loaded_at
    FROM ({decoded})
    """


def _loaded_at(
    con: duckdb.DuckDBPyConnection, *, n_files: int, days: int, start: datetime
) -> list[datetime]:
    """When each batch was loaded (whole seconds): 2-6 h after the end of its event-time range."""
    file_ms = days * MS_DAY // n_files
    jitter = max(1, min(4 * MS_HOUR, file_ms // 2))
    rows = con.execute(
        f"SELECT range, h3(range, 0, 'load') % {jitter} FROM range({n_files}) ORDER BY range"
    ).fetchall()
    loaded_ms = [(index + 1) * file_ms + 2 * MS_HOUR + int(extra) for index, extra in rows]
    return [start + timedelta(milliseconds=ms - ms % 1000) for ms in loaded_ms]


def generate_events(
    out_dir: str | Path,
    n_events: int,
    *,
    seed: int = 42,
    n_files: int = 1,
    fmt: str = "csv",
    days: int = 60,
    end: str = "2026-11-01 00:00:00",
    n_users: int | None = None,
    bad_rows: bool = True,
    prefix: str = "events",
) -> list[Path]:
    """Write ``n_events`` raw S1 rows as ``n_files`` arrival batches; return the paths.

    ``fmt`` is ``csv``, ``parquet`` or ``json`` (newline-delimited, ``.ndjson``).
    The row count is exact and includes re-sent duplicates and (if ``bad_rows``)
    bad rows. Events lie in the ``days`` days before ``end`` (UTC); bad rows may
    lie after it.
    """
    if fmt not in EXTENSIONS:
        raise ValueError(f"fmt must be one of {sorted(EXTENSIONS)}, got {fmt!r}")
    if n_events < 0 or n_files < 1 or days < 1:
        raise ValueError("need n_events >= 0, n_files >= 1 and days >= 1")
    end_dt = datetime.fromisoformat(end.replace("Z", "+00:00"))
    if end_dt.tzinfo is not None:
        end_dt = end_dt.astimezone(UTC).replace(tzinfo=None)
    start_dt = end_dt - timedelta(days=days)
    start = start_dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    users = max(1, n_users if n_users is not None else max(20, round(n_events / 150)))
    plan = _plan(n_events, seed, bad_rows, fmt)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{prefix}_{index:03d}.{EXTENSIONS[fmt]}" for index in range(n_files)]
    options = {
        "csv": "FORMAT csv, HEADER true",
        "parquet": "FORMAT parquet",
        "json": "FORMAT json",
    }[fmt]
    temp_dir = tempfile.mkdtemp(prefix="generate_events_")  # DuckDB spills here if needed
    con = _connect(seed, temp_dir)
    try:
        n_sessions = _build_sessions(con, plan.n_base)
        skeleton = _skeleton_sql(
            plan, n_sessions=n_sessions, n_users=users, n_files=n_files, days=days
        )
        # Sort only the narrow skeleton; the wide text columns are computed after it,
        # streaming in this order (preserve_insertion_order keeps it).
        con.execute(
            f"CREATE TEMP TABLE skeleton AS SELECT * FROM ({skeleton}) "
            "ORDER BY file, ts_ms, i, copy"
        )
        loaded = _loaded_at(con, n_files=n_files, days=days, start=start_dt)
        for index, path in enumerate(paths):
            rows = _file_sql(plan, fmt, file_index=index, loaded_at=loaded[index], start=start)
            con.execute(f"COPY ({rows}) TO {_lit(str(path))} ({options})")
    finally:
        con.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
    return paths


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m session_analytics.generate --out DIR --events N ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m session_analytics.generate",
        description="Write deterministic raw S1 event files (CSV, Parquet or NDJSON).",
    )
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--events", type=int, required=True, help="number of rows to write")
    parser.add_argument("--files", type=int, default=1, help="number of arrival batches")
    parser.add_argument("--format", choices=sorted(EXTENSIONS), default="csv")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--end", default="2026-11-01 00:00:00", help="end of the window (UTC)")
    parser.add_argument("--users", type=int, default=None, help="default: events / 150")
    parser.add_argument("--prefix", default="events")
    parser.add_argument("--no-bad-rows", action="store_true", help="write no S2 bad rows")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    paths = generate_events(
        args.out,
        args.events,
        seed=args.seed,
        n_files=args.files,
        fmt=args.format,
        days=args.days,
        end=args.end,
        n_users=args.users,
        bad_rows=not args.no_bad_rows,
        prefix=args.prefix,
    )
    elapsed = time.perf_counter() - began
    for path in paths:
        print(path)
    plan = _plan(args.events, args.seed, not args.no_bad_rows, args.format)
    users = args.users if args.users is not None else max(20, round(args.events / 150))
    print(
        f"wrote {args.events:,} rows ({plan.n_base:,} events, {plan.n_dup:,} re-sent, "
        f"{plan.n_bad:,} bad) for {users:,} users in {len(paths)} {args.format} file(s) "
        f"in {elapsed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
