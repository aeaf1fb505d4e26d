{#- S4: a user's sessions do not overlap and the next one starts at least a
    timeout after the previous one ended; each session's event count and
    bounds match its events, and every sessionable event's session exists
    (fct_events takes the event's session id from it). -#}
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
        user_id,
        session_start,
        lag(session_end) over (
            partition by user_id order by session_start
        ) as previous_session_end
    from sessions
),

too_close as (
    select
        user_id,
        session_start,
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
        user_id,
        session_start,
        count(*) as event_count,
        min(event_ts) as first_event_ts,
        max(event_ts) as last_event_ts
    from events
    where session_start is not null
    group by user_id, session_start
),

summary_mismatches as (
    select
        coalesce(sessions.user_id, event_summary.user_id) as user_id,
        coalesce(
            sessions.session_start, event_summary.session_start
        ) as session_start,
        case
            when sessions.user_id is null
                then 'sessionable events whose session is missing'
            else 'event count or bounds differ from its events'
        end as problem
    from sessions
    full outer join event_summary
        on
            sessions.user_id = event_summary.user_id
            and sessions.session_start = event_summary.session_start
    where
        sessions.user_id is null
        or event_summary.user_id is null
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
