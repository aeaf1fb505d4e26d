{#- S6: one Session Concluded event per concluded session, stamped with the
    session's last event; session_date is that stamp's day in the reporting
    time zone (S9). A view, like fct_sessions, for the same reason. -#}
{{ config(materialized='view') }}

with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

final as (
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
)

select * from final
