{#- S4: every staged event with its session's start. One window pass over each
    user's sessionable events, ordered by event_ts (the row key breaks ties,
    which change no session): an event opens a session when it is the
    user's first or comes at least the timeout after the previous
    sessionable event. Non-sessionable events neither open nor extend
    sessions and have no session start.

    Narrow (issue 6): the staged row's key and the columns sessions are
    made of. The event's other columns stay in stg_event_rows, written once;
    fct_events joins them back on `_row_key`. Carrying them through the
    window sorts and a second 10M-row write cost about twice this model's
    time, and the event id alone ≈ 1.5 s per 10M events. The session's id
    (S5) is not carried either: int_sessions hashes it once per session,
    and fct_events takes it from there by (user, session start); carried
    per event it cost this model ≈ 1 s more per 10M events
    (docs/benchmarks.md).

    Incremental (S12): only users with new sessionable events are touched,
    and for them only the events from `restate_from` on: the start of the
    earliest session with an event later than a timeout before the user's
    earliest new event (or that event itself, if there is none). Nothing
    before it can change: the gap in front of it is at least a timeout and
    stays so.
    `this` is scanned where it is needed rather than through a CTE: DuckDB
    materializes a CTE referenced more than once, which would copy the
    whole event table on every incremental run. -#}
{{ config(
    on_schema_change='fail',
    meta={'run_stamp_column': '_sessionized_at'},
    **restating_model_config(unique_key='_row_key'),
) }}

{%- set timeout_seconds = session_timeout_seconds() %}
{%- set event_columns = ['_row_key', 'user_id', 'event_ts', 'is_sessionable'] %}

-- Only incremental runs read it, so dbt's parser needs telling:
-- depends_on: {{ ref('stg_event_rows') }}

with

exclusion_rules as (
    select * from {{ ref('session_exclusion_rules') }}
),

channel_aliases as (
    select * from {{ ref('channel_aliases') }}
),

session_definition as (
    {{ session_definition_sql('exclusion_rules', 'channel_aliases') }}
),

{% if is_incremental() -%}
{%- do assert_session_definition_unchanged(
    this, ref('session_exclusion_rules'), ref('channel_aliases')) -%}
{%- do assert_staged_rows_not_rebuilt(this, ref('stg_event_rows')) -%}

{#- The new rows: keyed after every published event. Keys grow with every
    run (stg_event_rows), so these are the rows staged since; the earlier
    rows among them were not published, being duplicates of ids published
    by rows keyed before (republished_ids drops them again). A key rather
    than a staging time, so that the narrow table carries no time of its
    own through its two sorts. -#}
{%- set published_up_to = latest_row_key(this) %}

new_valid_rows as (
    select new_rows.*
    from {{ ref('stg_event_rows') }} as new_rows
    where
        new_rows.reject_reason is null
        {%- if published_up_to is not none %}
        and new_rows._row_key > {{ published_up_to }}
        {%- endif %}
),

-- S2: a new row whose id is published already is a duplicate: had it come
-- first, stg_event_rows' post-hook would have made this run a rebuild
-- (rebuild_when_published_copy_outranked). Every valid row keyed up to the
-- last published one had its id published. `in`, a semi join: the hash
-- table holds the batch's ids and the earlier ids are only probed (DuckDB
-- also skips the earlier rows that cannot match). With an inner join DuckDB
-- misjudged the batch's size and hashed every earlier id (this model 0.9 s
-- against 0.6 s on 10M events of history, docs/benchmarks.md); `not exists`
-- always did.
republished_ids as (
    select distinct published_rows.event_id
    from {{ ref('stg_event_rows') }} as published_rows
    where
        published_rows.event_id in (select new_valid_rows.event_id from new_valid_rows)
        and published_rows.reject_reason is null
        {%- if published_up_to is none %}
        and false
        {%- else %}
        and published_rows._row_key <= {{ published_up_to }}
        {%- endif %}
),

-- Only the new rows of unpublished ids are ranked, among themselves. These
-- CTEs are read more than once, so DuckDB materializes them: copies of the
-- batch only, not of the history.
new_unpublished_rows as (
    select new_valid_rows.*
    from new_valid_rows
    left join republished_ids
        on new_valid_rows.event_id = republished_ids.event_id
    where republished_ids.event_id is null
),

new_rows as (
    {{ first_loaded_rows('new_unpublished_rows') }}
),

new_events as (
    {{ flag_sessionable_events('new_rows', 'new_rows') }}
),

-- S12: per user with new sessionable events, where restating begins.
earliest_new_events as (
    select
        user_id,
        min(event_ts) as earliest_new_event_ts
    from new_events
    where is_sessionable
    group by user_id
),

restate_points as (
    select
        earliest_new_events.user_id,
        least(
            earliest_new_events.earliest_new_event_ts,
            coalesce(
                min(previous_events.session_start),
                earliest_new_events.earliest_new_event_ts
            )
        ) as restate_from
    from earliest_new_events
    left join {{ this }} as previous_events
        on
            earliest_new_events.user_id = previous_events.user_id
            and previous_events.is_sessionable
            and previous_events.event_ts > {{ add_seconds(
                'earliest_new_events.earliest_new_event_ts', -timeout_seconds
            ) }}
    group by earliest_new_events.user_id, earliest_new_events.earliest_new_event_ts
),

restated_previous_events as (
    select
        previous_events.{{ event_columns | join(',\n        previous_events.') }}
    from {{ this }} as previous_events
    inner join restate_points
        on
            previous_events.user_id = restate_points.user_id
            and previous_events.event_ts >= restate_points.restate_from
    where previous_events.is_sessionable
),

events_to_sessionize as (
    select {{ event_columns | join(', ') }} from new_events
    union all
    select {{ event_columns | join(', ') }} from restated_previous_events
),

{% else -%}

events as (
    select * from {{ ref('int_events_sessionable') }}
),

events_to_sessionize as (
    select {{ event_columns | join(', ') }} from events
),

{% endif -%}

-- Non-sessionable events sit in partitions of their own, so they neither
-- open nor extend sessions, and one pass serves every event.
events_with_previous as (
    select
        *,
        lag(event_ts) over (
            partition by user_id, is_sessionable
            order by event_ts, _row_key
        ) as previous_event_ts
    from events_to_sessionize
),

-- S4: at least the timeout since the previous sessionable event opens a
-- session.
session_openers as (
    select
        *,
        is_sessionable
        and (
            previous_event_ts is null
            or {{ epoch_microseconds('event_ts') }}
            - {{ epoch_microseconds('previous_event_ts') }}
            >= {{ session_timeout_microseconds() }}
        ) as is_session_opener
    from events_with_previous
),

opened_sessions as (
    select
        *,
        case when is_session_opener then event_ts end as opened_session_at
    from session_openers
),

-- Every event belongs to the session the latest opener so far opened: its
-- start is that opener's time (in time order it is also the running max,
-- which DuckDB computed ≈ 0.5 s slower per 10M events).
sessionized_events as (
    select
        {{ event_columns | join(', ') }},
        {{ last_non_null('opened_session_at') }} over user_timeline as session_start
    from opened_sessions
    window user_timeline as (
        partition by user_id, is_sessionable
        order by event_ts, _row_key
        rows between unbounded preceding and current row
    )
),

final as (
    select
        {{ event_columns | join(', ') }},
        session_start,
        (select session_definition.fingerprint from session_definition)
            as _session_definition_hash,
        {{ run_started_at_utc() }} as _sessionized_at
    from sessionized_events
)

select * from final
