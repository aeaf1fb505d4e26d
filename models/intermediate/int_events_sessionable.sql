{#- S3: every staged event, flagged sessionable or not by the exclusion-rule
    seed (the rule: the flag_sessionable_events macro, which an incremental
    run of int_events_sessionized also applies to its new events). -#}
with

events as (
    select * from {{ ref('stg_events') }}
),

-- The kinds of every valid raw row (a superset of the staged events'):
-- reading `events` twice would make DuckDB materialize them as a whole.
valid_event_rows as (
    select * from {{ ref('stg_event_rows') }}
    where reject_reason is null
),

flagged_events as (
    {{ flag_sessionable_events('events', 'valid_event_rows') }}
),

final as (
    select * from flagged_events
)

select * from final
