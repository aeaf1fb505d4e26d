-- How often people come back: users by number of sessions, with time spent.
select
    session_count,
    count(*) as user_count,
    round(avg(total_session_length_seconds) / 60.0, 1) as average_minutes_per_user
from {{ ref('dim_users') }}
group by session_count
order by session_count
