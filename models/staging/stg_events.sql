{#- S2: the staged events: valid, cleaned, one row per event id, the first
    loaded row winning: the earliest run that staged the id, then the earliest
    loaded_at (the run's start when missing), then file, row and content.
    Ranking the run first is what keeps an event staged by an earlier run
    staged (S12): a later copy of it is a duplicate.

    A view, so the de-duplicated events are never written out as a second
    copy of every row (issue 6): the sessionizing model reads them once. Most
    ids occur once; only ids seen more than once are ranked, so the cost is a
    hash aggregate on the id, not a sort of every row. stg_event_rows is
    referenced where it is read rather than through an import CTE: DuckDB
    materializes a CTE used more than once, which would copy every row once
    more. -#}
{{ config(materialized='view') }}

with

repeated_ids as (
    select event_id
    from {{ ref('stg_event_rows') }}
    where reject_reason is null
    group by event_id
    having count(*) > 1
),

single_rows as (
    select event_rows.*
    from {{ ref('stg_event_rows') }} as event_rows
    left join repeated_ids
        on event_rows.event_id = repeated_ids.event_id
    where
        event_rows.reject_reason is null
        and repeated_ids.event_id is null
),

ranked_repeated_rows as (
    select
        event_rows.*,
        row_number() over (
            partition by event_rows.event_id
            order by
                event_rows._staged_at,
                coalesce(event_rows.loaded_at, event_rows._staged_at),
                event_rows._file_name,
                event_rows._file_row_number,
                event_rows.event_ts,
                event_rows.user_id,
                event_rows.event_name,
                event_rows.channel,
                event_rows.source,
                event_rows.platform,
                event_rows.properties
        ) as event_id_rank
    from {{ ref('stg_event_rows') }} as event_rows
    inner join repeated_ids
        on event_rows.event_id = repeated_ids.event_id
    where event_rows.reject_reason is null
),

first_loaded_repeated_rows as (
    select * from ranked_repeated_rows
    where event_id_rank = 1
),

first_loaded_rows as (
    {%- for relation in ['single_rows', 'first_loaded_repeated_rows'] %}
    select
        event_id,
        user_id,
        event_name,
        event_ts,
        channel,
        source,
        platform,
        properties,
        is_event_id_derived,
        loaded_at,
        _staged_at
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select * from first_loaded_rows
)

select * from final
