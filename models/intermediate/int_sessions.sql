{#- S4/S5/S7: one row per session, open or concluded, with its id.
    Incremental (S12): the sessions are built from the events this run
    restated alone. A restated user's events from their earliest restated
    session on were all restated, so the `restated_groups` strategy
    replaces that user's sessions from that start on with the ones built
    here; the user's earlier sessions and other users' rows stay as they
    are. -#}
{{ config(
    on_schema_change='fail',
    meta={'run_stamp_column': '_built_at'},
    **restating_model_config(unique_key='user_id', restate_column='session_start'),
) }}

{#- Incremental: the events this run restated, sessionized after the last build. -#}
{%- set built_after = latest_timestamp_literal(this, '_built_at') if is_incremental() else none %}

with

sessionable_events as (
    select
        user_id,
        session_start,
        event_ts
    from {{ ref('int_events_sessionized') }}
    where
        session_start is not null -- noqa: LT02
        {%- if built_after is not none %}
        and _sessionized_at > {{ built_after }}
        {%- endif %}
),

built_sessions as (
    select
        user_id,
        session_start,
        max(event_ts) as session_end,
        count(*) as event_count
    from sessionable_events
    group by user_id, session_start
),

final as (
    select
        -- S5: hashed here, once per session; fct_events takes it from here.
        {{ session_id('user_id', 'session_start') }} as session_id,
        user_id,
        session_start,
        session_end,
        -- S7: whole seconds from first to last event, rounded down.
        {{ elapsed_whole_seconds('session_start', 'session_end') }} as session_length_seconds,
        event_count,
        {{ run_started_at_utc() }} as _built_at
    from built_sessions
)

select * from final
