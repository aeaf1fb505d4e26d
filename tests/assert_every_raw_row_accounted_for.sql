{#- S2: every raw row of every file read is exactly one of staged, duplicate
    or rejected: each file's rows are all in stg_event_rows, and every valid
    row's event id is published exactly once (one row of the id is a row
    int_events_sessionized points to; the others are its duplicates), and
    every published event points to a valid row with its user and time.
    So this is also the test that fct_events' event_id is unique. Rows are
    matched on the bigint _row_key.

    In two passes, so that the join of every staged row with every published
    one carries and groups 64-bit numbers, not text (at 100M events it
    spilled ≈ 19 GB of event ids to disk and took twice as long):
    1. screening: per 64-bit hash of the event id (fast_hash), whether it
       is settled: exactly one row that matters (a valid row, or a published
       key whose row is rejected or missing), and that row valid and
       published as itself. Then its one id passes every check. Any other
       hash (duplicates, two ids sharing the hash, or a check failed) is
       flagged for pass 2. Two counts per hash, not pass 2's four: at 100M
       events this aggregate is what spills.
    2. the flagged ids' rows, read again (normally the duplicates only) and
       checked by the event id itself.
    A published row's user is compared through its hash in pass 1 (its time
    exactly): a changed user that keeps its 64-bit hash would go unseen.

    S12: after incremental runs, pass 1 reads the event ids staged or
    published since this test and the others of both models last all
    passed (every row of each id, from any run) and the published rows
    pointing to them, and the file counts cover the files read since and
    those never read: rows stamped before were checked then and have not
    changed (passed_data_tests_literal, macros/test_scope.sql). -#}
{%- set files = list_raw_event_files(var('raw_events_path')) %}
{%- set staged_through = passed_data_tests_literal(ref('stg_event_rows'), '_staged_at') %}
{%- set sessionized_through = passed_data_tests_literal(
    ref('int_events_sessionized'), '_sessionized_at') %}
{%- set is_scoped = staged_through is not none and sessionized_through is not none %}
{%- if is_scoped %}
{%- set earlier_files = run_query(
    "select _file_name from " ~ ref('stg_event_rows')
    ~ " group by _file_name having max(_staged_at) <= " ~ staged_through
).columns[0].values() | list %}
{%- set files = files | reject('in', earlier_files) | list %}
{%- endif %}

with

{% if is_scoped -%}

restated_keys as (
    select _row_key from {{ ref('int_events_sessionized') }}
    where _sessionized_at > {{ sessionized_through }}
),

checked_ids as (
    select event_id from {{ ref('stg_event_rows') }}
    where
        _staged_at > {{ staged_through }}
        or _row_key in (select restated_keys._row_key from restated_keys)
),

checked_rows as (
    select
        _row_key,
        event_id,
        reject_reason,
        user_id,
        event_ts
    from {{ ref('stg_event_rows') }}
    where
        _staged_at > {{ staged_through }}
        or event_id in (select checked_ids.event_id from checked_ids)
        or _row_key in (select restated_keys._row_key from restated_keys)
),

checked_sessionized_events as (
    select * from {{ ref('int_events_sessionized') }}
    where
        _sessionized_at > {{ sessionized_through }}
        or _row_key in (select checked_rows._row_key from checked_rows)
),

-- Every row of a checked id is a checked row, and every published row
-- pointing to one is checked: pass 2 needs nothing else.
flagged_event_rows as (
    select * from checked_rows
),

flagged_sessionized_events as (
    select * from checked_sessionized_events
),

{%- else -%}

-- Each relation is imported once per read on purpose: DuckDB materializes
-- a CTE that is read twice, a copy of every row.
checked_rows as (
    select * from {{ ref('stg_event_rows') }}
),

checked_sessionized_events as (
    select * from {{ ref('int_events_sessionized') }}
),

flagged_event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

flagged_sessionized_events as (
    select * from {{ ref('int_events_sessionized') }}
),

{%- endif %}

staged_file_names as (
    select _file_name from {{ ref('stg_event_rows') }}
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

-- A file read earlier that has since left the glob is history, not a loss
-- (the next build rebuilds without it: rebuild_when_staged_rows_outdated).
file_mismatches as (
    select
        raw_counts._file_name as problem_key,
        'rows of the file not read exactly once' as problem
    from raw_counts
    left join read_counts
        on raw_counts._file_name = read_counts._file_name
    where raw_counts.raw_row_count != coalesce(read_counts.read_row_count, 0)
),

-- Pass 1. Hashed below the join, so that the join carries numbers.
hashed_event_rows as (
    select
        _row_key,
        {{ fast_hash('event_id') }} as event_id_hash,
        reject_reason is null as is_valid,
        {{ fast_hash('user_id') }} as user_id_hash,
        event_ts
    from checked_rows
),

hashed_sessionized_events as (
    select
        _row_key,
        {{ fast_hash('user_id') }} as user_id_hash,
        event_ts
    from checked_sessionized_events
),

-- One join serves every check. A published event must carry its staged
-- row's user and time: keys renumbered under it (stg_event_rows rebuilt
-- alone) would otherwise pair events with other rows' columns. A published
-- key without a staged row is counted under the key itself.
hashed_matches as (
    select
        hashed_event_rows.event_id_hash,
        hashed_event_rows._row_key as row_key,
        hashed_event_rows.is_valid,
        hashed_sessionized_events._row_key as published_row_key,
        case
            when hashed_event_rows._row_key is null then hashed_sessionized_events._row_key
        end as key_without_row,
        hashed_event_rows.user_id_hash = hashed_sessionized_events.user_id_hash
        and hashed_event_rows.event_ts = hashed_sessionized_events.event_ts as is_same_event
    from hashed_event_rows
    full outer join hashed_sessionized_events
        on hashed_event_rows._row_key = hashed_sessionized_events._row_key
),

-- A rejected row that nothing points to needs no check.
counts_by_hash as (
    select
        event_id_hash,
        key_without_row,
        count(*) as row_count,
        count(
            case when is_valid and published_row_key is not null and is_same_event then 1 end
        ) as settled_row_count
    from hashed_matches
    where is_valid or published_row_key is not null
    group by event_id_hash, key_without_row
),

flagged_keys as (
    select
        event_id_hash,
        key_without_row
    from counts_by_hash
    where row_count != 1 or settled_row_count != 1
),

keys_without_row as (
    select
        '_row_key ' || cast(key_without_row as {{ dbt.type_string() }}) as problem_key,
        'staged event without a valid raw row' as problem
    from flagged_keys
    where key_without_row is not null
),

-- Pass 2: the rows of the flagged event id hashes, matched exactly.
flagged_rows as (
    select
        flagged_event_rows._row_key,
        flagged_event_rows.event_id,
        flagged_event_rows.reject_reason,
        flagged_event_rows.user_id,
        flagged_event_rows.event_ts
    from flagged_event_rows
    inner join flagged_keys
        on {{ fast_hash('flagged_event_rows.event_id') }} = flagged_keys.event_id_hash
),

row_matches as (
    select
        coalesce(
            flagged_rows.event_id,
            '_row_key ' || cast(flagged_sessionized_events._row_key as {{ dbt.type_string() }})
        ) as problem_key,
        flagged_rows._row_key as row_key,
        flagged_rows.reject_reason is null as is_valid,
        flagged_sessionized_events._row_key as published_row_key,
        flagged_rows.user_id = flagged_sessionized_events.user_id
        and flagged_rows.event_ts = flagged_sessionized_events.event_ts as is_same_event
    from flagged_rows
    left join flagged_sessionized_events
        on flagged_rows._row_key = flagged_sessionized_events._row_key
),

counts_by_id as (
    select
        problem_key,
        count(case when is_valid then 1 end) as valid_row_count,
        count(case when is_valid then published_row_key end) as published_valid_row_count,
        count(case when row_key is null or not is_valid then published_row_key end)
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
    select * from keys_without_row
    union all
    select * from id_mismatches
)

select * from final
