{#- S5: every sessionable event carries a session id, every other none. -#}
select
    event_id,
    is_sessionable,
    ct_session_id
from {{ ref('fct_events') }}
where is_sessionable != (ct_session_id is not null)
