{#- S2: every raw row of every file read is exactly one of staged, duplicate
    or rejected: each file's rows are all in stg_event_rows, and every valid
    row's event id is published exactly once (one row of the id is a row
    int_events_sessionized points to; the others are its duplicates), and
    every published event points to a valid row with its user and time.
    So this is also the test that fct_events' event_id is unique. Rows are
    matched on the bigint _row_key, and grouped by id once. -#}
{%- set files = list_raw_event_files(var('raw_events_path')) %}

with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

-- The same model imported twice on purpose: DuckDB materializes a CTE that
-- is read twice, a copy of every staged row (71 of 215 CPU seconds at 100M
-- events); each of these is read once and inlined.
staged_file_names as (
    select _file_name from {{ ref('stg_event_rows') }}
),

sessionized_events as (
    select * from {{ ref('int_events_sessionized') }}
),

raw_counts as (
    {{ raw_file_row_counts(files) }}
),

read_counts as (
    select
        _file_name,
        count(*) as read_row_count
    from staged_file_names
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

-- One join serves every check. A published event must carry its staged
-- row's user and time: keys renumbered under it (stg_event_rows rebuilt
-- alone) would otherwise pair events with other rows' columns. A published
-- key without a valid row is counted under its id, or under the key when
-- it points to no row at all.
row_matches as (
    select
        coalesce(
            event_rows.event_id,
            '_row_key ' || cast(sessionized_events._row_key as {{ dbt.type_string() }})
        ) as problem_key,
        event_rows._row_key as row_key,
        event_rows.reject_reason,
        sessionized_events._row_key as published_row_key,
        event_rows.user_id = sessionized_events.user_id
        and event_rows.event_ts = sessionized_events.event_ts as is_same_event
    from event_rows
    full outer join sessionized_events
        on event_rows._row_key = sessionized_events._row_key
),

counts_by_id as (
    select
        problem_key,
        count(case when row_key is not null and reject_reason is null then 1 end)
            as valid_row_count,
        count(case when row_key is not null and reject_reason is null then published_row_key end)
            as published_valid_row_count,
        count(case when row_key is null or reject_reason is not null then published_row_key end)
            as published_invalid_row_count,
        count(case when not is_same_event then 1 end) as published_other_row_count
    from row_matches
    group by problem_key
),

id_mismatches as (
    select
        problem_key,
        case
            when published_invalid_row_count > 0 then 'staged event without a valid raw row'
            when published_other_row_count > 0 then 'staged event differs from its raw row'
            when published_valid_row_count = 0 then 'valid event id never staged'
            else 'event id published more than once'
        end as problem
    from counts_by_id
    where
        published_invalid_row_count > 0
        or published_other_row_count > 0
        or (valid_row_count > 0 and published_valid_row_count != 1)
),

final as (
    select * from file_mismatches
    union all
    select * from id_mismatches
)

select * from final
