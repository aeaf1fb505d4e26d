{#- S2: every raw row ever read, exactly once: typed, cleaned, and either
    valid or rejected with a reason. The only model that reads the raw files
    (once per run); an incremental run reads only files it has not read
    before (S12). Which valid row of an event id is staged is stg_events'
    job; when a row this run appended comes first for an id an earlier run
    published, the post-hook rebuild_when_published_copy_outranked turns
    the rest of the run into a rebuild (macros/incremental.sql).

    The contract (DuckDB only) declares event_id and properties uncompressed
    (_staging__models.yml): compressing them was most of this model's write.
    The columns holding one value per file or per run, and the mostly-false
    is_event_id_derived, are declared run-length encoded: left to choose,
    DuckDB tries every method on each, ≈ 0.5 CPU s per 10M rows for the
    five (docs/benchmarks.md). Spark's DDL has no such clause. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    meta={'run_stamp_column': '_staged_at'},
    contract={'enforced': target.type == 'duckdb'},
    pre_hook="{{ keep_raw_row_order(true) }}",
    post_hook=[
        "{{ keep_raw_row_order(false) }}",
        "{{ rebuild_when_published_copy_outranked() }}",
    ],
) }}

{#- For dbt's lineage and docs: the rows are read by read_raw_events() from
    the listed files, not through the source's relation. -#}
{%- do source('raw', 'events') %}
{%- set all_files = list_raw_event_files(var('raw_events_path')) %}
{#- Most likely a mistyped path: say so, but build (empty), as for an empty file. -#}
{%- if execute and not all_files %}
{%- do exceptions.warn("raw_events_path matches no file: " ~ var('raw_events_path')) %}
{%- endif %}
{%- if is_incremental() and execute %}
{#- S12: refuse a changed session definition before reading new files, or
    their rows would keep this run's verdicts (max_future_hours, aliases)
    after the value is set back. -#}
{%- do assert_session_definition_unchanged(
    this, ref('session_exclusion_rules'), ref('channel_aliases')) %}
    {%- set read_files = run_query(
        "select distinct _file_name from " ~ this).columns[0].values() | list %}
{%- set files = all_files | reject('in', read_files) | list %}
{#- This run's keys follow the keys of every earlier run. -#}
{%- set latest_key = latest_row_key(this) %}
{%- set row_key_offset = 0 if latest_key is none else latest_key + 1 %}
{%- else %}
{%- set files = all_files %}
{%- set row_key_offset = 0 %}
{%- endif %}

with

raw_rows as (
    {{ read_raw_events(files) }}
),

raw_file_versions as (
    {{ raw_file_versions(files) }}
),

channel_aliases as (
    select * from {{ ref('channel_aliases') }}
),

exclusion_rules as (
    select * from {{ ref('session_exclusion_rules') }}
),

-- Stored on every row, as in int_events_sessionized: each incremental table
-- refuses runs under another definition than the one its rows were built by.
session_definition as (
    {{ session_definition_sql('exclusion_rules', 'channel_aliases') }}
),

-- Which version of its file a row was read from (S12: a file changed in
-- place is read again, macros/incremental.sql).
versioned_rows as (
    select
        raw_rows.*,
        raw_file_versions._file_size,
        raw_file_versions._file_modified_at
    from raw_rows
    left join raw_file_versions
        on raw_rows._file_name = raw_file_versions._file_name
),

trimmed as (
    select
        *,
        nullif({{ trim_text('event_id') }}, '') as given_event_id,
        nullif({{ trim_text('user_id') }}, '') as trimmed_user_id,
        nullif({{ trim_text('event_name') }}, '') as trimmed_event_name,
        nullif({{ trim_text('channel') }}, '') as trimmed_channel,
        nullif({{ trim_text('source') }}, '') as trimmed_source,
        nullif({{ trim_text('platform') }}, '') as trimmed_platform,
        {{ parse_timestamp('event_ts') }} as parsed_event_ts,
        {{ parse_timestamp('loaded_at') }} as parsed_loaded_at
    from versioned_rows
),

cleaned as (
    select
        trimmed.*,
        -- S2: channel spellings map to one canonical name through the seed.
        coalesce(channel_aliases.channel, trimmed.trimmed_channel) as canonical_channel,
        -- S1/S2: source compares case-insensitively; SDK when missing.
        case
            when trimmed.trimmed_source is null then 'SDK'
            when upper(trimmed.trimmed_source) in ('SDK', 'API')
                then upper(trimmed.trimmed_source)
            else trimmed.trimmed_source
        end as canonical_source
    from trimmed
    left join channel_aliases
        on
            {{ channel_alias_key('trimmed.trimmed_channel') }} = channel_aliases.alias_key
),

validated as (
    select
        *,
        -- S2: the first rule a row breaks is its reason. The run's time
        -- stands in for a missing loaded_at.
        case
            when trimmed_user_id is null then 'missing_user_id'
            when trimmed_event_name is null then 'missing_event_name'
            when
                parsed_event_ts is null
                and nullif(
                    {{ trim_text('cast(event_ts as ' ~ dbt.type_string() ~ ')') }}, ''
                ) is null
                then 'missing_event_ts'
            when parsed_event_ts is null then 'invalid_event_ts'
            when {{ is_beyond_max_future('parsed_event_ts', 'parsed_loaded_at') }}
                then 'future_event_ts'
        end as reject_reason
    from cleaned
),

final as (
    select
        _file_name,
        _file_row_number,
        _file_size,
        _file_modified_at,
        -- The row's key: what the narrow int_events_sessionized points to.
        {{ row_key_offset }} + _read_key as _row_key,
        -- S2: rows without an id get one derived from their content.
        case
            when reject_reason is not null then null
            when given_event_id is not null then given_event_id
            else {{ hash_key([
                'trimmed_user_id', 'trimmed_event_name', epoch_microseconds('parsed_event_ts'),
                'canonical_channel', 'canonical_source', 'properties',
            ]) }}
        end as event_id,
        given_event_id is null as is_event_id_derived,
        trimmed_user_id as user_id,
        trimmed_event_name as event_name,
        parsed_event_ts as event_ts,
        canonical_channel as channel,
        canonical_source as source,
        trimmed_platform as platform,
        properties,
        parsed_loaded_at as loaded_at,
        reject_reason,
        -- Raw values are what the quarantine shows: kept for rejected rows only.
        case when reject_reason is not null then {{ raw_values_json() }} end as raw_values,
        {{ run_started_at_utc() }} as _staged_at,
        (select session_definition.fingerprint from session_definition) as _session_definition_hash
    from validated
)

select * from final
