{#- S2/S11: the quarantine, public in schema marts: every rejected raw row,
    raw values as received, with its reason. -#}
{{ config(materialized='table', schema='marts') }}

with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

final as (
    select
        {%- for column in raw_event_columns() %}
        raw_{{ column }} as {{ column }},
        {%- endfor %}
        reject_reason,
        _file_name as file_name,
        _staged_at as rejected_at
    from event_rows
    where reject_reason is not null
)

select * from final
