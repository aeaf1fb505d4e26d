{#- Deterministic keys (S2 derived event ids, S5 session ids): md5 over the
    parts joined by '|'. Each part is escaped ('~' doubled, '|' written as
    '~p') and NULL written as '~n', so the encoding is injective: ('a|b',
    'c') and ('a', 'b|c') differ, and so do NULL and any text. Parts without
    '~' or '|' hash as they read. Callers pass text; timestamps go in as
    epoch microseconds so that every engine hashes the same string. -#}
{% macro hash_key(parts) -%}
    md5(
        {%- for part in parts %}
        coalesce(
            replace(replace(cast({{ part }} as {{ dbt.type_string() }}), '~', '~~'), '|', '~p'),
            '~n'
        )
        {%- if not loop.last %} || '|' ||{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{#- S5: a session's id is a function of its user and its start only, so a
    full refresh and any sequence of incremental runs agree on it. -#}
{% macro session_id(user_id, session_start) -%}
    {{ hash_key([user_id, epoch_microseconds(session_start)]) }}
{%- endmacro %}

{#- The first 60 bits of `expression`'s md5 as a bigint: the same number on
    every engine and engine version (DuckDB's hash() may change with a
    release), for a fingerprint a table stores. As a number it costs what
    any constant column costs; as md5's 32-character text it cost
    stg_event_rows and int_events_sessionized ≈ 0.3 s each per 10M rows
    (docs/benchmarks.md). -#}
{% macro md5_bigint(expression) -%}
    {{ return(adapter.dispatch('md5_bigint', 'session_analytics')(expression)) }}
{%- endmacro %}

{% macro default__md5_bigint(expression) -%}
    {{ not_implemented_for_adapter('md5_bigint') }}
{%- endmacro %}

{% macro spark__md5_bigint(expression) -%}
    cast(conv(left(md5({{ expression }}), 15), 16, 10) as bigint)
{%- endmacro %}

{% macro duckdb__md5_bigint(expression) -%}
    cast(('0x' || left(md5({{ expression }}), 15)) as bigint)
{%- endmacro %}

{#- The last non-NULL value of `expression` in the window it is used with
    (append `over (...)`): how a session's start reaches its later events. -#}
{% macro last_non_null(expression) -%}
    {{ return(adapter.dispatch('last_non_null', 'session_analytics')(expression)) }}
{%- endmacro %}

{% macro default__last_non_null(expression) -%}
    {{ not_implemented_for_adapter('last_non_null') }}
{%- endmacro %}

{% macro spark__last_non_null(expression) -%}
    last_value({{ expression }}, true)
{%- endmacro %}

{% macro duckdb__last_non_null(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{#- A 64-bit hash of `expression`, to find candidate repeats with an integer
    group by or join instead of a text one (first_loaded_rows, the S2
    accounting test's first pass). Not an id: two values may share a hash, so
    callers compare the values themselves wherever equality decides a
    result; the accounting test's user comparison is the one documented
    exception. -#}
{% macro fast_hash(expression) -%}
    {{ return(adapter.dispatch('fast_hash', 'session_analytics')(expression)) }}
{%- endmacro %}

{% macro default__fast_hash(expression) -%}
    {{ not_implemented_for_adapter('fast_hash') }}
{%- endmacro %}

{% macro spark__fast_hash(expression) -%}
    xxhash64({{ expression }})
{%- endmacro %}

{% macro duckdb__fast_hash(expression) -%}
    hash({{ expression }})
{%- endmacro %}
