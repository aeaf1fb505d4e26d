{#- S4/S7: one row per session, open or concluded. Incremental (S12): the
    rows of every user whose events were restated in this run are replaced:
    the restated sessions are built from the restated events alone, and the
    user's earlier sessions are copied as they were; other users' rows are
    untouched. -#}
{{ config(
    on_schema_change='fail',
    **restating_model_config(unique_key='user_id', one_row_per_key=false),
) }}

{#- Incremental: the events this run restated, sessionized after the last build. -#}
{%- set built_after = latest_timestamp_literal(this, '_built_at') if is_incremental() else none %}

with

sessionable_events as (
    select
        user_id,
        ct_session_id,
        session_start,
        event_ts
    from {{ ref('int_events_sessionized') }}
    where
        ct_session_id is not null -- noqa: LT02
        {%- if built_after is not none %}
        and _sessionized_at > {{ built_after }}
        {%- endif %}
),
{%- if is_incremental() %}

-- S12: a restated user's events from their earliest restated session on
-- were all restated; the sessions that start before it are kept as built.
restate_points as (
    select
        user_id,
        min(session_start) as restate_from
    from sessionable_events
    group by user_id
),

kept_sessions as (
    select
        previous_sessions.session_id,
        previous_sessions.user_id,
        previous_sessions.session_start,
        previous_sessions.session_end,
        previous_sessions.event_count
    from {{ this }} as previous_sessions
    inner join restate_points
        on
            previous_sessions.user_id = restate_points.user_id
            and previous_sessions.session_start < restate_points.restate_from
),
{%- endif %}

built_sessions as (
    select
        ct_session_id as session_id,
        user_id,
        session_start,
        max(event_ts) as session_end,
        count(*) as event_count
    from sessionable_events
    group by ct_session_id, user_id, session_start
),

sessions as (
    select * from built_sessions
    {%- if is_incremental() %}
    union all
    select * from kept_sessions
    {%- endif %}
),

final as (
    select
        session_id,
        user_id,
        session_start,
        session_end,
        -- S7: whole seconds from first to last event, rounded down.
        {{ elapsed_whole_seconds('session_start', 'session_end') }} as session_length_seconds,
        event_count,
        {{ run_started_at_utc() }} as _built_at
    from sessions
)

select * from final
