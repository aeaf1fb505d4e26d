{#- S2: every raw row of every file read is exactly one of staged, duplicate
    or rejected: each file's rows are all in stg_event_rows, every valid row's
    event id is a published event and every published event has a valid row
    (the other rows of that id are its duplicates; that each id is published
    once is fct_events' unique test). -#}
{%- set files = list_raw_event_files(var('raw_events_path')) %}

with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

events as (
    select * from {{ ref('fct_events') }}
),

raw_counts as (
    {{ raw_file_row_counts(files) }}
),

read_counts as (
    select
        _file_name,
        count(*) as read_row_count
    from event_rows
    group by _file_name
),

-- A file read earlier that has since left the glob is history, not a loss.
file_mismatches as (
    select
        raw_counts._file_name as problem_key,
        'rows of the file not read exactly once' as problem
    from raw_counts
    left join read_counts
        on raw_counts._file_name = read_counts._file_name
    where raw_counts.raw_row_count != coalesce(read_counts.read_row_count, 0)
),

valid_ids as (
    select distinct event_id
    from event_rows
    where reject_reason is null
),

-- One join serves both directions.
id_mismatches as (
    select
        coalesce(valid_ids.event_id, events.event_id) as problem_key,
        case
            when events.event_id is null then 'valid event id never staged'
            else 'staged event without a valid raw row'
        end as problem
    from valid_ids
    full outer join events
        on valid_ids.event_id = events.event_id
    where valid_ids.event_id is null or events.event_id is null
),

final as (
    select * from file_mismatches
    union all
    select * from id_mismatches
)

select * from final
