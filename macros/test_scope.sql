{#- S12 (issue 5): in an incremental run, the data tests of an incremental
    model check the rows the latest run wrote, not the whole history again:
    earlier rows were checked by the run that wrote them and no run since
    has changed them (a run that would, rebuilds in full: macros/incremental.sql).
    A full refresh writes every row in one run, so its tests check them all.
    The var `data_tests_scope: all` checks every row in any run. -#}

{#- Which rows the latest run wrote, as a SQL literal of `column` (the run
    marker a model stamps on every row it writes): none when all rows are
    one run's (a full refresh), the relation is empty or not built yet, or
    the var asks for every row. A literal rather than a subquery, so that DuckDB
    skips the row groups of earlier runs. -#}
{% macro latest_run_literal(relation, column) -%}
    {%- if not execute or data_tests_scope() == 'all' or load_relation(relation) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set bounds = run_query(
        'select cast(min(' ~ column ~ ') as ' ~ dbt.type_string() ~ '), cast(max('
        ~ column ~ ') as ' ~ dbt.type_string() ~ ') from ' ~ relation).rows[0] -%}
    {%- if bounds[1] is none or bounds[0] == bounds[1] -%}{{ return(none) }}{%- endif -%}
    {{ return("cast('" ~ bounds[1] ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#- What a generic test reads (dbt's hook for the `where` config). A test
    of a model whose meta names its run marker (`latest_run_column`) reads
    the rows the latest run wrote; a uniqueness test also reads every
    earlier row that shares a key with them, so that a key written again
    beside its old row is still found. A test with a `where` of its own
    keeps dbt's behaviour. -#}
{% macro get_where_subquery(relation) -%}
    {%- if config.get('where') -%}
        {{ return(dbt.default__get_where_subquery(relation)) }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- set column = tested.config.meta.get('latest_run_column') if tested else none -%}
    {%- set latest = latest_run_literal(relation, column) if column else none -%}
    {%- if latest is none -%}{{ return(relation) }}{%- endif -%}
    {%- set test_kwargs = model.test_metadata.kwargs -%}
    {%- if model.test_metadata.name == 'unique' -%}
        {%- set keys = [test_kwargs['column_name']] -%}
    {%- elif model.test_metadata.name == 'unique_combination' -%}
        {%- set keys = test_kwargs['columns'] -%}
    {%- else -%}
        {%- set keys = [] -%}
    {%- endif -%}
    {%- set scoped -%}
        (
            select * from {{ relation }} as tested_rows
            where
            {%- if keys %} exists (
                select 1 from {{ relation }} as latest_rows
                where
                    latest_rows.{{ column }} = {{ latest }}
                    {%- for key in keys %}
                    and latest_rows.{{ key }} = tested_rows.{{ key }}
                    {%- endfor %}
            )
            {%- else %} tested_rows.{{ column }} = {{ latest }}
            {%- endif %}
        ) as dbt_subquery
    {%- endset -%}
    {{ return(scoped) }}
{%- endmacro %}
