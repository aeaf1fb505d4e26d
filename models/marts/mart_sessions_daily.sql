{#- S9: the Session Board's daily series: every day of the window, zero
    filled, with the concluded sessions of that day and their total length. -#}
with

concluded_sessions as (
    select * from {{ ref('fct_session_concluded') }}
),

reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

window_days as (
    {{ date_spine(
        '(select window_start_date from reporting_window)',
        '(select window_end_date from reporting_window)',
        'session_date'
    ) }}
),

daily_totals as (
    select
        concluded_sessions.session_date,
        cast(sum(concluded_sessions.session_length_seconds) as bigint)
            as total_session_length_seconds,
        count(*) as session_count
    from concluded_sessions
    where concluded_sessions.is_in_dashboard_window
    group by concluded_sessions.session_date
),

final as (
    select
        window_days.session_date,
        coalesce(daily_totals.session_count, 0) as session_count,
        coalesce(daily_totals.total_session_length_seconds, 0) as total_session_length_seconds
    from window_days
    left join daily_totals
        on window_days.session_date = daily_totals.session_date
)

select * from final
