{#- S5: every sessionable event belongs to a session, every other to none.
    On the narrow table, where the session start is: fct_events takes the
    session's id from int_sessions by user and start
    (assert_sessions_are_separated_by_the_timeout checks that the session is
    there; the fct_events unit test, that the id is taken). -#}
with

events as (
    select * from {{ ref('int_events_sessionized') }}
),

final as (
    select
        _row_key,
        is_sessionable,
        session_start
    from events
    where is_sessionable != (session_start is not null)
)

select * from final
