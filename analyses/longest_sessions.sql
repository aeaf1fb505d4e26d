-- The 20 longest concluded sessions, with their users' totals.
with

concluded as (
    select * from {{ ref('fct_session_concluded') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

final as (
    select
        concluded.session_id,
        concluded.user_id,
        concluded.session_length_seconds,
        concluded.event_count,
        users.session_count as user_session_count,
        concluded.session_start,
        concluded.event_ts as session_end
    from concluded
    inner join users
        on concluded.user_id = users.user_id
)

select * from final
order by session_length_seconds desc, session_id asc
limit 20
