{#- S10: one row per user with at least one session, open ones included. -#}
with

sessions as (
    select * from {{ ref('int_sessions') }}
),

final as (
    select
        user_id,
        -- S10: the session with the latest start (one per user and start).
        {{ value_at_max('session_id', 'session_start') }} as latest_ct_session_id,
        count(*) as session_count,
        cast(sum(session_length_seconds) as bigint) as total_session_length_seconds,
        min(session_start) as first_seen_at,
        max(session_end) as last_seen_at
    from sessions
    group by user_id
)

select * from final
