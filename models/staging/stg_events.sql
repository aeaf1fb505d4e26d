{#- S2: the staged events: valid, cleaned, one row per event id. -#}
with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

final as (
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
    from event_rows
    where row_status = 'staged'
)

select * from final
