"""Independent reference implementation of the session-analytics contract (SPEC S1-S12).

Plain Python: the only third-party code used is pyarrow, and only to read Parquet files
into Python rows. Every rule is implemented here without looking at the dbt models, so
that end-to-end tests can compare the warehouse against it.

Public API:

* ``read_raw_files(paths)`` -> list of raw row dicts (the S1 columns plus ``_file``).
* ``compute_marts(raw_rows, run_time=..., ...)`` -> dict of mart name -> list of row dicts,
  plus ``counts`` (raw / staged / duplicate / rejected).

All datetimes returned are naive UTC ``datetime`` objects.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

RAW_COLUMNS = (
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

# S3: event names that never make sessions (compared lower-cased, after trimming).
EXCLUDED_EVENT_NAMES = frozenset(
    name.lower()
    for name in (
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
)
# S3: (event name lower-cased, canonical channel) pairs that are not sessionable.
EXCLUDED_NOTIFICATION_CHANNELS = {
    "notification clicked": frozenset({"Email", "Web Push", "Mobile Push"}),
    "notification viewed": frozenset({"Email", "Web Push"}),
}

# S2: channel aliases, keyed by the normalised spelling (lower case, no space, '-' or '_').
CHANNEL_ALIASES = {
    "email": "Email",
    "webpush": "Web Push",
    "push": "Mobile Push",
    "mobilepush": "Mobile Push",
    "nativedisplay": "Native Display",
    "appinbox": "App Inbox",
    "inapp": "In-App",
    "webexitintent": "Web Exit Intent",
    "webpopup": "Web Popup",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
}

REJECT_REASONS = (
    "missing_user_id",
    "missing_event_name",
    "missing_event_ts",
    "invalid_event_ts",
    "future_event_ts",
)

SESSION_CONCLUDED = "Session Concluded"
EN_DASH = "\u2013"
_FUTURE_TOLERANCE = timedelta(hours=24)


# --------------------------------------------------------------------------------------
# Reading raw files (S1)
# --------------------------------------------------------------------------------------


def _json_value_as_text(value: Any) -> Any:
    """NDJSON values as text: strings unchanged, null -> None, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _read_csv(path: str) -> list[dict]:
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for record in csv.DictReader(fh):
            rows.append(
                {col: (record.get(col) if record.get(col) != "" else None) for col in RAW_COLUMNS}
            )
    return rows


def _read_ndjson(path: str) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = {}  # a line that does not parse: every column missing, so rejected
            rows.append({col: _json_value_as_text(record.get(col)) for col in RAW_COLUMNS})
    return rows


def _read_parquet(path: str) -> list[dict]:
    import pyarrow.parquet as pq  # only for reading; all logic below is plain Python

    table = pq.read_table(path)
    present = set(table.column_names)
    rows = []
    for record in table.to_pylist():
        rows.append({col: (record.get(col) if col in present else None) for col in RAW_COLUMNS})
    return rows


def read_raw_files(paths: list[str]) -> list[dict]:
    """Read raw event files (chosen by extension) into row dicts, in file then row order.

    Missing columns become None, extra columns are ignored. CSV and NDJSON values are
    strings (CSV empty field -> None); Parquet values are as pyarrow gives them
    (``datetime`` for timestamp columns). Each row carries ``_file`` (the path as given).
    """
    out: list[dict] = []
    for path in paths:
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            rows = _read_csv(path)
        elif suffix in (".json", ".ndjson", ".jsonl"):
            rows = _read_ndjson(path)
        elif suffix in (".parquet", ".pq"):
            rows = _read_parquet(path)
        else:
            raise ValueError(f"unsupported raw file type: {path}")
        for row in rows:
            row["_file"] = str(path)
        out.extend(rows)
    return out


# --------------------------------------------------------------------------------------
# Cleaning helpers (S2)
# --------------------------------------------------------------------------------------


def _clean_text(value: Any) -> str | None:
    """Trim text; blank -> None. Non-text values are turned into text first."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = _raw_as_text(value)
    value = value.strip()
    return value or None


def canonical_channel(value: Any) -> str | None:
    text = _clean_text(value)
    if text is None:
        return None
    key = re.sub(r"[\s\-_]", "", text.lower())
    return CHANNEL_ALIASES.get(key, text)


def canonical_source(value: Any) -> str:
    text = _clean_text(value)
    if text is None:
        return "SDK"
    lowered = text.lower()
    if lowered == "api":
        return "API"
    if lowered == "sdk":
        return "SDK"
    return text


_TS_RE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:[Tt ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,](?P<frac>[0-9]+))?)?)?"
    r"(?P<tz>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)


def parse_ts(value: Any) -> datetime | None:
    """Parse an event_ts / loaded_at value to naive UTC; None when it cannot be parsed.

    Accepted text: ``YYYY-MM-DD`` or ``YYYY-MM-DD[ T]HH:MM[:SS[.f...]]`` followed by an
    optional ``Z`` / ``+hh:mm`` / ``+hhmm`` / ``+hh`` offset (no offset = UTC); ``t`` and
    ``z`` may be lower case (RFC 3339) and the decimal mark a comma (ISO 8601). Fractional
    seconds beyond microseconds are truncated. Datetimes: naive = UTC, aware -> UTC.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _TS_RE.fullmatch(text)
    if not m:
        return None
    if m.group("tz") is not None and m.group("h") is None:
        return None  # a bare date with an offset is not a format we accept
    frac = (m.group("frac") or "")[:6].ljust(6, "0")
    try:
        dt = datetime(
            int(m.group("y")),
            int(m.group("mo")),
            int(m.group("d")),
            int(m.group("h") or 0),
            int(m.group("mi") or 0),
            int(m.group("s") or 0),
            int(frac),
        )
    except ValueError:
        return None
    tz = m.group("tz")
    if tz and tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        hours = int(digits[:2])
        minutes = int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            return None
        try:
            dt = dt - sign * timedelta(hours=hours, minutes=minutes)
        except OverflowError:
            return None
    return dt


def _to_naive_utc(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    parsed = parse_ts(value)
    if parsed is None:
        raise ValueError(f"cannot parse timestamp {value!r}")
    return parsed


def _raw_as_text(value: Any) -> str | None:
    """A raw value as text, the way the warehouse would cast it to VARCHAR."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        suffix = ""
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
            suffix = "+00"
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        if value.microsecond:
            text += ("." + f"{value.microsecond:06d}").rstrip("0")
        return text + suffix
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _sessionable(event_name: str, channel: str | None, source: str) -> bool:
    if source == "API":
        return False
    name = event_name.lower()
    if name in EXCLUDED_EVENT_NAMES:
        return False
    excluded_channels = EXCLUDED_NOTIFICATION_CHANNELS.get(name)
    if excluded_channels is not None and channel in excluded_channels:
        return False
    return True


# --------------------------------------------------------------------------------------
# Buckets and labels (S8)
# --------------------------------------------------------------------------------------


def bucket_index(length_seconds: int, min_exponent: int = 12) -> int:
    if length_seconds < (1 << min_exponent):
        return 0
    return length_seconds.bit_length() - min_exponent


def bucket_bounds(index: int, min_exponent: int = 12) -> tuple[int, int]:
    if index == 0:
        return 0, 1 << min_exponent
    return 1 << (min_exponent + index - 1), 1 << (min_exponent + index)


def bucket_label(lo: int, hi: int) -> str:
    return f"{lo:,}{EN_DASH}{hi:,} s ({lo // 60:,}{EN_DASH}{hi // 60:,} min)"


# --------------------------------------------------------------------------------------
# The marts
# --------------------------------------------------------------------------------------


def compute_marts(
    raw_rows: list[dict],
    *,
    run_time: datetime,
    timeout_seconds: int = 1200,
    as_of: datetime | None = None,
    min_exponent: int = 12,
    dashboard_days: int = 30,
    reporting_timezone: str = "UTC",
) -> dict[str, Any]:
    run_time_utc = _to_naive_utc(run_time)
    timeout = timedelta(seconds=timeout_seconds)
    tz = ZoneInfo(reporting_timezone)

    # ---- S2: clean, reject ------------------------------------------------------------
    rejected: list[dict] = []
    candidates: list[dict] = []
    for position, raw in enumerate(raw_rows):
        user_id = _clean_text(raw.get("user_id"))
        event_name = _clean_text(raw.get("event_name"))
        raw_ts = raw.get("event_ts")
        ts_text = raw_ts if not isinstance(raw_ts, str) else raw_ts.strip() or None
        event_ts = parse_ts(ts_text)
        loaded_at = parse_ts(raw.get("loaded_at"))  # unparseable loaded_at -> missing
        reason = None
        if user_id is None:
            reason = "missing_user_id"
        elif event_name is None:
            reason = "missing_event_name"
        elif ts_text is None:
            reason = "missing_event_ts"
        elif event_ts is None:
            reason = "invalid_event_ts"
        elif event_ts > (loaded_at if loaded_at is not None else run_time_utc) + _FUTURE_TOLERANCE:
            reason = "future_event_ts"
        if reason is not None:
            row = {col: _raw_as_text(raw.get(col)) for col in RAW_COLUMNS}
            row["reject_reason"] = reason
            rejected.append(row)
            continue
        channel = canonical_channel(raw.get("channel"))
        source = canonical_source(raw.get("source"))
        properties = raw.get("properties")
        if properties is not None and not isinstance(properties, str):
            properties = _raw_as_text(properties)
        event_id = _clean_text(raw.get("event_id"))
        derived = (user_id, event_name, event_ts, channel, source, properties)
        candidates.append(
            {
                "event_id": event_id,
                "user_id": user_id,
                "event_name": event_name,
                "event_ts": event_ts,
                "channel": channel,
                "source": source,
                "platform": _clean_text(raw.get("platform")),
                "properties": properties,
                "_dedup_key": ("id", event_id) if event_id is not None else ("derived", derived),
                "_winner_key": (
                    loaded_at if loaded_at is not None else run_time_utc,
                    str(raw.get("_file") or ""),
                    position,
                ),
            }
        )

    # ---- S2: de-duplicate -------------------------------------------------------------
    winners: dict[tuple, dict] = {}
    for cand in candidates:
        current = winners.get(cand["_dedup_key"])
        if current is None or cand["_winner_key"] < current["_winner_key"]:
            winners[cand["_dedup_key"]] = cand
    staged = list(winners.values())
    duplicate_count = len(candidates) - len(staged)

    # ---- S3 / S4: sessionise ----------------------------------------------------------
    by_user: dict[str, list[dict]] = defaultdict(list)
    for ev in staged:
        ev["is_sessionable"] = _sessionable(ev["event_name"], ev["channel"], ev["source"])
        ev["session_key"] = None
        if ev["is_sessionable"]:
            by_user[ev["user_id"]].append(ev)

    sessions: list[dict] = []
    for user_id, events in by_user.items():
        events.sort(key=lambda e: (e["event_ts"], e["event_id"] or "", repr(e["_dedup_key"])))
        current: list[dict] = []
        groups: list[list[dict]] = []
        for ev in events:
            if current and ev["event_ts"] - current[-1]["event_ts"] >= timeout:
                groups.append(current)
                current = []
            current.append(ev)
        if current:
            groups.append(current)
        for group in groups:
            start, end = group[0]["event_ts"], group[-1]["event_ts"]
            for ev in group:
                ev["session_key"] = (user_id, start)
            sessions.append(
                {
                    "user_id": user_id,
                    "session_start": start,
                    "session_end": end,
                    "session_length_seconds": (end - start)
                    // timedelta(microseconds=1)
                    // 1_000_000,
                    "event_count": len(group),
                }
            )

    # ---- S6: concluded ----------------------------------------------------------------
    if as_of is not None:
        as_of_utc = _to_naive_utc(as_of)
    elif staged:
        as_of_utc = max(ev["event_ts"] for ev in staged)
    else:
        as_of_utc = None
    for s in sessions:
        s["is_concluded"] = as_of_utc is not None and s["session_end"] + timeout <= as_of_utc
    sessions.sort(key=lambda s: (s["user_id"], s["session_start"]))

    concluded = [s for s in sessions if s["is_concluded"]]
    fct_session_concluded = [
        {
            "user_id": s["user_id"],
            "event_name": SESSION_CONCLUDED,
            "event_ts": s["session_end"],
            "session_start": s["session_start"],
            "session_length_seconds": s["session_length_seconds"],
            "event_count": s["event_count"],
        }
        for s in concluded
    ]

    # ---- S9: daily board --------------------------------------------------------------
    def local_date(ts: datetime) -> date:
        return ts.replace(tzinfo=UTC).astimezone(tz).date()

    daily: list[dict] = []
    window: set[date] = set()
    if as_of_utc is not None:
        as_of_date = local_date(as_of_utc)
        days = [as_of_date - timedelta(days=i) for i in range(dashboard_days - 1, -1, -1)]
        window = set(days)
        per_day = {d: [0, 0] for d in days}
        for s in concluded:
            d = local_date(s["session_end"])
            if d in per_day:
                per_day[d][0] += 1
                per_day[d][1] += s["session_length_seconds"]
        daily = [
            {"session_date": d, "session_count": c, "total_session_length_seconds": t}
            for d, (c, t) in sorted(per_day.items())
        ]

    # ---- S8: distribution -------------------------------------------------------------
    in_window = [s for s in concluded if local_date(s["session_end"]) in window]
    counts_by_bucket: dict[int, int] = defaultdict(int)
    for s in in_window:
        counts_by_bucket[bucket_index(s["session_length_seconds"], min_exponent)] += 1
    highest = max(counts_by_bucket) if counts_by_bucket else 0
    total = len(in_window)
    distribution = []
    for k in range(highest + 1):
        lo, hi = bucket_bounds(k, min_exponent)
        n = counts_by_bucket.get(k, 0)
        distribution.append(
            {
                "bucket_index": k,
                "lower_bound_seconds": lo,
                "upper_bound_seconds": hi,
                "label": bucket_label(lo, hi),
                "session_count": n,
                "share_of_sessions": (n / total) if total else 0.0,
            }
        )

    # ---- S10: users -------------------------------------------------------------------
    sessions_by_user: dict[str, list[dict]] = defaultdict(list)
    for s in sessions:
        sessions_by_user[s["user_id"]].append(s)
    dim_users = []
    for user_id in sorted(by_user):
        user_sessions = sessions_by_user[user_id]
        events = by_user[user_id]
        dim_users.append(
            {
                "user_id": user_id,
                "first_seen_at": min(e["event_ts"] for e in events),
                "last_seen_at": max(e["event_ts"] for e in events),
                "session_count": len(user_sessions),
                "total_session_length_seconds": sum(
                    s["session_length_seconds"] for s in user_sessions
                ),
                "latest_session_start": max(s["session_start"] for s in user_sessions),
            }
        )

    # ---- S11: events ------------------------------------------------------------------
    fct_events = [
        {
            "event_id": ev["event_id"],
            "user_id": ev["user_id"],
            "event_name": ev["event_name"],
            "event_ts": ev["event_ts"],
            "channel": ev["channel"],
            "source": ev["source"],
            "platform": ev["platform"],
            "is_sessionable": ev["is_sessionable"],
            "session_key": ev["session_key"],
        }
        for ev in sorted(staged, key=lambda e: (e["user_id"], e["event_ts"], repr(e["_dedup_key"])))
    ]

    return {
        "fct_events": fct_events,
        "fct_sessions": sessions,
        "fct_session_concluded": fct_session_concluded,
        "dim_users": dim_users,
        "mart_session_length_distribution": distribution,
        "mart_sessions_daily": daily,
        "rejected_events": rejected,
        "counts": {
            "raw": len(raw_rows),
            "staged": len(staged),
            "duplicate": duplicate_count,
            "rejected": len(rejected),
        },
    }


__all__ = [
    "CHANNEL_ALIASES",
    "EXCLUDED_EVENT_NAMES",
    "REJECT_REASONS",
    "bucket_bounds",
    "bucket_index",
    "bucket_label",
    "canonical_channel",
    "canonical_source",
    "compute_marts",
    "parse_ts",
    "read_raw_files",
]
