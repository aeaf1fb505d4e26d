{#- S2: the row accounting of every run that read files: raw rows read, and
    how many were staged, duplicates (valid rows whose event id another row,
    loaded first, stages) or rejected. -#}
with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

events as (
    select * from {{ ref('stg_events') }}
),

rows_per_run as (
    select
        _staged_at,
        count(distinct _file_name) as file_count,
        count(*) as raw_row_count,
        count(reject_reason) as rejected_count
    from event_rows
    group by _staged_at
),

staged_per_run as (
    select
        _staged_at,
        count(*) as staged_count
    from events
    group by _staged_at
),

final as (
    select -- noqa: ST06
        rows_per_run._staged_at as staged_at,
        rows_per_run.file_count,
        rows_per_run.raw_row_count,
        coalesce(staged_per_run.staged_count, 0) as staged_count,
        rows_per_run.raw_row_count - rows_per_run.rejected_count
        - coalesce(staged_per_run.staged_count, 0) as duplicate_count,
        rows_per_run.rejected_count
    from rows_per_run
    left join staged_per_run
        on rows_per_run._staged_at = staged_per_run._staged_at
)

select * from final
