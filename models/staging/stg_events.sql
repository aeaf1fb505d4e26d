{#- S2: the staged events: valid, cleaned, one row per event id, the first
    loaded row winning (the rule: the first_loaded_rows macro, which an
    incremental run of int_events_sessionized also applies to its new rows).

    A view, so the de-duplicated events are never written out as a second
    copy of every row (issue 6): the sessionizing model reads them once
    (staging's default materialization, dbt_project.yml). -#}

with

staged_events as (
    {{ first_loaded_rows(ref('stg_event_rows')) }}
),

final as (
    select * from staged_events
)

select * from final
