{#- The knobs of the session definition, read and validated in one place. -#}

{#- A positive whole number of seconds: a fraction would otherwise be cut
    off without a word. -#}
{% macro session_timeout_seconds() -%}
    {%- set given = var('session_timeout_seconds') -%}
    {%- set timeout = given | int(0) -%}
    {%- if timeout <= 0 or (given | string | trim) != (timeout | string) -%}
        {{ exceptions.raise_compiler_error(
            "session_timeout_seconds must be a positive whole number of seconds, got "
            ~ given) }}
    {%- endif -%}
    {{ return(timeout) }}
{%- endmacro %}

{#- The timeout as a literal number of microseconds, the unit gaps are
    measured in: a literal, so the engine reads it as a 64-bit integer (an
    hour is past the 32-bit range). -#}
{% macro session_timeout_microseconds() -%}
    {{ return(session_timeout_seconds() * 1000000) }}
{%- endmacro %}

{% macro dashboard_days() -%}
    {%- set days = var('dashboard_days') | int -%}
    {%- if days <= 0 -%}
        {{ exceptions.raise_compiler_error(
            "dashboard_days must be a positive number of days, got " ~ var('dashboard_days')) }}
    {%- endif -%}
    {{ return(days) }}
{%- endmacro %}

{#- S2: how far after its loaded_at an event may lie, in whole seconds,
    from the var `max_future_hours`. -#}
{% macro max_future_seconds() -%}
    {%- set hours = var('max_future_hours') | float(-1) -%}
    {#- Also false for NaN and infinity. -#}
    {%- if not (hours >= 0 and hours <= 1000000) -%}
        {{ exceptions.raise_compiler_error(
            "max_future_hours must be a number of hours from 0 to 1,000,000, got "
            ~ var('max_future_hours')) }}
    {%- endif -%}
    {{ return((hours * 3600) | int) }}
{%- endmacro %}

{#- S9: the var `reporting_timezone`, an IANA name the engine knows. Checked
    against DuckDB's zone list here rather than left to the first query
    that uses it, which runs only after the events are staged. -#}
{% macro reporting_timezone() -%}
    {%- set zone = var('reporting_timezone') | string | trim -%}
    {%- set known = zone != '' and "'" not in zone and "\\" not in zone -%}
    {%- if known and execute and target.type == 'duckdb' -%}
        {%- set known = run_query(
            "select count(*) > 0 from pg_timezone_names() where lower(name) = lower('"
            ~ zone ~ "')").columns[0].values()[0] -%}
    {%- endif -%}
    {%- if not known -%}
        {{ exceptions.raise_compiler_error(
            "reporting_timezone must be an IANA time zone such as 'UTC' or "
            ~ "'America/New_York', got " ~ var('reporting_timezone')) }}
    {%- endif -%}
    {{ return(zone) }}
{%- endmacro %}

{#- S8: the var `session_bucket_min_exponent`, a whole number from 0 to 30
    (bucket bounds stay 32-bit). The bucketing itself (buckets.py, for the
    Python model and Spark alike) checks the same range; this is only the
    early check. -#}
{% macro session_bucket_min_exponent() -%}
    {%- set given = var('session_bucket_min_exponent') -%}
    {%- set exponent = given | int(-1) -%}
    {%- if exponent < 0 or exponent > 30 or (given | string | trim) != (exponent | string) -%}
        {{ exceptions.raise_compiler_error(
            "session_bucket_min_exponent must be a whole number from 0 to 30, got " ~ given) }}
    {%- endif -%}
    {{ return(exponent) }}
{%- endmacro %}

{#- S6: the var `session_as_of` as a SQL timestamp, or none when it is not
    given. A value that does not parse fails the run: as a NULL as_of it
    would leave every session open and the board empty, with no error. -#}
{% macro session_as_of() -%}
    {%- set given = var('session_as_of') -%}
    {%- if given is none -%}{{ return(none) }}{%- endif -%}
    {#- No timestamp holds a quote or a backslash; refused here, neither can
        end the SQL literal early on any engine. -#}
    {%- set text = given | string -%}
    {%- set parsed = parse_timestamp("'" ~ text ~ "'") -%}
    {%- if "'" in text or "\\" in text
        or (execute and run_query('select ' ~ parsed ~ ' is null').columns[0].values()[0]) -%}
        {{ exceptions.raise_compiler_error(
            "session_as_of must be a timestamp such as '2026-11-01 00:00:00' "
            ~ "(ISO 8601; no offset means UTC), got " ~ given) }}
    {%- endif -%}
    {{ return(parsed) }}
{%- endmacro %}

{#- S12: a fingerprint of everything that defines sessions: the timeout,
    max_future_hours (which rows staging rejects) and the exclusion-rule and
    channel-alias seeds, as a one-row select of a number (md5_bigint).
    Stored on every staged row and every sessionized event, so an
    incremental run can refuse to mix two definitions in one table. -#}
{% macro session_definition_sql(rules, aliases) -%}
    {%- set definition_text -%}
        '{{ session_timeout_seconds() }}'
        || '|{{ max_future_seconds() }}'
        || '|' || (
            select coalesce({{ string_agg_ordered(
                rule_key('event_name') ~ " || ',' || " ~ rule_key('channel') ~ " || ','
                || " ~ rule_key('source') ~ " || ',' || cast(is_excluded as " ~ dbt.type_string() ~ ")",
                "';'",
                [rule_key('event_name'), rule_key('channel'), rule_key('source')],
            ) }}, '')
            from {{ rules }}
        )
        || '|' || (
            select coalesce({{ string_agg_ordered(
                "alias_key || ',' || channel", "';'", ['alias_key']) }}, '')
            from {{ aliases }}
        )
    {%- endset %}
    select {{ md5_bigint(definition_text) }} as fingerprint
{%- endmacro %}

{#- Fails the run when `relation` was built with another session definition,
    or before it stored one. On DuckDB a run that builds stg_event_rows
    rebuilds such a relation first (rebuild_when_staged_rows_outdated), so
    the second fails only the runs that would not: another selection, a
    retry, Spark. The model's on_schema_change: fail would stop them too,
    without saying what to do. Commands that only compile (docs generate,
    compile, show) are let through. -#}
{% macro assert_session_definition_unchanged(relation, rules, aliases) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- if '_session_definition_hash' not in adapter.get_columns_in_relation(relation)
        | map(attribute='name') | map('lower') | list -%}
        {%- if flags.WHICH in ('run', 'build', 'retry') -%}
            {{ exceptions.raise_compiler_error(
                relation ~ " was built by an earlier version of this project (it has no "
                ~ "_session_definition_hash column): run `dbt build --full-refresh`.") }}
        {%- endif -%}
        {{ return('') }}
    {%- endif -%}
    {%- set current = run_query(session_definition_sql(rules, aliases)).columns[0].values()[0] -%}
    {%- set stored = run_query(
        "select distinct _session_definition_hash from " ~ relation).columns[0].values() | list -%}
    {%- if stored | length > 0 and stored != [current] -%}
        {{ exceptions.raise_compiler_error(
            "The session definition changed since " ~ relation ~ " was built "
            ~ "(session_timeout_seconds, max_future_hours, session_exclusion_rules or channel_aliases). "
            ~ "An incremental run would mix two definitions in one table: "
            ~ "run `dbt build --full-refresh`.") }}
    {%- endif -%}
{%- endmacro %}

{#- Fails the run when `staged_rows` (stg_event_rows) was rebuilt after
    `relation` (int_events_sessionized) last ran: a full refresh of the
    staged rows alone numbers them again, so the row keys `relation` holds
    would point to other rows. Rebuilt means none of the rows `relation`
    saw is left: every staged row was staged after its last run. -#}
{% macro assert_staged_rows_not_rebuilt(relation, staged_rows) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set rebuilt = run_query(
        "select (select min(_staged_at) from " ~ staged_rows ~ ")"
        ~ " > (select max(_sessionized_at) from " ~ relation ~ ")").columns[0].values()[0] -%}
    {%- if rebuilt -%}
        {{ exceptions.raise_compiler_error(
            staged_rows ~ " was rebuilt after " ~ relation ~ " last ran, so the row keys "
            ~ relation ~ " holds point to other rows: run `dbt build --full-refresh`.") }}
    {%- endif -%}
{%- endmacro %}

{#- S12: which rows the data tests of the incremental models check, from
    the var `data_tests_scope`: `new_rows` (written since their tests last
    all passed) or `all` (macros/test_scope.sql). -#}
{% macro data_tests_scope() -%}
    {%- set scope = var('data_tests_scope') | string | trim -%}
    {%- if scope not in ('new_rows', 'all') -%}
        {{ exceptions.raise_compiler_error(
            "data_tests_scope must be new_rows or all, got " ~ var('data_tests_scope')) }}
    {%- endif -%}
    {{ return(scope) }}
{%- endmacro %}

{#- on-run-start: every knob is checked before any model runs, so a bad value
    fails the run in seconds rather than after the raw events are staged.
    The macros above stay where the values are used, too. -#}
{% macro check_knobs() -%}
    {%- do session_timeout_seconds() -%}
    {%- do dashboard_days() -%}
    {%- do max_future_seconds() -%}
    {%- do session_as_of() -%}
    {%- do reporting_timezone() -%}
    {%- do session_bucket_min_exponent() -%}
    {%- do data_tests_scope() -%}
{%- endmacro %}
