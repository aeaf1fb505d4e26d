{#- S2: every raw row of every file read is exactly one of staged, duplicate
    or rejected: per file, the rows in the file equal the rows accounted for,
    and every duplicate points at a staged event. -#}
{%- set files = list_raw_event_files(var('raw_events_path')) %}

with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

raw_rows as (
    {{ read_raw_events(files) }}
),

raw_counts as (
    select
        _file_name,
        count(*) as raw_row_count
    from raw_rows
    group by _file_name
),

accounted_counts as (
    select
        _file_name,
        count(*) as accounted_row_count
    from event_rows
    where row_status in ('staged', 'duplicate', 'rejected')
    group by _file_name
),

file_mismatches as (
    select
        coalesce(raw_counts._file_name, accounted_counts._file_name) as _file_name,
        'row count differs' as problem
    from raw_counts
    full outer join accounted_counts
        on raw_counts._file_name = accounted_counts._file_name
    where
        coalesce(raw_counts.raw_row_count, 0)
        != coalesce(accounted_counts.accounted_row_count, 0)
        -- A file read earlier that has since left the glob is history, not a loss.
        and raw_counts._file_name is not null
),

staged_ids as (
    select event_id from event_rows
    where row_status = 'staged'
),

orphan_duplicates as (
    select
        event_rows._file_name,
        'duplicate of no staged event' as problem
    from event_rows
    left join staged_ids
        on event_rows.event_id = staged_ids.event_id
    where event_rows.row_status = 'duplicate' and staged_ids.event_id is null
),

final as (
    select * from file_mismatches
    union all
    select * from orphan_duplicates
)

select * from final
