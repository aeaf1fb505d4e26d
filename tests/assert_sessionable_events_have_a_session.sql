{#- S5: every sessionable event carries a session id, every other none.
    fct_events takes the id from int_sessions by user and session start, so
    this also finds a sessionable event whose session is missing there. -#}
with

events as (
    select * from {{ ref('fct_events') }}
),

final as (
    select
        event_id,
        is_sessionable,
        ct_session_id
    from events
    where is_sessionable != (ct_session_id is not null)
)

select * from final
