{#- S11: one row per staged event with its CT Session ID (S5). A view: the
    session columns come from the narrow int_events_sessionized, the event's
    own columns from the staged row it points to (`_row_key`), so no 10M-row
    table is written twice (issue 6). A read pays a join on a bigint key:
    ≈ 0.6 s for every event's payload at 10M events (docs/benchmarks.md). -#}
{{ config(materialized='view') }}

with

sessionized_events as (
    select * from {{ ref('int_events_sessionized') }}
),

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

final as (
    select
        event_rows.event_id,
        sessionized_events.user_id,
        sessionized_events.ct_session_id,
        event_rows.event_name,
        event_rows.channel,
        event_rows.source,
        event_rows.platform,
        event_rows.properties,
        sessionized_events.is_sessionable,
        event_rows.is_event_id_derived,
        sessionized_events.event_ts,
        event_rows.loaded_at
    from sessionized_events
    inner join event_rows
        on sessionized_events._row_key = event_rows._row_key
)

select * from final
