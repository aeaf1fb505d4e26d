{#- None of `columns` is NULL in any row: one row per column that is, with
    how many NULLs it has. dbt's not_null checks one column per test; each
    test is a node, and dbt's own work per node (≈ 40 ms) is what a model's
    column tests cost on small tables: one test per model instead of one
    per column took ≈ 1.9 s off a 10M-event `dbt build` (docs/benchmarks.md).
    An incremental run's test reads the rows written since (get_where_subquery). -#}
{% test not_null_columns(model, columns) %}

with

null_counts as (
    select
        {%- for column in columns %}
        count(*) - count({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
),

final as (
    {%- for column in columns %}
    select
        '{{ column }}' as column_name,
        {{ column }} as null_count
    from null_counts
    where {{ column }} > 0
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from final

{% endtest %}
