{#- The columns of a staged event (stg_events), in order. -#}
{% macro staged_event_columns() -%}
    {{ return(['_row_key', 'event_id', 'user_id', 'event_name', 'event_ts', 'channel',
               'source', 'platform', 'properties', 'is_event_id_derived', 'loaded_at',
               '_staged_at']) }}
{%- endmacro %}

{#- S2: the order in which rows of one event id were loaded, the first
    winning: the earliest loaded_at (a missing one counts as this run's
    start), then file, row and content. No staging time takes part: which
    run staged a row does not decide, so an incremental run and a full
    refresh rank the same rows alike (S12). When a later run's copy comes
    first, the published events are rebuilt
    (rebuild_when_published_copy_outranked, macros/incremental.sql); so
    they are when a later run's start passes the loaded_at of a copy that
    lost to one without loaded_at (run_start_verdicts_come_due). -#}
{% macro first_loaded_order(alias) -%}
    {{ loaded_at_or_run_start(alias ~ '.loaded_at') }},
    {%- for column in ['_file_name', '_file_row_number', 'event_ts', 'user_id', 'event_name',
                       'channel', 'source', 'platform', 'properties'] %}
    {{ alias }}.{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- S2: a row's place among the rows of its event id in first_loaded_order,
    1 for the first loaded. -#}
{% macro first_loaded_rank(alias) -%}
    row_number() over (
        partition by {{ alias }}.event_id
        order by {{ first_loaded_order(alias) }}
    )
{%- endmacro %}

{#- S2: the first loaded valid row of each event id in `event_rows` (a
    relation of stg_event_rows' shape), as a query, in first_loaded_order.

    Most ids occur once; only ids seen more than once are ranked, so the
    cost is a hash aggregate, not a sort of every row. The aggregate groups
    a 64-bit hash of the id rather than the text: an id that shares its
    hash with another is ranked among its own rows all the same, since the
    ranking partitions by the id itself.
    `event_rows` is scanned where it is read rather than through a CTE:
    DuckDB materializes a CTE used more than once, a copy of every row. -#}
{% macro first_loaded_rows(event_rows) -%}
    with

    repeated_id_hashes as (
        select {{ fast_hash('event_rows.event_id') }} as event_id_hash
        from {{ event_rows }} as event_rows
        where event_rows.reject_reason is null
        group by {{ fast_hash('event_rows.event_id') }}
        having count(*) > 1
    ),

    single_rows as (
        select event_rows.*
        from {{ event_rows }} as event_rows
        left join repeated_id_hashes
            on {{ fast_hash('event_rows.event_id') }} = repeated_id_hashes.event_id_hash
        where
            event_rows.reject_reason is null
            and repeated_id_hashes.event_id_hash is null
    ),

    ranked_repeated_rows as (
        select
            event_rows.*,
            {{ first_loaded_rank('event_rows') | indent(12) }} as event_id_rank
        from {{ event_rows }} as event_rows
        inner join repeated_id_hashes
            on {{ fast_hash('event_rows.event_id') }} = repeated_id_hashes.event_id_hash
        where event_rows.reject_reason is null
    ),

    first_loaded_repeated_rows as (
        select * from ranked_repeated_rows
        where event_id_rank = 1
    ),

    first_loaded_rows as (
        {%- for relation in ['single_rows', 'first_loaded_repeated_rows'] %}
        select
            {{ staged_event_columns() | join(',\n            ') }}
        from {{ relation }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    )

    select * from first_loaded_rows
{%- endmacro %}

{#- S3: how a rule's event name, channel or source is compared: trimmed as
    staged text is (S2), case-insensitively. -#}
{% macro rule_key(column) -%}
    lower({{ trim_text(column) }})
{%- endmacro %}

{#- S3: `events` (a relation or CTE name with stg_events' columns) with
    is_sessionable from the exclusion-rule seed: the most specific matching
    rule decides, and at a tie exclusion wins. Rules are judged once per
    distinct (name, channel, source) read from `kinds_from` (a relation of
    valid rows holding at least `events`' kinds), not per event; passing a
    relation other than `events` spares DuckDB a materialized copy of a
    CTE read twice. -#}
{% macro flag_sessionable_events(events, kinds_from) -%}
    with

    rules as (
        select * from {{ ref('session_exclusion_rules') }}
    ),

    normalized_rules as (
        select
            is_excluded,
            {{ rule_key('event_name') }} as event_name_key,
            {{ rule_key('channel') }} as channel_key,
            {{ rule_key('source') }} as source_key,
            case when {{ rule_key('event_name') }} = '*' then 0 else 1 end
            + case when {{ rule_key('channel') }} = '*' then 0 else 1 end
            + case when {{ rule_key('source') }} = '*' then 0 else 1 end as specificity
        from rules
    ),

    event_kinds as (
        select distinct
            lower(event_name) as event_name_key,
            coalesce(lower(channel), '') as channel_key,
            lower(source) as source_key
        from {{ kinds_from }}
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

    flagged_events as (
        select
            events.{{ staged_event_columns() | join(',\n            events.') }},
            excluded_kinds.event_name_key is null as is_sessionable
        from {{ events }} as events
        left join excluded_kinds
            on
                lower(events.event_name) = excluded_kinds.event_name_key
                and coalesce(lower(events.channel), '') = excluded_kinds.channel_key
                and lower(events.source) = excluded_kinds.source_key
    )

    select * from flagged_events
{%- endmacro %}
