{#- S4: a user's sessions do not overlap and the next one starts at least a
    timeout after the previous one ended; each session's event count and
    bounds match its events. -#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

-- The narrow table fct_events takes its session columns from: no join.
events as (
    select * from {{ ref('int_events_sessionized') }}
),

sessions_with_previous as (
    select
        session_id,
        session_start,
        lag(session_end) over (
            partition by user_id order by session_start
        ) as previous_session_end
    from sessions
),

too_close as (
    select
        session_id,
        'starts less than a timeout after the previous session' as problem
    from sessions_with_previous
    where
        previous_session_end is not null
        and {{ epoch_microseconds('session_start') }}
        - {{ epoch_microseconds('previous_session_end') }}
        < {{ session_timeout_microseconds() }}
),

event_summary as (
    select
        ct_session_id as session_id,
        count(*) as event_count,
        min(event_ts) as first_event_ts,
        max(event_ts) as last_event_ts
    from events
    where ct_session_id is not null
    group by ct_session_id
),

summary_mismatches as (
    select
        sessions.session_id,
        'event count or bounds differ from its events' as problem
    from sessions
    left join event_summary
        on sessions.session_id = event_summary.session_id
    where
        event_summary.session_id is null
        or sessions.event_count != event_summary.event_count
        or sessions.session_start != event_summary.first_event_ts
        or sessions.session_end != event_summary.last_event_ts
),

final as (
    select * from too_close
    union all
    select * from summary_mismatches
)

select * from final
