-- Session Board, chart 3: time spent per day, in hours.
select
    session_date,
    round(total_session_length_seconds / 3600.0, 2) as total_session_hours
from {{ ref('mart_sessions_daily') }}
order by session_date
