{#- S11: one row per staged event with its CT Session ID (S5). A view, so
    that no 10M-row table is written twice (issue 6): the session columns
    come from the narrow int_events_sessionized, the event's own columns
    from the staged row it points to (`_row_key`), and the session's id from
    int_sessions, which hashes it once per session. A read pays the joins:
    at 10M events ≈ 0.6 s for every event's payload, and ≈ 0.3–0.6 s more
    on a full read for the join to the sessions, which DuckDB keeps even
    when no session column is read (docs/benchmarks.md). -#}
{{ config(materialized='view') }}

with

sessionized_events as (
    select * from {{ ref('int_events_sessionized') }}
),

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

sessions as (
    select * from {{ ref('int_sessions') }}
),

final as (
    select
        event_rows.event_id,
        sessionized_events.user_id,
        -- S5: NULL for non-sessionable events, whose session_start is NULL.
        sessions.session_id as ct_session_id,
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
    left join sessions
        on
            sessionized_events.user_id = sessions.user_id
            and sessionized_events.session_start = sessions.session_start
)

select * from final
