{#- S5: every sessionable event carries a session id, every other none. -#}
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
