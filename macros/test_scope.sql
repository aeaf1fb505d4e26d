{#- S12 (issue 5): the data tests of an incremental model check the rows
    written since the last run in which every one of its data tests passed,
    not the whole history again. Each incremental model stamps the run on
    every row it writes (the column its meta names, `run_stamp_column`);
    on-run-end (record_passed_data_tests) keeps, per model, the latest stamp
    its tests passed through. Rows stamped up to it were checked and have not
    changed since (a run that would change them rebuilds in full, stamping
    every row anew). Runs without tests (`dbt run`), runs whose tests failed
    or were not all selected keep the mark where it was, so the next tests
    check their rows too. The var `data_tests_scope: all` checks every row.
    DuckDB only: elsewhere every row is checked. -#}

{#- The mark: one row per model, the latest run stamp its tests passed through. -#}
{% macro passed_data_tests_marker() -%}
    {%- set staging = project_model('stg_event_rows') -%}
    {{ return(api.Relation.create(
        database=staging.database, schema=staging.schema,
        identifier='data_tests_passed_through')) }}
{%- endmacro %}

{#- The model's mark as a SQL literal, when its relation holds rows stamped
    up to it: the test reads the rows stamped after it. None (every row) when
    there is no mark, every row is newer (a full refresh since), or the var
    asks for every row. -#}
{% macro passed_data_tests_literal(relation, column) -%}
    {{ return(adapter.dispatch('passed_data_tests_literal', 'session_analytics')(
        relation, column)) }}
{%- endmacro %}

{% macro default__passed_data_tests_literal(relation, column) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro duckdb__passed_data_tests_literal(relation, column) -%}
    {%- if not execute or data_tests_scope() == 'all' -%}{{ return(none) }}{%- endif -%}
    {%- set marker = passed_data_tests_marker() -%}
    {%- if not (duckdb_table_exists(marker) and duckdb_table_exists(relation)) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set marks = run_query(
        "select cast(passed_through as " ~ dbt.type_string() ~ ") from " ~ marker
        ~ " where model_name = " ~ text_literal(relation.identifier)).columns[0].values() | list -%}
    {%- if not marks -%}{{ return(none) }}{%- endif -%}
    {%- set passed_through = "cast('" ~ marks[0] ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {#- Against the literal, so that DuckDB reads one row group, not the column. -#}
    {%- set has_older_rows = run_query(
        "select exists (select 1 from " ~ relation ~ " where " ~ column ~ " <= "
        ~ passed_through ~ ")").columns[0].values()[0] -%}
    {{ return(passed_through if has_older_rows else none) }}
{%- endmacro %}

{#- on-run-end: for each stamped model all of whose data tests (generic and
    singular) ran in this invocation and passed, its mark moves to its latest
    stamp. The tests ran after the model, so they saw every row up to it. -#}
{% macro record_passed_data_tests(results) -%}
    {{ return(adapter.dispatch('record_passed_data_tests', 'session_analytics')(results)) }}
{%- endmacro %}

{% macro default__record_passed_data_tests(results) -%}
{%- endmacro %}

{% macro duckdb__record_passed_data_tests(results) -%}
    {%- if not execute or flags.WHICH not in ('build', 'test') -%}{{ return('') }}{%- endif -%}
    {%- set passed = results
        | selectattr('status', 'equalto', 'pass')
        | map(attribute='node') | map(attribute='unique_id') | list -%}
    {%- set tests = graph.nodes.values() | selectattr('resource_type', 'equalto', 'test') | list -%}
    {%- set marker = passed_data_tests_marker() -%}
    {%- for model in project_models() if model.config.meta.get('run_stamp_column') -%}
        {%- set tested = namespace(count=0, passed=0) -%}
        {%- for test in tests if model.unique_id in test.depends_on.nodes -%}
            {%- set tested.count = tested.count + 1 -%}
            {%- set tested.passed = tested.passed + (1 if test.unique_id in passed else 0) -%}
        {%- endfor -%}
        {%- set relation = built_relation(model) -%}
        {%- if tested.count > 0 and tested.passed == tested.count and relation is not none -%}
            {%- do run_query(
                "create table if not exists " ~ marker
                ~ " (model_name " ~ dbt.type_string() ~ ", passed_through "
                ~ dbt.type_timestamp() ~ ")") -%}
            {%- do run_query(
                "delete from " ~ marker
                ~ " where model_name = " ~ text_literal(relation.identifier)) -%}
            {%- set stamp = model.config.meta['run_stamp_column'] -%}
            {%- do run_query(
                "insert into " ~ marker ~ " select " ~ text_literal(relation.identifier)
                ~ ", max(" ~ stamp ~ ") from " ~ relation
                ~ " having max(" ~ stamp ~ ") is not null") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do adapter.commit() -%}
{%- endmacro %}

{#- What a generic test reads (dbt's hook for the `where` config). A
    not_null, not_null_columns, accepted_values, unique, unique_by_sort or
    unique_combination test of a stamped model reads the rows stamped after
    its mark; a uniqueness test also reads every earlier row that shares a
    key with them, so that a key written again beside its old row is still
    found. A `where` of the test's own narrows those rows further. Other
    tests keep dbt's behaviour. -#}
{% macro get_where_subquery(relation) -%}
    {%- set dbt_behaviour = adapter.dispatch('get_where_subquery', 'dbt')(relation) -%}
    {%- if model.test_metadata.name not in (
        'not_null', 'not_null_columns', 'accepted_values', 'unique', 'unique_by_sort',
        'unique_combination') -%}
        {{ return(dbt_behaviour) }}
    {%- endif -%}
    {%- set own_where = config.get('where') -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- set column = tested.config.meta.get('run_stamp_column') if tested else none -%}
    {%- set passed_through = passed_data_tests_literal(relation, column) if column else none -%}
    {%- if passed_through is none -%}{{ return(dbt_behaviour) }}{%- endif -%}
    {%- set test_kwargs = model.test_metadata.kwargs -%}
    {%- if model.test_metadata.name in ('unique', 'unique_by_sort') -%}
        {%- set keys = [test_kwargs['column_name']] -%}
    {%- elif model.test_metadata.name == 'unique_combination' -%}
        {%- set keys = test_kwargs['columns'] -%}
    {%- else -%}
        {%- set keys = [] -%}
    {%- endif -%}
    {%- set null_checked = test_kwargs['columns'] if model.test_metadata.name == 'not_null_columns'
        else [test_kwargs.get('column_name')] -%}
    {%- set scoped -%}
        (
            select * from {{ relation }} as tested_rows
            where
            {%- if own_where %} ({{ own_where }}) and{% endif %}
            {%- if keys %} exists (
                select 1 from {{ relation }} as new_rows
                where
                    new_rows.{{ column }} > {{ passed_through }}
                    {%- for key in keys %}
                    and new_rows.{{ key }} is not distinct from tested_rows.{{ key }}
                    {%- endfor %}
            )
            {%- elif model.test_metadata.name in ('not_null', 'not_null_columns')
                and column in null_checked %}
                (
                    tested_rows.{{ column }} > {{ passed_through }}
                    or tested_rows.{{ column }} is null
                )
            {%- else %}
                {#- No `or`, so that DuckDB skips the row groups of earlier runs. #}
                tested_rows.{{ column }} > {{ passed_through }}
            {%- endif %}
        ) as dbt_subquery
    {%- endset -%}
    {{ return(scoped) }}
{%- endmacro %}
