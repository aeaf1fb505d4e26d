{#- One row per day, `day_count` days ending on `end_date` (a date
    expression), in a column named `column_name`. -#}
{% macro date_spine(end_date, day_count, column_name='spine_date') -%}
    {{ return(adapter.dispatch('date_spine', 'session_analytics')(end_date, day_count, column_name)) }}
{%- endmacro %}

{% macro default__date_spine(end_date, day_count, column_name) -%}
    select explode(sequence(
        date_sub({{ end_date }}, {{ day_count }} - 1), {{ end_date }}, interval 1 day
    )) as {{ column_name }}
{%- endmacro %}

{% macro duckdb__date_spine(end_date, day_count, column_name) -%}
    select cast(generated.generate_series as date) as {{ column_name }}
    from generate_series(
        cast({{ end_date }} as date) - cast({{ day_count }} - 1 as integer),
        cast({{ end_date }} as date),
        interval 1 day
    ) as generated
{%- endmacro %}
