{#- S2: every raw row of every file read is exactly one of staged, duplicate
    or rejected: each file's rows are all in stg_event_rows, and every valid
    row's event id is staged exactly once (the other rows of that id are its
    duplicates). -#}
{%- set files = list_raw_event_files(var('raw_events_path')) %}

with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

events as (
    select * from {{ ref('stg_events') }}
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

unstaged_ids as (
    select
        valid_ids.event_id as problem_key,
        'valid event id never staged' as problem
    from valid_ids
    left join events
        on valid_ids.event_id = events.event_id
    where events.event_id is null
),

staged_without_rows as (
    select
        events.event_id as problem_key,
        'staged event without a valid raw row' as problem
    from events
    left join valid_ids
        on events.event_id = valid_ids.event_id
    where valid_ids.event_id is null
),

final as (
    select * from file_mismatches
    union all
    select * from unstaged_ids
    union all
    select * from staged_without_rows
)

select * from final
