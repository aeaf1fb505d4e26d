"""The Session Board (issue 4): CleverTap's *Session* board, rendered from the marts.

One self-contained HTML file (Vega, Vega-Lite and Vega-Embed inlined, so it opens
offline) and a PNG of the same board, rendered offline by vl-convert:

* headline numbers for the dashboard window (S9), each against the previous
  window of the same length, computed in DuckDB from ``fct_session_concluded``;
* the power-of-two session length distribution (S8), bars in bucket order;
* sessions per day and total session length per day (S9), every day of the
  window shown, zero days included;
* the as-of time, reporting time zone and session timeout the marts were built with.

The warehouse is opened read-only and closed as soon as the numbers are read.
"""

from __future__ import annotations

import html
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import altair as alt
import duckdb
import vl_convert as vlc

from session_analytics.cli import warehouse_parser

HTML_NAME = "session_board.html"
PNG_NAME = "session_board.png"
DEFAULT_OUT = "build/board"

# Chart ids double as the DOM ids of the chart containers in the HTML board.
CHART_IDS = ("sessions_per_day", "session_length_per_day", "length_distribution")
# Vega mark names (they become CSS classes of the rendered mark groups).
MARK_DAILY_BARS = "daily_session_bars"
MARK_ZERO_DAYS = "zero_day_markers"
MARK_LENGTH_AREA = "daily_length_area"
MARK_LENGTH_LINE = "daily_length_line"
MARK_LENGTH_POINTS = "daily_length_points"
MARK_BUCKET_BARS = "bucket_bars"
MARK_BUCKET_CAPTIONS = "bucket_captions"

ACCENT = "#3b5bdb"
GOOD = "#0f7b4f"
BAD = "#c92a2a"
MUTED = "#6b7280"
INK = "#111827"
GRID = "#e5e7eb"
FONT = "Liberation Sans, Helvetica, Arial, sans-serif"

Width = int | Literal["container"]

# --------------------------------------------------------------------------------------
# Reading the marts
# --------------------------------------------------------------------------------------

# The marts' window, and the previous window of the same length that the board
# compares it with: defined once, a CTE of every query that needs it.
REPORTING_WINDOW_SQL = """
    select
        *,
        window_start_date - dashboard_days as previous_start_date,
        window_start_date - 1 as previous_end_date
    from intermediate.int_reporting_window
"""

WINDOW_SQL = f"""
with

reporting_window as ({REPORTING_WINDOW_SQL}),

final as (
    select
        as_of,
        as_of_date,
        window_start_date,
        window_end_date,
        previous_start_date,
        previous_end_date,
        session_timeout_seconds,
        reporting_timezone,
        dashboard_days,
        (select min(session_date) from marts.fct_session_concluded) as first_session_date
    from reporting_window
)

select * from final
"""

# The headline numbers, for the window and for the previous window of the same
# length, in one pass over fct_session_concluded; the change is relative, except
# for a share, which changes in percentage points.
HEADLINES_SQL = f"""
with

reporting_window as ({REPORTING_WINDOW_SQL}),

concluded_sessions as (
    select * from marts.fct_session_concluded
),

periods as (
    select
        'current' as period,
        window_start_date as start_date,
        window_end_date as end_date
    from reporting_window
    union all
    select
        'previous' as period,
        previous_start_date as start_date,
        previous_end_date as end_date
    from reporting_window
),

period_sessions as (
    select
        periods.period,
        concluded_sessions.session_id,
        concluded_sessions.user_id,
        concluded_sessions.session_length_seconds,
        concluded_sessions.event_count
    from periods
    left join concluded_sessions
        on concluded_sessions.session_date between periods.start_date and periods.end_date
),

period_stats as (
    select
        period,
        count(session_id)::double as sessions,
        count(distinct user_id)::double as users_with_sessions,
        median(session_length_seconds)::double as median_session_length_seconds,
        avg(session_length_seconds)::double as mean_session_length_seconds,
        count(session_id) / nullif(count(distinct user_id), 0)::double as sessions_per_user,
        avg((event_count = 1)::double) as one_event_session_share
    from period_sessions
    group by period
),

metric_values as (
    select * from period_stats
    unpivot include nulls (
        metric_value for metric in (
            sessions,
            users_with_sessions,
            median_session_length_seconds,
            mean_session_length_seconds,
            sessions_per_user,
            one_event_session_share
        )
    )
),

current_values as (
    select * from metric_values where period = 'current'
),

previous_values as (
    select * from metric_values where period = 'previous'
),

final as (
    select
        current_values.metric,
        current_values.metric_value as current_value,
        previous_values.metric_value as previous_value,
        case
            when current_values.metric = 'one_event_session_share'
                then current_values.metric_value - previous_values.metric_value
            else (current_values.metric_value - previous_values.metric_value)
                / nullif(previous_values.metric_value, 0)
        end as change
    from current_values
    inner join previous_values
        on current_values.metric = previous_values.metric
)

select metric, current_value, previous_value, change from final
"""

DISTRIBUTION_SQL = """
select bucket_index, lower_bound_seconds, upper_bound_seconds, label,
    session_count, share_of_sessions
from marts.mart_session_length_distribution
order by bucket_index
"""

DAILY_SQL = """
select session_date, session_count, total_session_length_seconds
from marts.mart_sessions_daily
order by session_date
"""


@dataclass(frozen=True)
class Metric:
    """How one headline number is named, formatted and judged."""

    key: str
    label: str
    kind: Literal["count", "duration", "ratio", "share"]
    higher_is_better: bool
    help: str


METRICS: tuple[Metric, ...] = (
    Metric("sessions", "Sessions", "count", True, "Concluded sessions in the window."),
    Metric(
        "users_with_sessions",
        "Users with sessions",
        "count",
        True,
        "Distinct users with at least one concluded session in the window.",
    ),
    Metric(
        "median_session_length_seconds",
        "Median session length",
        "duration",
        True,
        "Half of the window's sessions are shorter than this.",
    ),
    Metric(
        "mean_session_length_seconds",
        "Mean session length",
        "duration",
        True,
        "Total session length divided by the number of sessions.",
    ),
    Metric(
        "sessions_per_user",
        "Sessions per user",
        "ratio",
        True,
        "Sessions divided by users with sessions.",
    ),
    Metric(
        "one_event_session_share",
        "One-event sessions",
        "share",
        False,
        "Share of sessions with a single event (length 0 s): bounces, lower is better.",
    ),
)


@dataclass(frozen=True)
class ReportingWindow:
    as_of: datetime
    as_of_date: date
    window_start_date: date
    window_end_date: date
    previous_start_date: date
    previous_end_date: date
    session_timeout_seconds: int
    reporting_timezone: str
    dashboard_days: int
    first_session_date: date | None


@dataclass(frozen=True)
class Headline:
    metric: Metric
    current: float | None
    previous: float | None
    change: float | None


@dataclass(frozen=True)
class BoardData:
    window: ReportingWindow
    headlines: tuple[Headline, ...]
    distribution: tuple[dict[str, Any], ...]
    daily: tuple[dict[str, Any], ...]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_window(con: duckdb.DuckDBPyConnection) -> ReportingWindow:
    rows = _rows(con, WINDOW_SQL)
    if len(rows) != 1:
        raise ValueError(f"int_reporting_window must hold one row, found {len(rows)}")
    if rows[0]["as_of"] is None:
        raise ValueError("the warehouse has no staged events: there is no window to show")
    return ReportingWindow(**rows[0])


def read_headlines(con: duckdb.DuckDBPyConnection) -> tuple[Headline, ...]:
    by_key = {row["metric"]: row for row in _rows(con, HEADLINES_SQL)}
    return tuple(
        Headline(
            metric=metric,
            current=by_key[metric.key]["current_value"],
            previous=by_key[metric.key]["previous_value"],
            change=by_key[metric.key]["change"],
        )
        for metric in METRICS
    )


def read_distribution(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, Any], ...]:
    return tuple(_rows(con, DISTRIBUTION_SQL))


def read_daily(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, Any], ...]:
    # Vega-Lite wants ISO dates; the dates are already days of the reporting time zone.
    return tuple(
        {**row, "session_date": row["session_date"].isoformat()} for row in _rows(con, DAILY_SQL)
    )


def load_board_data(duckdb_path: str | os.PathLike[str]) -> BoardData:
    """Read everything the board shows, holding the warehouse open (read-only) briefly."""
    path = Path(duckdb_path)
    if not path.is_file():
        raise FileNotFoundError(f"no warehouse at {path}: build the marts first (make build)")
    with duckdb.connect(str(path), read_only=True) as con:
        return BoardData(
            window=read_window(con),
            headlines=read_headlines(con),
            distribution=read_distribution(con),
            daily=read_daily(con),
        )


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


def format_duration(seconds: float | None) -> str:
    """`45 s`, `12 min 05 s`, `1 h 05 min`: exact enough for a card, readable at a glance."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole, 3600)
    return f"{hours:,} h {rest // 60:02d} min"


def format_value(metric: Metric, value: float | None) -> str:
    if value is None:
        return "–"
    if metric.kind == "count":
        return f"{round(value):,}"
    if metric.kind == "duration":
        return format_duration(value)
    if metric.kind == "share":
        return f"{value:.1%}"
    return f"{value:,.2f}"


def format_change(headline: Headline) -> str:
    """`▲ 25.0%`, `▼ 3.1 pp`, `no change`, or `n/a` when there is nothing to compare."""
    change = headline.change
    if change is None:
        return "n/a"
    points = headline.metric.kind == "share"
    shown = f"{abs(change) * 100:.1f}"
    if shown == "0.0":
        return "no change"
    arrow = "▲" if change > 0 else "▼"
    return f"{arrow} {shown} pp" if points else f"{arrow} {shown}%"


def change_tone(headline: Headline) -> Literal["good", "bad", "neutral"]:
    if headline.change is None or format_change(headline) == "no change":
        return "neutral"
    better = (headline.change > 0) == headline.metric.higher_is_better
    return "good" if better else "bad"


def format_previous(headline: Headline, window: ReportingWindow) -> str:
    """`previous 30 d: 4,403`; a dash when the previous window has no sessions to measure."""
    return f"previous {window.dashboard_days} d: {format_value(headline.metric, headline.previous)}"


def format_as_of(window: ReportingWindow) -> str:
    """as_of is UTC; show it in the reporting time zone too when that differs."""
    utc_text = f"{window.as_of:%Y-%m-%d %H:%M:%S} UTC"
    if window.reporting_timezone.upper() == "UTC":
        return utc_text
    try:
        zone = ZoneInfo(window.reporting_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return utc_text
    local = window.as_of.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M:%S} {window.reporting_timezone} ({utc_text})"


def window_caption(window: ReportingWindow) -> str:
    return (
        f"Last {window.dashboard_days} days: {window.window_start_date:%d %b %Y} – "
        f"{window.window_end_date:%d %b %Y}, compared with the previous {window.dashboard_days} "
        f"days ({window.previous_start_date:%d %b} – {window.previous_end_date:%d %b %Y})"
    )


def coverage_note(window: ReportingWindow) -> str | None:
    """Warn when the data starts inside the previous window: its numbers are partial."""
    first = window.first_session_date
    if first is None or first <= window.previous_start_date:
        return None
    if first > window.previous_end_date:
        return "No concluded sessions before this window: there is nothing to compare with."
    return (
        f"The data starts on {first:%d %b %Y}, inside the previous window: "
        "its numbers cover part of it only."
    )


# --------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------


Y_AXIS_EXTENT = 48


def _y_axis(title: str, number_format: str, values: list[int] | None = None) -> alt.Axis:
    """A fixed-width value axis with its unit written above it, so plot areas line up."""
    return alt.Axis(
        title=title,
        format=number_format,
        titleAngle=0,
        titleAlign="left",
        titleBaseline="bottom",
        titleX=0,
        titleY=-10,
        minExtent=Y_AXIS_EXTENT,
        maxExtent=Y_AXIS_EXTENT,
        tickCount=5,
        values=alt.Undefined if values is None else values,
        domain=False,
        ticks=False,
    )


def _zero_based(values: Iterable[float]) -> alt.Scale:
    """From zero; when every value is zero, zero sits on the baseline, not mid-chart."""
    return alt.Scale(zero=True, domainMax=alt.Undefined if any(values) else 1)


def count_ticks(counts: Sequence[int]) -> list[int] | None:
    """Whole-number ticks for small counts (Vega would put ticks at 0.5); None: Vega's own."""
    most = max(counts, default=0)
    return list(range(max(most, 1) + 1)) if most <= 5 else None


def day_ticks(daily: Sequence[dict[str, Any]], most: int = 10) -> list[alt.DateTime]:
    """Every k-th day, counted back from the window's last day, so that labels never collide."""
    days = [date.fromisoformat(row["session_date"]) for row in daily]
    step = max(1, -(-len(days) // most))
    shown = days[::-1][::step][::-1]
    return [alt.DateTime(year=d.year, month=d.month, date=d.day, utc=True) for d in shown]


def _x_day(daily: Sequence[dict[str, Any]]) -> alt.X:
    """One band per day of the window, in order; zero days keep their band.

    utc: the dates already are days of the reporting time zone; never shift them again.
    """
    return alt.X(
        "utcyearmonthdate(session_date):O",
        axis=alt.Axis(
            format="%d %b", labelAngle=0, title=None, ticks=False, values=day_ticks(daily)
        ),
    )


def _day_tooltip() -> alt.Tooltip:
    return alt.Tooltip("utcyearmonthdate(session_date):T", title="Day", format="%a %d %b %Y")


def _titled(chart: alt.TopLevelMixin, title: str | None) -> Any:
    return chart.properties(title=title) if title else chart


def sessions_per_day_chart(
    daily: Sequence[dict[str, Any]], width: Width, height: int = 220, title: str | None = None
) -> alt.LayerChart:
    """Bars per day; zero days get a hollow marker on the baseline so they are never lost."""
    base = alt.Chart(alt.Data(values=list(daily))).encode(
        x=_x_day(daily),
        tooltip=[
            _day_tooltip(),
            alt.Tooltip("session_count:Q", title="Sessions", format=","),
        ],
    )
    bars = base.mark_bar(color=ACCENT, cornerRadiusTopLeft=2, cornerRadiusTopRight=2).encode(
        y=alt.Y(
            "session_count:Q",
            stack=None,
            scale=_zero_based(row["session_count"] for row in daily),
            axis=_y_axis("sessions", ",d", count_ticks([row["session_count"] for row in daily])),
        )
    )
    zero_days = (
        base.transform_filter("datum.session_count == 0")
        .mark_point(shape="circle", filled=False, color=BAD, size=40, strokeWidth=1.5)
        .encode(y=alt.datum(0))
    )
    chart = alt.layer(
        bars.properties(name=MARK_DAILY_BARS), zero_days.properties(name=MARK_ZERO_DAYS)
    ).properties(width=width, height=height)
    return _titled(chart, title)


def length_unit(daily: Sequence[dict[str, Any]]) -> tuple[str, int]:
    """Hours once a day holds three hours or more, else minutes."""
    most = max((row["total_session_length_seconds"] for row in daily), default=0)
    return ("hours", 3600) if most >= 3 * 3600 else ("minutes", 60)


def session_length_per_day_chart(
    daily: Sequence[dict[str, Any]], width: Width, height: int = 220, title: str | None = None
) -> alt.LayerChart:
    unit, divisor = length_unit(daily)
    base = (
        alt.Chart(alt.Data(values=list(daily)))
        .transform_calculate(total=f"datum.total_session_length_seconds / {divisor}")
        .encode(
            x=_x_day(daily),
            y=alt.Y(
                "total:Q",
                scale=_zero_based(row["total_session_length_seconds"] for row in daily),
                axis=_y_axis(unit, ",.0f" if unit == "minutes" else ",.1~f"),
            ),
            tooltip=[
                _day_tooltip(),
                alt.Tooltip("total:Q", title=f"Total ({unit})", format=",.1f"),
                alt.Tooltip("total_session_length_seconds:Q", title="Total (seconds)", format=","),
            ],
        )
    )
    area = base.mark_area(color=ACCENT, opacity=0.12)
    line = base.mark_line(color=ACCENT, strokeWidth=2)
    points = base.mark_point(filled=True, color=ACCENT, size=28, opacity=1)
    chart = alt.layer(
        area.properties(name=MARK_LENGTH_AREA),
        line.properties(name=MARK_LENGTH_LINE),
        points.properties(name=MARK_LENGTH_POINTS),
    ).properties(width=width, height=height)
    return _titled(chart, title)


def _bucket_axis_label() -> str:
    # `4,096–8,192 s (68–136 min)` on two lines: seconds, then minutes.
    return "[split(datum.label, ' (')[0], '(' + split(datum.label, ' (')[1]]"


def distribution_chart(
    distribution: Sequence[dict[str, Any]],
    width: Width,
    height: int = 240,
    title: str | None = None,
) -> alt.LayerChart:
    """S8 buckets as bars, in bucket order, each labelled with its share and count."""
    labels = [row["label"] for row in distribution]
    base = (
        alt.Chart(alt.Data(values=list(distribution)))
        .transform_calculate(
            caption="format(datum.share_of_sessions, '.1%') + ' · ' + "
            "format(datum.session_count, ',')"
        )
        .encode(
            x=alt.X(
                "label:N",
                sort=labels,
                axis=alt.Axis(
                    title=None,
                    labelAngle=0,
                    labelExpr=_bucket_axis_label(),
                    labelLineHeight=14,
                    labelLimit=240,
                ),
            ),
            y=alt.Y(
                "session_count:Q",
                stack=None,
                scale=_zero_based(row["session_count"] for row in distribution),
                axis=_y_axis(
                    "sessions", ",d", count_ticks([row["session_count"] for row in distribution])
                ),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Session length"),
                alt.Tooltip("session_count:Q", title="Sessions", format=","),
                alt.Tooltip("share_of_sessions:Q", title="Share of sessions", format=".2%"),
            ],
        )
    )
    bars = base.mark_bar(
        color=ACCENT, cornerRadiusTopLeft=3, cornerRadiusTopRight=3, width={"band": 0.6}
    )
    captions = base.mark_text(dy=-8, color=INK, fontSize=12, fontWeight="bold").encode(
        text="caption:N"
    )
    chart = alt.layer(
        bars.properties(name=MARK_BUCKET_BARS), captions.properties(name=MARK_BUCKET_CAPTIONS)
    ).properties(width=width, height=height)
    return _titled(chart, title)


def _theme(chart: Any) -> Any:
    return (
        chart.configure(font=FONT, background="white")
        .configure_view(stroke=None)
        .configure_axis(
            labelColor=MUTED,
            titleColor=MUTED,
            titleFontWeight="normal",
            titleFontSize=12,
            labelFontSize=11,
            gridColor=GRID,
            domainColor=GRID,
            tickColor=GRID,
        )
        .configure_title(
            anchor="start",
            frame="group",
            color=INK,
            fontSize=15,
            subtitleColor=MUTED,
            subtitleFontSize=12,
        )
    )


def chart_specs(data: BoardData) -> dict[str, dict[str, Any]]:
    """The three charts of the HTML board, as Vega-Lite specs keyed by container id."""
    charts = {
        "sessions_per_day": sessions_per_day_chart(data.daily, "container"),
        "session_length_per_day": session_length_per_day_chart(data.daily, "container"),
        "length_distribution": distribution_chart(data.distribution, "container", height=260),
    }
    return {
        key: _theme(
            chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
        ).to_dict()
        for key, chart in charts.items()
    }


# --------------------------------------------------------------------------------------
# The PNG: the same board, composed as one Vega-Lite chart
# --------------------------------------------------------------------------------------

TONE_COLOURS = {"good": GOOD, "bad": BAD, "neutral": MUTED}
CARD_WIDTH = 168
CARD_HEIGHT = 96


def kpi_card(headline: Headline, window: ReportingWindow) -> alt.LayerChart:
    row = {
        "label": headline.metric.label.upper(),
        "value": format_value(headline.metric, headline.current),
        "change": format_change(headline),
        "previous": format_previous(headline, window),
    }
    base = alt.Chart(alt.Data(values=[row]))
    texts = [
        base.mark_text(
            x=14, y=18, align="left", fontSize=10, fontWeight="bold", color=MUTED, limit=150
        ).encode(text="label:N"),
        base.mark_text(
            x=14, y=46, align="left", fontSize=22, fontWeight="bold", color=INK, limit=150
        ).encode(text="value:N"),
        base.mark_text(
            x=14,
            y=70,
            align="left",
            fontSize=12,
            fontWeight="bold",
            color=TONE_COLOURS[change_tone(headline)],
        ).encode(text="change:N"),
        base.mark_text(x=14, y=86, align="left", fontSize=10, color=MUTED, limit=150).encode(
            text="previous:N"
        ),
    ]
    return alt.layer(*texts).properties(
        width=CARD_WIDTH,
        height=CARD_HEIGHT,
        view=alt.ViewBackground(fill="#f8fafc", stroke=GRID, cornerRadius=8, strokeWidth=1),
    )


def header_chart(window: ReportingWindow, width: int) -> alt.LayerChart:
    """Title, window and run parameters as text, aligned with the plot areas below."""
    lines = [
        ("Session Board", 24, "bold", INK, 24),
        (window_caption(window), 13, "normal", MUTED, 50),
        (
            f"As of {format_as_of(window)}  ·  time zone {window.reporting_timezone}  ·  "
            f"session timeout {format_duration(window.session_timeout_seconds)}",
            13,
            "normal",
            MUTED,
            70,
        ),
    ]
    note = coverage_note(window)
    if note:
        lines.append((note, 13, "bold", BAD, 90))
    base = alt.Chart(alt.Data(values=[{}]))
    texts = [
        base.mark_text(
            text=text, x=0, y=y, align="left", fontSize=size, fontWeight=weight, color=colour
        )
        for text, size, weight, colour, y in lines
    ]
    return alt.layer(*texts).properties(width=width, height=lines[-1][4] + 4)


def board_chart(data: BoardData) -> alt.ConcatChart:
    """The board as one chart: header, KPI cards, the two daily charts, the distribution."""
    window = data.window
    gap = 12
    cards = alt.hconcat(*(kpi_card(h, window) for h in data.headlines), spacing=gap)
    width = len(data.headlines) * (CARD_WIDTH + gap) - gap
    daily_spacing = 32
    half = (width - daily_spacing - Y_AXIS_EXTENT) // 2
    daily = alt.hconcat(
        sessions_per_day_chart(data.daily, half, title="Sessions per day"),
        session_length_per_day_chart(data.daily, half, title="Total session length per day"),
        spacing=daily_spacing,
    )
    distribution = distribution_chart(data.distribution, width, title="Session length distribution")
    board = alt.concat(
        header_chart(window, width), cards, daily, distribution, columns=1, spacing=30
    ).properties(padding={"left": 16, "right": 32, "top": 28, "bottom": 24})
    return _theme(board)


def render_png(data: BoardData, scale: float = 2.0) -> bytes:
    return vlc.vegalite_to_png(board_chart(data).to_dict(), scale=scale)


# --------------------------------------------------------------------------------------
# The HTML board
# --------------------------------------------------------------------------------------

CSS = """
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --accent: #3b5bdb;
  --good: #0f7b4f; --bad: #c92a2a; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f8; color: var(--ink);
  font: 14px/1.45 "Liberation Sans", Helvetica, Arial, sans-serif; }
header { background: #1e2640; color: #fff; padding: 20px 32px 18px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 700; letter-spacing: .2px; }
header .window { color: #c7cde0; margin: 0 0 12px; }
.chips { display: flex; flex-wrap: wrap; gap: 8px; margin: 0; padding: 0; list-style: none; }
.chips li { background: rgba(255,255,255,.10); border-radius: 999px; padding: 3px 12px;
  font-size: 12px; color: #e6e9f3; }
.chips b { color: #fff; font-weight: 600; }
main { padding: 24px 32px 32px; max-width: 1280px; margin: 0 auto; }
.note { background: #fff7e6; border: 1px solid #f5d48f; color: #7a5300; border-radius: 8px;
  padding: 8px 14px; margin: 0 0 16px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(175px, 1fr)); gap: 14px;
  margin-bottom: 18px; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px;
  box-shadow: 0 1px 2px rgba(16,24,40,.05); }
.kpi h3 { margin: 0; font-size: 11px; letter-spacing: .6px; text-transform: uppercase;
  color: var(--muted); font-weight: 700; }
.kpi .value { font-size: 26px; font-weight: 700; margin: 6px 0 2px; white-space: nowrap; }
.kpi .change { font-weight: 700; font-size: 13px; }
.kpi .change.good { color: var(--good); } .kpi .change.bad { color: var(--bad); }
.kpi .change.neutral { color: var(--muted); }
.kpi .previous { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px;
  padding: 16px 18px 10px; box-shadow: 0 1px 2px rgba(16,24,40,.05); min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.card h2 { margin: 0; font-size: 16px; } .card p { margin: 2px 0 8px; color: var(--muted); }
.chart { width: 100%; }
footer { color: var(--muted); font-size: 12px; padding: 0 32px 24px; max-width: 1280px;
  margin: 0 auto; }
@media (max-width: 900px) { .charts { grid-template-columns: 1fr; } }
"""

EMBED_SCRIPT = """
const specs = JSON.parse(document.getElementById("board-specs").textContent);
const options = {renderer: "svg", actions: false};
Promise.all(Object.entries(specs).map(([id, spec]) => vegaEmbed("#" + id, spec, options)))
  .then(() => { document.body.dataset.rendered = "true"; })
  .catch((error) => {
    document.body.dataset.rendered = "error";
    document.getElementById("render-error").textContent = "Chart error: " + error;
  });
"""

CHART_CARDS = (
    (
        "sessions_per_day",
        "Sessions per day",
        "Concluded sessions, on the day of their last event. Hollow red markers: days without any.",
        False,
    ),
    (
        "session_length_per_day",
        "Total session length per day",
        "Sum of the lengths of the day's concluded sessions.",
        False,
    ),
    (
        "length_distribution",
        "Session length distribution",
        "Concluded sessions of the window in power-of-two length buckets: share · count.",
        True,
    ),
)


def _kpi_card_html(headline: Headline, window: ReportingWindow) -> str:
    metric = headline.metric
    return (
        f'<section class="kpi" id="kpi-{metric.key}" title="{html.escape(metric.help)}">'
        f"<h3>{html.escape(metric.label)}</h3>"
        f'<div class="value">{html.escape(format_value(metric, headline.current))}</div>'
        f'<div class="change {change_tone(headline)}">{html.escape(format_change(headline))}</div>'
        f'<div class="previous">{html.escape(format_previous(headline, window))}</div>'
        "</section>"
    )


def _chart_card_html(chart_id: str, title: str, caption: str, wide: bool) -> str:
    return (
        f'<section class="card{" wide" if wide else ""}"><h2>{html.escape(title)}</h2>'
        f"<p>{html.escape(caption)}</p>"
        f'<div class="chart" id="{chart_id}"></div></section>'
    )


def _script_json(value: Any) -> str:
    # Safe inside <script>: no `</script>` can close the tag early.
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def vega_lite_version() -> str:
    """`6.4` for altair's schema `v6.4.1`: the Vega-Lite build vl-convert bundles."""
    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def render_html(data: BoardData, javascript: str | None = None) -> str:
    window = data.window
    bundle = javascript or vlc.javascript_bundle(vl_version=vega_lite_version())
    note = coverage_note(window)
    chips = (
        ("As of", format_as_of(window)),
        ("Time zone", window.reporting_timezone),
        ("Session timeout", format_duration(window.session_timeout_seconds)),
        ("Window", f"{window.dashboard_days} days"),
    )
    chip_items = "".join(f"<li>{label}: <b>{html.escape(value)}</b></li>" for label, value in chips)
    note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
    kpis = "".join(_kpi_card_html(headline, window) for headline in data.headlines)
    cards = "".join(_chart_card_html(*card) for card in CHART_CARDS)
    script = bundle.replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Session Board · {window.window_end_date:%d %b %Y}</title>
<style>{CSS}</style>
<script>{script}</script>
</head>
<body>
<header>
<h1>Session Board</h1>
<p class="window">{html.escape(window_caption(window))}</p>
<ul class="chips">{chip_items}</ul>
</header>
<main>
{note_html}
<div class="kpis">{kpis}</div>
<div class="charts">{cards}</div>
<p id="render-error" class="note" role="alert" hidden></p>
<noscript><p class="note">The charts need JavaScript (bundled in this file).</p></noscript>
</main>
<footer>From schema <code>marts</code>: fct_session_concluded (headline numbers),
mart_sessions_daily (daily charts), mart_session_length_distribution (distribution).</footer>
<script type="application/json" id="board-specs">{_script_json(chart_specs(data))}</script>
<script>{EMBED_SCRIPT}</script>
</body>
</html>
"""


def _write_atomically(path: Path, content: bytes) -> None:
    """A reader (a browser, a file server) sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(content)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def render_board(
    duckdb_path: str | os.PathLike[str], out_dir: str | os.PathLike[str]
) -> tuple[Path, Path]:
    """Write `session_board.html` and `session_board.png` into out_dir; return their paths."""
    data = load_board_data(duckdb_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, png_path = out / HTML_NAME, out / PNG_NAME
    _write_atomically(html_path, render_html(data).encode("utf-8"))
    _write_atomically(png_path, render_png(data))
    return html_path.resolve(), png_path.resolve()


def main(argv: Sequence[str] | None = None) -> int:
    parser = warehouse_parser(
        "python -m session_analytics.board",
        "Render the Session Board (HTML + PNG) from the built marts.",
        DEFAULT_OUT,
    )
    args = parser.parse_args(argv)
    try:
        html_path, png_path = render_board(args.db, args.out)
    except (FileNotFoundError, ValueError, duckdb.Error) as error:
        print(f"session board: {error}", file=sys.stderr)
        return 1
    print(f"Session Board: {html_path}")
    print(f"Session Board (PNG): {png_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
