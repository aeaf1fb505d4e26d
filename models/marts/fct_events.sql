{#- S11: one row per staged event with its CT Session ID (S5). A view over
    the incremental int_events_sessionized: the 10M-row table is written
    once per build, not twice (issue 6); reading it costs the same. -#}
{{ config(materialized='view') }}

with

events as (
    select * from {{ ref('int_events_sessionized') }}
),

final as (
    select
        event_id,
        user_id,
        ct_session_id,
        event_name,
        channel,
        source,
        platform,
        properties,
        is_sessionable,
        is_event_id_derived,
        event_ts,
        loaded_at
    from events
)

select * from final
