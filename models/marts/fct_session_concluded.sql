{#- S6: one Session Concluded event per concluded session, stamped with the
    session's last event; session_date is that stamp's day in the reporting
    time zone (S9), and is_in_dashboard_window says whether the Session
    Board counts it: the one place of that rule, which both board marts
    (SQL and Python, on every engine) filter on. A view, like fct_sessions,
    for the same reason. -#}
{{ config(materialized='view') }}

with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

concluded_sessions as (
    select
        session_id,
        user_id,
        'Session Concluded' as event_name,
        session_length_seconds,
        event_count,
        {{ local_date('session_end') }} as session_date,
        session_end as event_ts,
        session_start
    from sessions
    where is_concluded
),

final as (
    select
        concluded_sessions.*,
        -- S8/S9: the session's date lies in the window. Sessions ending before
        -- the scan start cannot, in any zone: a reader that filters on this
        -- column skips working out their dates.
        concluded_sessions.event_ts >= reporting_window.window_scan_start_at
        and concluded_sessions.session_date
        between reporting_window.window_start_date
        and reporting_window.window_end_date as is_in_dashboard_window
    from concluded_sessions
    cross join reporting_window
)

select * from final
