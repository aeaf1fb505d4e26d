{#- S2: text is trimmed of whitespace at both ends: every character Python's
    str.strip() removes (spaces, tabs, line breaks, the other control
    separators and the Unicode spaces), on every engine. The engines' own
    trim() stops short: DuckDB's keeps tabs and line breaks, Spark's removes
    only the ASCII space. -#}
{% macro whitespace_class() -%}
[\t\n\x0b\x0c\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]
{%- endmacro %}

{#- `expression` with every match of the regular expression `pattern`
    removed. RE2 (DuckDB) and Postgres read the pattern as written; Spark
    unescapes string literals first, so its backslashes are doubled. -#}
{% macro regexp_remove_all(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_remove_all', 'session_analytics')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_remove_all(expression, pattern) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '', 'g')
{%- endmacro %}

{% macro spark__regexp_remove_all(expression, pattern) -%}
    regexp_replace({{ expression }}, '{{ pattern | replace("\\", "\\\\") }}', '')
{%- endmacro %}

{% macro trim_text(expression) -%}
    {{ return(adapter.dispatch('trim_text', 'session_analytics')(expression)) }}
{%- endmacro %}

{% macro default__trim_text(expression) -%}
    {{ regexp_remove_all(expression, '^' ~ whitespace_class() ~ '+|' ~ whitespace_class() ~ '+$') }}
{%- endmacro %}

{#- DuckDB: text that starts and ends with a printable ASCII character
    ('!' to '~', none of them whitespace) is returned as it is; only the
    rest goes through the regular expression, which costs ≈ 0.05 s per
    column and million rows here (the guard a fifth of that; the whole
    staging model ≈ 0.4 s less per 10M events, docs/benchmarks.md). -#}
{% macro duckdb__trim_text(expression) -%}
    case
        when
            ascii({{ expression }}) between 33 and 126
            and ascii(({{ expression }})[-1]) between 33 and 126
            then {{ expression }}
        else {{ default__trim_text(expression) }}
    end
{%- endmacro %}

{#- S2: the key a channel spelling is looked up by in the alias seed: lower
    case, without whitespace of any kind (whitespace_class), hyphens or
    underscores, so that `Web Push`, `web-push`, `web_push`, `webpush` and
    `web<tab>push` are one key. -#}
{% macro channel_alias_key(expression) -%}
    {{ regexp_remove_all('lower(' ~ expression ~ ')', whitespace_class() ~ '|[-_]') }}
{%- endmacro %}

{#- `value` as a SQL string literal, its quotes escaped the engine's way
    (dbt's escape_single_quotes): raw_events_path and the file names it
    matches may hold an apostrophe (`o'neil.csv`). -#}
{% macro text_literal(value) -%}
    {{ return(dbt.string_literal(dbt.escape_single_quotes(value))) }}
{%- endmacro %}
