{#- S4: a user's sessions do not overlap and the next one starts at least a
    timeout after the previous one ended; each session's event count and
    bounds match its events, and every sessionable event's session exists
    (fct_events takes the event's session id from it).
    S12: after incremental runs, each user whose events or sessions were
    restated since the tests of both models last all passed, from the first
    of them on: the sessions (and the one before, which the first must keep
    a timeout from) and the events. Rows stamped before were checked then
    and have not changed (passed_data_tests_literal, macros/test_scope.sql).
    After a full refresh, all of them. -#}
{%- set sessionized_through = passed_data_tests_literal(
    ref('int_events_sessionized'), '_sessionized_at') %}
{%- set built_through = passed_data_tests_literal(ref('int_sessions'), '_built_at') %}
{%- set is_scoped = sessionized_through is not none and built_through is not none %}

with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

-- The narrow table fct_events takes its session columns from: no join.
events as (
    select * from {{ ref('int_events_sessionized') }}
),

{% if not is_scoped -%}

checked_sessions as (
    select
        *,
        true as is_checked
    from sessions
),

checked_events as (
    select * from events
),

{%- else -%}

restated_events as (
    select
        user_id,
        event_ts
    from {{ ref('int_events_sessionized') }}
    where _sessionized_at > {{ sessionized_through }} and is_sessionable
),

rebuilt_sessions as (
    select
        user_id,
        session_start
    from {{ ref('int_sessions') }}
    where _built_at > {{ built_through }}
),

-- From both, so that restated events whose sessions were lost, and
-- rebuilt sessions whose events were not restated, are checked too.
restated_starts as (
    select
        user_id,
        event_ts as restated_from
    from restated_events
    union all
    select
        user_id,
        session_start as restated_from
    from rebuilt_sessions
),

restate_points as (
    select
        user_id,
        min(restated_from) as checked_from
    from restated_starts
    group by user_id
),

-- A restated user's earlier sessions too: the one before the first
-- rebuilt session is what that session must keep a timeout from.
checked_sessions as (
    select
        sessions.*,
        sessions.session_start >= restate_points.checked_from as is_checked
    from sessions
    inner join restate_points
        on sessions.user_id = restate_points.user_id
),

-- By user and time, not by the run's marker: an event the run should have
-- restated but did not is checked too.
checked_events as (
    select events.*
    from events
    inner join restate_points
        on
            events.user_id = restate_points.user_id
            and events.event_ts >= restate_points.checked_from
),

{%- endif %}

sessions_with_previous as (
    select
        user_id,
        session_start,
        is_checked,
        lag(session_end) over (
            partition by user_id order by session_start
        ) as previous_session_end
    from checked_sessions
),

too_close as (
    select
        user_id,
        session_start,
        'starts less than a timeout after the previous session' as problem
    from sessions_with_previous
    where
        is_checked
        and previous_session_end is not null
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
    from checked_events
    where session_start is not null
    group by user_id, session_start
),

sessions_to_match as (
    select * from checked_sessions
    where is_checked
),

summary_mismatches as (
    select
        coalesce(sessions_to_match.user_id, event_summary.user_id) as user_id,
        coalesce(
            sessions_to_match.session_start, event_summary.session_start
        ) as session_start,
        case
            when sessions_to_match.user_id is null
                then 'sessionable events whose session is missing'
            else 'event count or bounds differ from its events'
        end as problem
    from sessions_to_match
    full outer join event_summary
        on
            sessions_to_match.user_id = event_summary.user_id
            and sessions_to_match.session_start = event_summary.session_start
    where
        sessions_to_match.user_id is null
        or event_summary.user_id is null
        or sessions_to_match.event_count != event_summary.event_count
        or sessions_to_match.session_start != event_summary.first_event_ts
        or sessions_to_match.session_end != event_summary.last_event_ts
),

final as (
    select * from too_close
    union all
    select * from summary_mismatches
)

select * from final
