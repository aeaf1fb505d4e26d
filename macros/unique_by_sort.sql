{#- The SQL of the unique_by_sort test (tests/generic): the rows of dbt's
    unique (each repeated value with its number of rows), found by sorting.
    On DuckDB a column stored in ascending order or nearly, as
    stg_event_rows' _row_key (each run's keys follow the earlier runs', in
    read order; Parquet rows are written in about that order), sorts at
    well under half a hash aggregate's cost: 0.22 s against 0.60–0.72 s for
    10M keys, 3.7–3.8 s against 8.3–9.8 s for 100M; in no particular order
    the two cost about the same (docs/benchmarks.md, 2026-12-07). Elsewhere
    it is dbt's unique: a window over the whole table runs in one task on
    Spark. -#}
{% macro default__test_unique_by_sort(model, column_name) -%}
    {{ adapter.dispatch('test_unique', 'dbt')(model, column_name) }}
{%- endmacro %}

{% macro duckdb__test_unique_by_sort(model, column_name) -%}

with

sorted_values as (
    select
        {{ column_name }} as unique_field,
        lag({{ column_name }}) over (order by {{ column_name }}) as previous_value
    from {{ model }}
),

repeats as (
    select unique_field
    from sorted_values
    where unique_field = previous_value
),

final as (
    select
        unique_field,
        count(*) + 1 as n_records
    from repeats
    group by unique_field
)

select * from final

{%- endmacro %}
