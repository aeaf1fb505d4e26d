{#- Time arithmetic and parsing, dispatched per engine. Every timestamp the
    project stores is a naive timestamp in UTC. -#}

{#- S1: text (ISO-8601; no offset = UTC; Z and +hh:mm honoured; fractions
    kept), timestamp or timestamptz -> UTC timestamp; NULL when unparseable. -#}
{% macro parse_timestamp(expression) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'session_analytics')(expression)) }}
{%- endmacro %}

{#- S1: timestamp text as every engine reads it: trimmed, upper-cased (RFC
    3339 allows a lower-case t and z) and with a decimal comma (ISO 8601
    allows it) written as a point. -#}
{% macro normalized_timestamp_text(expression) -%}
    replace(upper({{ trim_text('cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')') }}), ',', '.')
{%- endmacro %}

{#- S1: the ISO-8601 text (normalized_timestamp_text) every engine accepts,
    as a regular expression (no backslashes, so that it reads the same in
    every SQL dialect): YYYY-MM-DD, optionally followed by T or a blank,
    hh:mm, optional :ss and fraction, and an optional offset (Z, +hh:mm,
    +hhmm or +hh) on a time. Engines' casts read more (2026/10/01,
    2026-10-1, 24:00:00, +25:00, a trailing UTC, year 0000 as 1 BC); those
    are invalid_event_ts, on every engine. Years run from 0001 to 9999, the
    range of ISO 8601 without an agreed extension, and of Python's datetime;
    in UTC too (within_iso_years). -#}
{% macro iso_timestamp_pattern() -%}
    ^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$
{%- endmacro %}

{% macro default__parse_timestamp(expression) -%}
    {{ not_implemented_for_adapter('parse_timestamp') }}
{%- endmacro %}

{% macro spark__parse_timestamp(expression) -%}
    {#- The session time zone is UTC (profiles.yml), so a naive text is read as
        UTC. try_cast gives NULL, not an error, on bad text, with ANSI mode on
        or off; only ISO text (iso_timestamp_pattern) is cast. A timestamp
        column renders as ISO text, so it passes the check. Spark's cast
        reads hh:mm without seconds only at the end of the text (before an
        offset it gives NULL), so the seconds are written in first. -#}
    case
        when {{ normalized_timestamp_text(expression) }} rlike '{{ iso_timestamp_pattern() }}'
            then {{ within_iso_years(
                expression,
                "try_cast(regexp_replace(" ~ normalized_timestamp_text(expression)
                ~ ", '^(.{10}[T ][0-9]{2}:[0-9]{2})([Z+-])', '$1:00$2') as timestamp)") }}
    end
{%- endmacro %}

{% macro duckdb__parse_timestamp(expression) -%}
    {#- The session time zone is UTC (profiles.yml), so a naive text is read as
        UTC and the timestamptz is rendered back in UTC. A column a typed file
        already holds as a naive timestamp is taken as it is: typeof() folds
        to a constant, so the time-zone round trip (a tenth of a build at 10M
        events) is skipped for the whole column. Other typed timestamps
        (timestamptz, other precisions) convert to UTC, nanoseconds cut to
        microseconds; text is cast only when it is ISO (iso_timestamp_pattern). -#}
    case
        when typeof({{ expression }}) = 'TIMESTAMP' then try_cast({{ expression }} as timestamp)
        {#- DuckDB's cast rounds nanoseconds to the nearest microsecond; S4
            wants real elapsed time, so they are cut, as text's are. -#}
        when typeof({{ expression }}) in ('TIMESTAMP_NS', 'TIMESTAMPTZ_NS') then make_timestamp((
            epoch_ns(try_cast({{ expression }} as timestamp_ns))
            - (epoch_ns(try_cast({{ expression }} as timestamp_ns)) % 1000 + 1000) % 1000
        ) // 1000)
        when typeof({{ expression }}) like 'TIMESTAMP%'
            then try_cast(try_cast({{ expression }} as timestamptz) as timestamp)
        when
            regexp_full_match({{ normalized_timestamp_text(expression) }}, '{{ iso_timestamp_pattern() }}')
            then {{ within_iso_years(
                expression,
                'try_cast(try_cast(' ~ normalized_timestamp_text(expression)
                ~ ' as timestamptz) as timestamp)') }}
    end
{%- endmacro %}

{#- S1: an offset can carry a text's time past either end of the years
    0001-9999, and both engines' casts keep it (0001-01-01T00:00:00+01:00
    in 1 BC, 9999-12-31T23:00:00-05:00 in year 10000): such a text is
    invalid, as year 0000 is. Only the first and the last day can get
    there, so only texts that hold them are checked: DuckDB evaluates the
    cast again for the check, which made parse_timestamp about a third
    slower over 10M ISO texts when every text was checked, against ≈ 5 %
    for the two searches (docs/benchmarks.md). -#}
{% macro within_iso_years(expression, timestamp) -%}
    {%- set text = 'cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    case
        when not ({{ text }} like '%0001-01-01%' or {{ text }} like '%9999-12-31%')
            then {{ timestamp }}
        when year({{ timestamp }}) between 1 and 9999 then {{ timestamp }}
    end
{%- endmacro %}

{#- Microseconds since the epoch: exact elapsed-time arithmetic (S4, S7). -#}
{% macro epoch_microseconds(expression) -%}
    {{ return(adapter.dispatch('epoch_microseconds', 'session_analytics')(expression)) }}
{%- endmacro %}

{% macro default__epoch_microseconds(expression) -%}
    {{ not_implemented_for_adapter('epoch_microseconds') }}
{%- endmacro %}

{% macro spark__epoch_microseconds(expression) -%}
    unix_micros({{ expression }})
{%- endmacro %}

{% macro duckdb__epoch_microseconds(expression) -%}
    epoch_us({{ expression }})
{%- endmacro %}

{#- Whole seconds from `start` to `end`, rounded down (S7). -#}
{% macro elapsed_whole_seconds(start, end) -%}
    cast(floor(
        ({{ epoch_microseconds(end) }} - {{ epoch_microseconds(start) }}) / 1000000.0
    ) as bigint)
{%- endmacro %}

{% macro add_seconds(expression, seconds) -%}
    {{ return(adapter.dispatch('add_seconds', 'session_analytics')(expression, seconds)) }}
{%- endmacro %}

{% macro default__add_seconds(expression, seconds) -%}
    timestampadd(second, {{ seconds }}, {{ expression }})
{%- endmacro %}

{% macro duckdb__add_seconds(expression, seconds) -%}
    ({{ expression }} + to_seconds(cast({{ seconds }} as bigint)))
{%- endmacro %}

{#- The calendar date of a UTC timestamp in the reporting time zone (S9).
    In UTC, the default, that is the timestamp's own date, on every engine:
    DuckDB's conversion through timestamptz cost ≈ 85 ns a row for nothing
    (1.4–1.6 s against 0.08 s over the 17M sessions of 100M events). -#}
{% macro local_date(expression) -%}
    {%- set timezone = reporting_timezone() -%}
    {%- if timezone | upper == 'UTC' -%}
        {{ return('cast(' ~ expression ~ ' as date)') }}
    {%- endif -%}
    {{ return(adapter.dispatch('local_date', 'session_analytics')(expression, timezone)) }}
{%- endmacro %}

{% macro default__local_date(expression, timezone) -%}
    {{ not_implemented_for_adapter('local_date') }}
{%- endmacro %}

{% macro spark__local_date(expression, timezone) -%}
    to_date(from_utc_timestamp({{ expression }}, '{{ timezone }}'))
{%- endmacro %}

{% macro duckdb__local_date(expression, timezone) -%}
    cast(timezone('{{ timezone }}', timezone('UTC', {{ expression }})) as date)
{%- endmacro %}

{#- The run's start, as a UTC timestamp literal (S2: it stands in for a
    missing loaded_at, loaded_at_or_run_start). One value per invocation, so
    every model agrees. -#}
{% macro run_started_at_utc() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- S2: when a row counts as loaded: its loaded_at, or the run's start when
    that is missing. The future-time check and the first-loaded rule both
    read it. -#}
{% macro loaded_at_or_run_start(loaded_at) -%}
    coalesce({{ loaded_at }}, {{ run_started_at_utc() }})
{%- endmacro %}

{#- S2: an event time more than max_future_hours after the row was loaded
    (loaded_at_or_run_start): staging rejects the row as future_event_ts.
    Without loaded_at the verdict moves with the run's start, so a later
    run checks those rejects again (rebuild_when_staged_rows_outdated). -#}
{% macro is_beyond_max_future(event_ts, loaded_at) -%}
    {{ event_ts }} > {{ add_seconds(loaded_at_or_run_start(loaded_at), max_future_seconds()) }}
{%- endmacro %}
