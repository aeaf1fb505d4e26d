-- Session Board, chart 2: concluded sessions per day over the window.
select
    session_date,
    session_count
from {{ ref('mart_sessions_daily') }}
order by session_date
