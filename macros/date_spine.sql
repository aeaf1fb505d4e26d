{#- One row per day from `start_date` to `end_date` (date expressions, both
    included), in a column named `column_name`. -#}
{% macro date_spine(start_date, end_date, column_name='spine_date') -%}
    {{ return(adapter.dispatch('date_spine', 'session_analytics')(start_date, end_date, column_name)) }}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date, column_name) -%}
    {{ not_implemented_for_adapter('date_spine') }}
{%- endmacro %}

{% macro spark__date_spine(start_date, end_date, column_name) -%}
    select explode(sequence({{ start_date }}, {{ end_date }}, interval 1 day)) as {{ column_name }}
{%- endmacro %}

{% macro duckdb__date_spine(start_date, end_date, column_name) -%}
    select cast(generated.generate_series as date) as {{ column_name }}
    from generate_series(
        cast({{ start_date }} as date),
        cast({{ end_date }} as date),
        interval 1 day
    ) as generated
{%- endmacro %}
