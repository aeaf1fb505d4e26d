{#- S6/S9: the one row every mart is judged against: as_of, its date in the
    reporting time zone, and the dashboard window ending on that date. -#}
{{ config(materialized='table') }}

{%- set given_as_of = session_as_of() %}

with

events as (
    select * from {{ ref('int_events_sessionized') }}
),

as_of as (
    {%- if given_as_of is not none %}
    select {{ given_as_of }} as as_of
    {%- else %}
    -- S6: the latest staged event, sessionable or not.
    select max(event_ts) as as_of
    from events
    {%- endif %}
),

-- S9: the as-of date in the reporting time zone, which the window ends on.
as_of_dates as (
    select
        as_of,
        {{ local_date('as_of') }} as as_of_date
    from as_of
),

final as (
    select
        as_of,
        as_of_date,
        as_of_date - {{ dashboard_days() - 1 }} as window_start_date,
        as_of_date as window_end_date,
        -- No UTC time whose local date lies in the window comes earlier,
        -- whatever the zone (offsets are within a day): the board marts keep
        -- the sessions from here on before they work out each one's local
        -- date, which took most of their time.
        cast(as_of_date - {{ dashboard_days() }} as timestamp) as window_scan_start_at,
        {{ session_timeout_seconds() }} as session_timeout_seconds,
        '{{ reporting_timezone() }}' as reporting_timezone,
        {{ dashboard_days() }} as dashboard_days
    from as_of_dates
)

select * from final
