{#- S4/S7: one row per session, open or concluded. Incremental (S12): the
    sessions of every user whose events were restated in this run are
    rebuilt from that user's events; other users' rows are untouched. The
    events are read where they are needed, not through an import CTE: DuckDB
    materializes a CTE used twice, a copy of every event on each run. -#}
{{ config(
    on_schema_change='fail',
    **restating_model_config(unique_key='user_id', one_row_per_key=false),
) }}

with

{%- if is_incremental() %}

restated_users as (
    select distinct user_id
    from {{ ref('int_events_sessionized') }}
    where
        _sessionized_at
        > (select max(previous_sessions._built_at) from {{ this }} as previous_sessions)
),
{%- endif %}

sessionable_events as (
    select
        user_id,
        ct_session_id,
        session_start,
        event_ts
    from {{ ref('int_events_sessionized') }}
    where
        ct_session_id is not null -- noqa: LT02
        {%- if is_incremental() %}
        and user_id in (select restated_users.user_id from restated_users)
        {%- endif %}
),

sessions as (
    select
        ct_session_id as session_id,
        user_id,
        session_start,
        max(event_ts) as session_end,
        count(*) as event_count
    from sessionable_events
    group by ct_session_id, user_id, session_start
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
