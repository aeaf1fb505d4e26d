{#- S3: every staged event, flagged sessionable or not by the exclusion-rule
    seed. Rules are judged once per distinct (name, channel, source), not per
    event. -#}
with

events as (
    select * from {{ ref('stg_events') }}
),

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

rules as (
    select * from {{ ref('session_exclusion_rules') }}
),

normalized_rules as (
    select
        is_excluded,
        lower(trim(event_name)) as event_name_key,
        lower(trim(channel)) as channel_key,
        lower(trim(source)) as source_key,
        case when trim(event_name) = '*' then 0 else 1 end
        + case when trim(channel) = '*' then 0 else 1 end
        + case when trim(source) = '*' then 0 else 1 end as specificity
    from rules
),

-- The kinds of every valid raw row (a superset of the staged events'),
-- read from the table: reading `events` twice would make DuckDB
-- materialize the de-duplicated events as a whole.
event_kinds as (
    select distinct
        lower(event_name) as event_name_key,
        coalesce(lower(channel), '') as channel_key,
        lower(source) as source_key
    from event_rows
    where reject_reason is null
),

matching_rules as (
    select
        event_kinds.event_name_key,
        event_kinds.channel_key,
        event_kinds.source_key,
        normalized_rules.is_excluded,
        normalized_rules.specificity,
        max(normalized_rules.specificity) over (
            partition by
                event_kinds.event_name_key,
                event_kinds.channel_key,
                event_kinds.source_key
        ) as top_specificity
    from event_kinds
    inner join normalized_rules
        on
            normalized_rules.event_name_key in ('*', event_kinds.event_name_key)
            and normalized_rules.channel_key in ('*', event_kinds.channel_key)
            and normalized_rules.source_key in ('*', event_kinds.source_key)
),

-- S3: the most specific matching rule decides; at a tie, exclusion wins.
excluded_kinds as (
    select
        event_name_key,
        channel_key,
        source_key
    from matching_rules
    where specificity = top_specificity
    group by event_name_key, channel_key, source_key
    having max(case when is_excluded then 1 else 0 end) = 1
),

final as (
    select
        events.event_id,
        events.user_id,
        events.event_name,
        events.event_ts,
        events.channel,
        events.source,
        events.platform,
        events.properties,
        events.is_event_id_derived,
        events.loaded_at,
        events._staged_at,
        excluded_kinds.event_name_key is null as is_sessionable
    from events
    left join excluded_kinds
        on
            lower(events.event_name) = excluded_kinds.event_name_key
            and coalesce(lower(events.channel), '') = excluded_kinds.channel_key
            and lower(events.source) = excluded_kinds.source_key
)

select * from final
