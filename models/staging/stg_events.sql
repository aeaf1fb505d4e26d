{#- S2: the staged events: valid, cleaned, one row per event id, the first
    loaded row winning. Most ids occur once; only ids seen more than once
    (in this batch or already staged) are ranked, so de-duplication costs a
    hash aggregate, not a sort of every row. Incremental (S12): an event
    staged by an earlier run is never restated, so a later copy of it is a
    duplicate. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
) }}

with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

valid_rows as (
    select * from event_rows
    where
        reject_reason is null -- noqa: LT02
        {%- if is_incremental() %}
        and _staged_at > (select max(staged._staged_at) from {{ this }} as staged)
        {%- endif %}
),

{%- if is_incremental() %}

already_staged_ids as (
    select staged.event_id
    from {{ this }} as staged
    inner join valid_rows
        on staged.event_id = valid_rows.event_id
),
{%- endif %}

repeated_ids as (
    select event_id
    from valid_rows
    group by event_id
    having count(*) > 1
    {%- if is_incremental() %}
    union
    select event_id from already_staged_ids
    {%- endif %}
),

single_rows as (
    select valid_rows.*
    from valid_rows
    left join repeated_ids
        on valid_rows.event_id = repeated_ids.event_id
    where repeated_ids.event_id is null
),

-- S2: among rows sharing an id, the first loaded wins: earliest loaded_at
-- (the run's time when missing), then file, then row, then content.
ranked_repeated_rows as (
    select
        valid_rows.*,
        row_number() over (
            partition by valid_rows.event_id
            order by
                coalesce(valid_rows.loaded_at, valid_rows._staged_at),
                valid_rows._file_name,
                valid_rows._file_row_number,
                valid_rows.event_ts,
                valid_rows.user_id,
                valid_rows.event_name,
                valid_rows.channel,
                valid_rows.source,
                valid_rows.platform,
                valid_rows.properties
        ) as event_id_rank
    from valid_rows
    inner join repeated_ids
        on valid_rows.event_id = repeated_ids.event_id
),

first_loaded_repeated_rows as (
    select ranked_repeated_rows.*
    from ranked_repeated_rows
    {%- if is_incremental() %}
    left join already_staged_ids
        on ranked_repeated_rows.event_id = already_staged_ids.event_id
    {%- endif %}
    where
        ranked_repeated_rows.event_id_rank = 1 -- noqa: LT02
        {%- if is_incremental() %}
        and already_staged_ids.event_id is null
        {%- endif %}
),

staged_rows as (
    {%- for relation in ['single_rows', 'first_loaded_repeated_rows'] %}
    select
        event_id,
        user_id,
        event_name,
        event_ts,
        channel,
        source,
        platform,
        properties,
        is_event_id_derived,
        loaded_at,
        _staged_at
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select * from staged_rows
)

select * from final
