{#- S12: how a model whose incremental runs replace rows it already holds
    is materialized, per engine. `unique_key` names the rows a run replaces.
    Without `restate_column` the key identifies a single row (an event):
    every existing row whose key is among the new rows' keys goes, and the
    new rows come in. With it the key names a group (a user's sessions),
    and the run replaces each group's rows from the group's earliest
    `restate_column` value among the new rows on (see restated_groups
    below). Models call config(**restating_model_config(...)). -#}
{% macro restating_model_config(unique_key, restate_column=none) -%}
    {{ return(adapter.dispatch('restating_model_config', 'session_analytics')(
        unique_key, restate_column)) }}
{%- endmacro %}

{#- DuckDB: delete the replaced rows, insert the new ones. (restated_groups'
    `delete … using` is also Postgres and Snowflake SQL; BigQuery would need
    a strategy of its own.) -#}
{% macro default__restating_model_config(unique_key, restate_column) -%}
    {%- if restate_column is none -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'delete+insert',
            'unique_key': unique_key,
        }) }}
    {%- else -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'restated_groups',
            'unique_key': unique_key,
            'restate_column': restate_column,
        }) }}
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark has no delete+insert. MERGE needs a table format that can
    update rows (Delta, Iceberg, Hudi: var `spark_file_format`); then a
    one-row-per-key model merges on its key, which replaces exactly the rows
    delete+insert would. A group cannot be merged (MERGE updates and
    inserts but cannot drop the group's rows that vanished), and plain
    Parquet tables cannot be merged at all: those models are rebuilt in full
    on every run, which gives the same rows. -#}
{% macro spark__restating_model_config(unique_key, restate_column) -%}
    {%- set file_format = spark_file_format() -%}
    {%- if restate_column is none and file_format in ('delta', 'iceberg', 'hudi') -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'merge',
            'unique_key': unique_key,
            'file_format': file_format,
        }) }}
    {%- else -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
{%- endmacro %}

{#- The `restated_groups` incremental strategy (a dbt custom strategy): per
    key in the new rows, the target's rows whose `restate_column` is at or
    after the key's earliest value among the new rows are deleted, and the
    new rows inserted. For int_sessions: a restated user's sessions from the
    restate point on are rebuilt; the earlier ones cannot change (S12) and
    are left as they are rather than rewritten, so the work follows the
    batch, not the history. -#}
{% macro get_incremental_restated_groups_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set restate_column = config.require('restate_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as replaced_rows
    using (
        select
            {{ key }},
            min({{ restate_column }}) as restate_from
        from {{ source }}
        group by {{ key }}
    ) as restate_points
    where
        replaced_rows.{{ key }} = restate_points.{{ key }}
        and replaced_rows.{{ restate_column }} >= restate_points.restate_from;

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}

{#- The table format merged incremental models use on Spark: the var
    `spark_file_format`; Delta on Databricks, else Parquet (the local
    `spark` target has no Delta or Iceberg jars). -#}
{% macro spark_file_format() -%}
    {{ return(var('spark_file_format', 'delta' if target.type == 'databricks' else 'parquet')) }}
{%- endmacro %}

{#- The latest value of timestamp `column` in `relation`, as a SQL literal
    (none when the relation is empty). Incremental models compare with a
    literal rather than a subquery so that DuckDB skips the row groups of
    earlier runs. -#}
{% macro latest_timestamp_literal(relation, column) -%}
    {%- if not execute %}{{ return(none) }}{% endif -%}
    {%- set latest = run_query(
        'select cast(max(' ~ column ~ ') as ' ~ dbt.type_string() ~ ') from ' ~ relation
    ).columns[0].values()[0] -%}
    {{ return(none if latest is none
        else "cast('" ~ latest ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#- The largest `_row_key` in `relation` (none when it is empty): where the
    next run's staged rows are numbered from, and which of them
    int_events_sessionized has not published yet. -#}
{% macro latest_row_key(relation) -%}
    {%- if not execute %}{{ return(none) }}{% endif -%}
    {{ return(run_query('select max(_row_key) from ' ~ relation).columns[0].values()[0]) }}
{%- endmacro %}

{#- S12, on-run-start: incremental runs assume the raw files only grow by new
    files. When a file stg_event_rows read has changed in place (another
    size or modification time) or left raw_events_path, or stg_event_rows was
    built before it recorded file versions, a run that builds
    stg_event_rows drops every incremental model first, so each is built
    in full: the result equals a full refresh over the files there now,
    rather than keeping rows of files that are gone or outdated. (A changed
    session definition fails instead: assert_session_definition_unchanged.)
    dbt's relation cache forgets dropped relations, so the materialization
    sees no table and builds it. Spark: not checked (README). -#}
{% macro rebuild_when_raw_files_changed() -%}
    {{ return(adapter.dispatch('rebuild_when_raw_files_changed', 'session_analytics')()) }}
{%- endmacro %}

{% macro default__rebuild_when_raw_files_changed() -%}
{%- endmacro %}

{% macro duckdb__rebuild_when_raw_files_changed() -%}
    {%- if not execute or flags.FULL_REFRESH or flags.WHICH not in ('run', 'build') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set models = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('package_name', 'equalto', project_name) | list -%}
    {%- set staging = models | selectattr('name', 'equalto', 'stg_event_rows') | first -%}
    {%- if staging.unique_id not in selected_resources -%}{{ return('') }}{%- endif -%}
    {%- set staged_rows = adapter.get_relation(
        database=staging.database, schema=staging.schema, identifier=staging.alias) -%}
    {%- if staged_rows is none -%}{{ return('') }}{%- endif -%}

    {%- set column_names = adapter.get_columns_in_relation(staged_rows)
        | map(attribute='name') | map('lower') | list -%}
    {%- if '_file_modified_at' not in column_names -%}
        {%- set reason = "it was built before it recorded the raw files' versions" -%}
    {%- else -%}
        {%- set changed = run_query(
            "select read_files._file_name"
            ~ " from (select distinct _file_name, _file_size, _file_modified_at from "
            ~ staged_rows ~ ") as read_files"
            ~ " left join (" ~ raw_file_versions(list_raw_event_files(var('raw_events_path')))
            ~ ") as current_files"
            ~ " on read_files._file_name = current_files._file_name"
            ~ " and read_files._file_size = current_files._file_size"
            ~ " and read_files._file_modified_at = current_files._file_modified_at"
            ~ " where current_files._file_name is null"
            ~ " order by read_files._file_name limit 3").columns[0].values() | list -%}
        {%- if not changed -%}{{ return('') }}{%- endif -%}
        {%- set reason = "raw files it read have changed or left raw_events_path: "
            ~ changed | join(', ') ~ (' …' if changed | length == 3 else '') -%}
    {%- endif -%}

    {%- do log(staging.name ~ " is rebuilt with every incremental model, because "
        ~ reason, info=true) -%}
    {%- for model in models | selectattr('config.materialized', 'equalto', 'incremental') -%}
        {%- set relation = adapter.get_relation(
            database=model.database, schema=model.schema, identifier=model.alias) -%}
        {%- if relation is not none -%}
            {%- do adapter.drop_relation(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- The queries above opened a transaction; hooks run outside one. -#}
    {%- do adapter.commit() -%}
{%- endmacro %}
