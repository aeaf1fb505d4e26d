{#- S8: the buckets hold every concluded session of the window once, their
    shares add up to 1, and each session sits in its bucket's bounds. -#}
with

distribution as (
    select * from {{ ref('mart_session_length_distribution') }}
),

concluded as (
    select * from {{ ref('fct_session_concluded') }}
),

reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

window_sessions as (
    select concluded.session_length_seconds
    from concluded
    inner join reporting_window
        on
            concluded.session_date
            between reporting_window.window_start_date and reporting_window.window_end_date
),

bucketed as (
    select
        distribution.bucket_index,
        distribution.session_count,
        count(window_sessions.session_length_seconds) as sessions_in_bounds
    from distribution
    left join window_sessions
        on
            distribution.lower_bound_seconds <= window_sessions.session_length_seconds
            and distribution.upper_bound_seconds > window_sessions.session_length_seconds
    group by distribution.bucket_index, distribution.session_count
),

bucket_mismatches as (
    select
        bucket_index,
        'bucket count differs from sessions in its bounds' as problem
    from bucketed
    where session_count != sessions_in_bounds
),

distribution_totals as (
    select
        sum(session_count) as bucketed_sessions,
        sum(share_of_sessions) as share_total
    from distribution
),

window_totals as (
    select count(*) as window_sessions
    from window_sessions
),

total_mismatches as (
    select
        -1 as bucket_index,
        'bucket counts or shares do not add up' as problem
    from distribution_totals
    cross join window_totals
    where
        distribution_totals.bucketed_sessions != window_totals.window_sessions
        or (
            window_totals.window_sessions > 0
            and abs(distribution_totals.share_total - 1) > 1e-9
        )
),

final as (
    select * from bucket_mismatches
    union all
    select * from total_mismatches
)

select * from final
