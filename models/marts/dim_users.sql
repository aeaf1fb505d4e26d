{#- S10: one row per user with at least one session, open ones included. -#}
with

sessions as (
    select * from {{ ref('int_sessions') }}
),

user_totals as (
    select
        user_id,
        count(*) as session_count,
        sum(session_length_seconds) as total_session_length_seconds,
        min(session_start) as first_seen_at,
        max(session_end) as last_seen_at,
        max(session_start) as latest_session_start
    from sessions
    group by user_id
),

final as (
    select
        user_totals.user_id,
        -- S10: the session with the latest start (one per user and start).
        latest_sessions.session_id as latest_ct_session_id,
        user_totals.session_count,
        cast(user_totals.total_session_length_seconds as bigint)
            as total_session_length_seconds,
        user_totals.first_seen_at,
        user_totals.last_seen_at
    from user_totals
    inner join sessions as latest_sessions
        on
            user_totals.user_id = latest_sessions.user_id
            and user_totals.latest_session_start = latest_sessions.session_start
)

select * from final
