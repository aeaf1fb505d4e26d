{#- S12: how a model whose incremental runs replace rows it already holds
    is materialized, per engine. `unique_key` names the rows a run replaces:
    every existing row whose key is among the new rows' keys goes, and the
    new rows come in. `one_row_per_key`: the key identifies a single row (an
    event), rather than a group of rows that may shrink (a user's sessions,
    where a late event can merge two sessions into one). Models call
    config(**restating_model_config(...)). -#}
{% macro restating_model_config(unique_key, one_row_per_key=true) -%}
    {{ return(adapter.dispatch('restating_model_config', 'session_analytics')(
        unique_key, one_row_per_key)) }}
{%- endmacro %}

{#- DuckDB and most warehouses: delete the keys' rows, insert the new ones. -#}
{% macro default__restating_model_config(unique_key, one_row_per_key) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
    }) }}
{%- endmacro %}

{#- dbt-spark has no delete+insert. MERGE needs a table format that can
    update rows (Delta, Iceberg, Hudi: var `spark_file_format`); then a
    one-row-per-key model merges on its key, which replaces exactly the rows
    delete+insert would. A group key cannot be merged (MERGE updates and
    inserts but cannot drop the group's rows that vanished), and plain
    Parquet tables cannot be merged at all: those models are rebuilt in full
    on every run, which gives the same rows. -#}
{% macro spark__restating_model_config(unique_key, one_row_per_key) -%}
    {%- set file_format = spark_file_format() -%}
    {%- if one_row_per_key and file_format in ('delta', 'iceberg', 'hudi') -%}
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
