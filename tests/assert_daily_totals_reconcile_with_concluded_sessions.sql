{#- S9: the daily board adds up to the concluded sessions of the window. -#}
with

daily as (
    select * from {{ ref('mart_sessions_daily') }}
),

concluded as (
    select * from {{ ref('fct_session_concluded') }}
),

reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

board_totals as (
    select
        coalesce(sum(session_count), 0) as session_count,
        coalesce(sum(total_session_length_seconds), 0) as total_session_length_seconds,
        count(*) as day_count
    from daily
),

window_totals as (
    select
        count(concluded.session_id) as session_count,
        coalesce(sum(concluded.session_length_seconds), 0) as total_session_length_seconds
    from concluded
    inner join reporting_window
        on
            concluded.session_date
            between reporting_window.window_start_date and reporting_window.window_end_date
),

final as (
    select
        board_totals.*,
        window_totals.session_count as expected_session_count,
        window_totals.total_session_length_seconds as expected_total_session_length_seconds
    from board_totals
    cross join window_totals
    cross join reporting_window
    where
        board_totals.session_count != window_totals.session_count
        or board_totals.total_session_length_seconds != window_totals.total_session_length_seconds
        or (
            reporting_window.as_of is not null
            and board_totals.day_count != reporting_window.dashboard_days
        )
)

select * from final
