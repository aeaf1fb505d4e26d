{#- S2: every raw row ever read, once, with its outcome: staged, duplicate or
    rejected. The only model that reads the raw files (once per run); an
    incremental run reads only files it has not read before (S12). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
) }}

{%- set raw_events = source('raw', 'events') %}
{%- set all_files = list_raw_event_files(var('raw_events_path')) %}
{%- if is_incremental() and execute %}
    {%- set read_files = run_query(
        "select distinct _file_name from " ~ this).columns[0].values() | list %}
{%- set files = all_files | reject('in', read_files) | list %}
{%- else %}
    {%- set files = all_files %}
{%- endif %}

with

raw_rows as (
    {{ read_raw_events(files) }}
),

channel_aliases as (
    select * from {{ ref('channel_aliases') }}
),

trimmed as (
    select
        _file_name,
        _file_row_number,
        event_id as raw_event_id,
        user_id as raw_user_id,
        event_name as raw_event_name,
        cast(event_ts as {{ dbt.type_string() }}) as raw_event_ts,
        channel as raw_channel,
        source as raw_source,
        platform as raw_platform,
        properties as raw_properties,
        cast(loaded_at as {{ dbt.type_string() }}) as raw_loaded_at,
        properties,
        nullif(trim(event_id), '') as given_event_id,
        nullif(trim(user_id), '') as user_id,
        nullif(trim(event_name), '') as event_name,
        nullif(trim(channel), '') as trimmed_channel,
        nullif(trim(source), '') as trimmed_source,
        nullif(trim(platform), '') as platform,
        {{ parse_timestamp('event_ts') }} as event_ts,
        {{ parse_timestamp('loaded_at') }} as loaded_at
    from raw_rows
),

cleaned as (
    select
        trimmed.*,
        -- S2: channel spellings map to one canonical name through the seed.
        coalesce(channel_aliases.channel, trimmed.trimmed_channel) as channel,
        -- S1/S2: source compares case-insensitively; SDK when missing.
        case
            when trimmed.trimmed_source is null then 'SDK'
            when upper(trimmed.trimmed_source) in ('SDK', 'API')
                then upper(trimmed.trimmed_source)
            else trimmed.trimmed_source
        end as source,
        -- S2: the limit for event_ts; the run's time stands in for a missing loaded_at.
        coalesce(trimmed.loaded_at, {{ run_started_at_utc() }}) as effective_loaded_at
    from trimmed
    left join channel_aliases
        on
            replace(replace(replace(lower(trimmed.trimmed_channel), ' ', ''), '-', ''), '_', '')
            = channel_aliases.alias_key
),

validated as (
    select
        *,
        -- S2: the first rule a row breaks is its reason.
        case
            when user_id is null then 'missing_user_id'
            when event_name is null then 'missing_event_name'
            when nullif(trim(raw_event_ts), '') is null then 'missing_event_ts'
            when event_ts is null then 'invalid_event_ts'
            when event_ts > {{ add_seconds('effective_loaded_at', var('max_future_hours') * 3600) }}
                then 'future_event_ts'
        end as reject_reason
    from cleaned
),

identified as (
    select
        *,
        -- S2: rows without an id get one derived from their content.
        coalesce(
            given_event_id,
            case when reject_reason is null then {{ hash_key([
                'user_id', 'event_name', epoch_microseconds('event_ts'),
                'channel', 'source', 'properties',
            ]) }} end
        ) as event_id,
        given_event_id is null as is_event_id_derived
    from validated
),

{%- if is_incremental() %}

already_staged as (
    select event_id from {{ this }}
    where
        row_status = 'staged'
        and event_id in (select identified.event_id from identified)
),
{%- endif %}

ranked as (
    select
        identified.*,
        -- S2: the first loaded row of an event id wins; later ones are duplicates.
        case
            when identified.reject_reason is not null then null
            else row_number() over (
                partition by identified.reject_reason is null, identified.event_id
                order by
                    identified.effective_loaded_at,
                    identified._file_name,
                    identified._file_row_number,
                    identified.event_ts,
                    identified.user_id,
                    identified.event_name,
                    identified.channel,
                    identified.source,
                    identified.platform,
                    identified.properties
            )
        end as event_id_rank
    from identified
),

final as (
    select
        ranked._file_name,
        ranked._file_row_number,
        case when ranked.reject_reason is null then ranked.event_id end as event_id,
        ranked.is_event_id_derived,
        ranked.user_id,
        ranked.event_name,
        ranked.event_ts,
        ranked.channel,
        ranked.source,
        ranked.platform,
        ranked.properties,
        ranked.loaded_at,
        case
            when ranked.reject_reason is not null then 'rejected'
            when ranked.event_id_rank > 1 then 'duplicate'
            {%- if is_incremental() %}
            when already_staged.event_id is not null then 'duplicate'
            {%- endif %}
            else 'staged'
        end as row_status,
        ranked.reject_reason,
        -- Raw values are what the quarantine shows; kept for rejected rows only.
        {%- for column in raw_event_columns() %}
        case when ranked.reject_reason is not null then ranked.raw_{{ column }} end
            as raw_{{ column }},
        {%- endfor %}
        {{ run_started_at_utc() }} as _staged_at
    from
        ranked
    {%- if is_incremental() %}
left join already_staged
    on ranked.event_id = already_staged.event_id
    {%- endif %}
)

select * from final
