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
