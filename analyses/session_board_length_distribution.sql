-- Session Board, chart 1: how long sessions last, in power-of-two buckets.
select
    label,
    session_count,
    round(100 * share_of_sessions, 1) as percent_of_sessions
from {{ ref('mart_session_length_distribution') }}
order by bucket_index
