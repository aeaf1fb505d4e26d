{#- None of `columns` is NULL in any row: one failing row per column that
    is, with how many NULLs it has (so dbt's failure count is a number of
    columns). dbt's not_null checks one column per test, and each test is a
    dbt node with its own overhead (≈ 20–50 ms of dbt's work on a small
    table): a 10M-event `dbt build` without its 52 per-column not_null
    tests took ≈ 1.9 s less (docs/benchmarks.md, 2026-12-07). The model is
    read once, on Spark too, which does not materialize a CTE read twice.
    An incremental run's test reads the rows written since
    (get_where_subquery). -#}
{% test not_null_columns(model, columns) %}

with

null_counts as (
    select
        {%- for column in columns %}
        count(*) - count({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
),

column_names as (
    {%- for column in columns %}
    select '{{ column }}' as column_name
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

counted as (
    select
        column_names.column_name,
        case column_names.column_name
            {%- for column in columns %}
            when '{{ column }}' then null_counts.{{ column }}
            {%- endfor %}
        end as null_count
    from null_counts
    cross join column_names
),

final as (
    select * from counted
    where null_count > 0
)

select * from final

{% endtest %}
