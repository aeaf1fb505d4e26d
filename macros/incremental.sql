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
    {{ return(var('spark_file_format') or ('delta' if target.type == 'databricks' else 'parquet')) }}
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

{#- S12: incremental runs assume the raw files only grow by new files, and
    that a row's verdict does not change once staged. The warehouse must
    become what a full refresh over the files there now gives, not keep rows
    of what was read, when
    - a file stg_event_rows read has changed in place (another size or
      modification time) or left raw_events_path, or stg_event_rows was
      built before it recorded file versions or the session definition;
    - a verdict an earlier run made on a row without loaded_at, judged
      against that run's start, has come due (run_start_verdicts_come_due).
    (A changed session definition fails instead:
    assert_session_definition_unchanged.)

    on-run-start (rebuild_when_staged_rows_outdated) then writes a marker table
    beside stg_event_rows; while it exists, should_full_refresh is true for
    every incremental model of the project, so each is built in full the
    way --full-refresh builds it (into a new table that replaces the old one
    only when it succeeds); on-run-end (clear_rebuild_marker) drops the
    marker once every incremental model has been rebuilt by a run. A failed
    or partial run leaves it for the next run. A glob that matches no file
    at all (a mistyped path, a missing mount) rebuilds nothing: the models
    warn and keep what they hold. Spark: not checked (README). -#}
{% macro rebuild_when_staged_rows_outdated() -%}
    {{ return(adapter.dispatch('rebuild_when_staged_rows_outdated', 'session_analytics')()) }}
{%- endmacro %}

{% macro default__rebuild_when_staged_rows_outdated() -%}
{%- endmacro %}

{% macro duckdb__rebuild_when_staged_rows_outdated() -%}
    {%- if not execute or flags.FULL_REFRESH or flags.WHICH not in ('run', 'build') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set staging = project_model('stg_event_rows') -%}
    {%- if staging.unique_id not in selected_resources -%}{{ return('') }}{%- endif -%}
    {%- set staged_rows = built_relation(staging) -%}
    {%- set files = list_raw_event_files(var('raw_events_path')) -%}
    {%- if staged_rows is none or not files -%}{{ return('') }}{%- endif -%}

    {%- set column_names = adapter.get_columns_in_relation(staged_rows)
        | map(attribute='name') | map('lower') | list -%}
    {%- if rebuild_pending() -%}
        {%- set reason = "a rebuild an earlier run started has not finished" -%}
    {%- elif '_file_modified_at' not in column_names -%}
        {%- set reason = "it was built before it recorded the raw files' versions" -%}
    {%- elif '_session_definition_hash' not in column_names -%}
        {%- set reason = "it was built before it recorded the session definition's hash" -%}
    {%- else -%}
        {%- set changed = run_query(
            "select read_files._file_name"
            ~ " from (select distinct _file_name, _file_size, _file_modified_at from "
            ~ staged_rows ~ ") as read_files"
            ~ " left join (" ~ raw_file_versions(files) ~ ") as current_files"
            ~ " on read_files._file_name = current_files._file_name"
            ~ " and read_files._file_size is not distinct from current_files._file_size"
            ~ " and read_files._file_modified_at is not distinct from current_files._file_modified_at"
            ~ " where current_files._file_name is null"
            ~ " order by read_files._file_name limit 3").columns[0].values() | list -%}
        {%- if changed -%}
            {%- set reason = "raw files it read have changed or left raw_events_path: "
                ~ changed | join(', ') ~ (' …' if changed | length == 3 else '') -%}
        {%- else -%}
            {%- set reason = run_start_verdicts_come_due(staged_rows) -%}
            {%- if reason is none -%}{{ return('') }}{%- endif -%}
        {%- endif -%}
    {%- endif -%}

    {%- do log(staging.name ~ " is rebuilt with every incremental model, because "
        ~ reason, info=true) -%}
    {%- do request_rebuild(reason) -%}
    {%- do adapter.commit() -%}
{%- endmacro %}

{#- S2 judges a row without loaded_at as loaded at the run's start, so two of
    its verdicts move with time; once a later run's start has passed them, a
    full refresh would decide otherwise. The reason to rebuild (none when
    nothing has come due):
    - a row rejected as future_event_ts is no longer beyond max_future_hours
      (is_beyond_max_future);
    - a copy with a loaded_at now comes before the published copy of its id
      that has none (first_loaded_order). Such a copy lost at the start
      stamped on it (the run that staged it, or the rebuild that stamped it
      again), so its loaded_at is at or after that stamp, and at or before
      this run's start. It is also at or after the latest stamp: had this
      check's earlier run, which stamped it, started after that loaded_at,
      it would have rebuilt then. Only those ids are ranked again; the
      latest stamp is a constant, so DuckDB's zone maps skip the row groups
      loaded before it. An id none of whose copies is published is not
      sessionized yet (staging ran alone): int_events_sessionized decides it.
    Rejected rows are few, and reject_reason's zone maps skip the rest. -#}
{% macro run_start_verdicts_come_due(staged_rows) -%}
    {%- set due_rejects = run_query(
        "select _file_name || ' row ' || cast(_file_row_number as " ~ dbt.type_string() ~ ")"
        ~ " from " ~ staged_rows
        ~ " where reject_reason = 'future_event_ts' and loaded_at is null"
        ~ " and not (" ~ is_beyond_max_future('event_ts', 'loaded_at') ~ ")"
        ~ " order by _file_name, _file_row_number limit 3").columns[0].values() | list -%}
    {%- if due_rejects -%}
        {{ return("rows without loaded_at rejected as future_event_ts by an earlier run"
            ~ " are within max_future_hours of this run's start: "
            ~ due_rejects | join(', ') ~ (' …' if due_rejects | length == 3 else '')) }}
    {%- endif -%}
    {%- set published_events = built_relation(project_model('int_events_sessionized')) -%}
    {%- if published_events is none -%}{{ return(none) }}{%- endif -%}
    {%- set staged_through = latest_timestamp_literal(staged_rows, '_staged_at') -%}
    {%- if staged_through is none -%}{{ return(none) }}{%- endif -%}
    {%- set overtaken_ids -%}
        with

        passed_ids as (
            select event_id from {{ staged_rows }}
            where
                reject_reason is null
                and loaded_at >= {{ staged_through }}
                and loaded_at >= _staged_at
                and loaded_at <= {{ run_started_at_utc() }}
        ),

        candidate_rows as (
            select
                staged_rows.*,
                published_events._row_key is not null as is_published
            from {{ staged_rows }} as staged_rows
            left join {{ published_events }} as published_events
                on staged_rows._row_key = published_events._row_key
            where
                staged_rows.reject_reason is null
                and staged_rows.event_id in (select passed_ids.event_id from passed_ids)
        ),

        ranked_rows as (
            select
                candidate_rows.event_id,
                candidate_rows.is_published,
                bool_or(candidate_rows.is_published) over (
                    partition by candidate_rows.event_id
                ) as is_event_id_published,
                {{ first_loaded_rank('candidate_rows') | indent(16) }} as event_id_rank
            from candidate_rows
        )

        select event_id from ranked_rows
        where event_id_rank = 1 and not is_published and is_event_id_published
        order by event_id
        limit 3
    {%- endset -%}
    {%- set overtaken = run_query(overtaken_ids).columns[0].values() | list -%}
    {%- if overtaken -%}
        {{ return("copies whose loaded_at this run's start has passed now come before"
            ~ " the copies without loaded_at published earlier, of event ids "
            ~ overtaken | join(', ') ~ (' …' if overtaken | length == 3 else '')) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- S2/S12: the first loaded row of an event id wins, whichever run staged
    it (first_loaded_order). When a row staged by this run comes before
    the copy an earlier run published (an earlier loaded_at, the earlier
    copy had none, or an earlier file name at the same loaded_at), the
    event may have another user or time: the run rebuilds every
    incremental model after stg_event_rows in full, as for a changed file,
    rather than restate the published copy in place. Normally later files
    carry later loaded_at and this never fires. A post-hook of
    stg_event_rows (after its rows are appended); compares only the ids
    this run staged with the rows an earlier run staged for them. -#}
{% macro rebuild_when_published_copy_outranked() -%}
    {{ return(adapter.dispatch('rebuild_when_published_copy_outranked', 'session_analytics')()) }}
{%- endmacro %}

{% macro default__rebuild_when_published_copy_outranked() -%}
{%- endmacro %}

{% macro duckdb__rebuild_when_published_copy_outranked() -%}
    {%- if not execute or not is_incremental() -%}{{ return('') }}{%- endif -%}
    {%- set published_events = built_relation(project_model('int_events_sessionized')) -%}
    {%- set published_up_to = none if published_events is none
        else latest_row_key(published_events) -%}
    {%- if published_up_to is none -%}{{ return('') }}{%- endif -%}
    {#- A new row can only come first if it was loaded no later than some
        earlier row: when every new row was loaded after all earlier ones
        (loaders stamping loaded_at), two scans of loaded_at settle it and
        the ids are not compared. -#}
    {%- set loaded_range = run_query(
        "select (select min(" ~ loaded_at_or_run_start('loaded_at') ~ ") from " ~ this
        ~ " where reject_reason is null and _row_key > " ~ published_up_to
        ~ "), (select max(" ~ loaded_at_or_run_start('loaded_at') ~ ") from " ~ this
        ~ " where reject_reason is null and _row_key <= " ~ published_up_to ~ ")").rows[0] -%}
    {%- if loaded_range[0] is none or loaded_range[1] is none
        or loaded_range[0] > loaded_range[1] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set outranking_ids -%}
        with

        new_rows as (
            select * from {{ this }}
            where reject_reason is null and _row_key > {{ published_up_to }}
        ),

        earlier_rows as (
            select * from {{ this }}
            where
                reject_reason is null
                and _row_key <= {{ published_up_to }}
                and event_id in (select new_rows.event_id from new_rows)
        ),

        candidate_rows as (
            select true as is_new, new_rows.* from new_rows
            where new_rows.event_id in (select earlier_rows.event_id from earlier_rows)
            union all
            select false as is_new, earlier_rows.* from earlier_rows
        ),

        ranked_rows as (
            select
                candidate_rows.event_id,
                candidate_rows.is_new,
                {{ first_loaded_rank('candidate_rows') | indent(16) }} as event_id_rank
            from candidate_rows
        )

        select event_id from ranked_rows
        where event_id_rank = 1 and is_new
        order by event_id
        limit 3
    {%- endset -%}
    {%- set outranking = run_query(outranking_ids).columns[0].values() | list -%}
    {%- if outranking -%}
        {%- set reason = "rows staged now come before the copies published earlier of event ids "
            ~ outranking | join(', ') ~ (' …' if outranking | length == 3 else '') -%}
        {%- do log("The incremental models after " ~ model.name ~ " are rebuilt in full"
            ~ " (by this run, or the next that builds them), because " ~ reason, info=true) -%}
        {%- do request_rebuild(reason) -%}
    {%- endif -%}
{%- endmacro %}

{#- Marks every incremental model for a rebuild in full (should_full_refresh)
    until clear_rebuild_marker drops the marker. -#}
{% macro request_rebuild(reason) -%}
    {%- do run_query(
        "create table if not exists " ~ rebuild_marker()
        ~ " as select " ~ text_literal(reason) ~ " as reason, "
        ~ run_started_at_utc() ~ " as requested_at") -%}
{%- endmacro %}

{% macro project_models() -%}
    {{ return(graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('package_name', 'equalto', project_name) | list) }}
{%- endmacro %}

{% macro project_model(name) -%}
    {{ return(project_models() | selectattr('name', 'equalto', name) | first) }}
{%- endmacro %}

{#- The relation a model's node is built as, none before it is built. -#}
{% macro built_relation(node) -%}
    {{ return(adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{% macro rebuild_marker() -%}
    {%- set staging = project_model('stg_event_rows') -%}
    {{ return(api.Relation.create(
        database=staging.database, schema=staging.schema,
        identifier=staging.alias ~ '__rebuild_pending')) }}
{%- endmacro %}

{% macro rebuild_pending() -%}
    {{ return(adapter.dispatch('rebuild_pending', 'session_analytics')()) }}
{%- endmacro %}

{% macro default__rebuild_pending() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro duckdb__rebuild_pending() -%}
    {{ return(duckdb_table_exists(rebuild_marker())) }}
{%- endmacro %}

{#- Whether the DuckDB table exists, asked of the database rather than dbt's
    relation cache, which does not see tables hooks create. -#}
{% macro duckdb_table_exists(relation) -%}
    {{ return(run_query(
        "select count(*) from duckdb_tables() where database_name = "
        ~ text_literal(relation.database) ~ " and schema_name = "
        ~ text_literal(relation.schema) ~ " and table_name = "
        ~ text_literal(relation.identifier)).columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- dbt's rule (the model's full_refresh config, else --full-refresh), and
    for the project's incremental models a pending raw-files rebuild. Root
    project macros take precedence over dbt's, so the incremental
    materializations and is_incremental() call this one. -#}
{% macro should_full_refresh() -%}
    {%- set full_refresh = dbt.should_full_refresh() -%}
    {%- if not full_refresh and execute
        and model.resource_type == 'model'
        and model.package_name == project_name
        and config.get('materialized') == 'incremental' -%}
        {%- set full_refresh = rebuild_pending() -%}
    {%- endif -%}
    {{ return(full_refresh) }}
{%- endmacro %}

{#- on-run-end: the marker goes once every incremental model of the project
    was rebuilt by this run. -#}
{% macro clear_rebuild_marker(results) -%}
    {%- if not execute or target.type != 'duckdb' -%}{{ return('') }}{%- endif -%}
    {%- set rebuilt = results
        | selectattr('status', 'equalto', 'success')
        | map(attribute='node') | map(attribute='unique_id') | list -%}
    {%- for model in project_models()
        | selectattr('config.materialized', 'equalto', 'incremental') -%}
        {%- if model.unique_id not in rebuilt -%}{{ return('') }}{%- endif -%}
    {%- endfor -%}
    drop table if exists {{ rebuild_marker() }}
{%- endmacro %}
