{#- S2/S11: the quarantine, public in schema marts: every rejected raw row,
    raw values as received, with its reason. Rows are quarantined once, by
    the run that read them (S12), so an incremental run appends the rejected
    rows of the runs not yet here instead of rewriting the table. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    schema='marts',
    meta={'run_stamp_column': 'rejected_at'},
) }}

{#- Incremental: the runs after the latest one that quarantined rows. -#}
{%- set rejected_after = latest_timestamp_literal(this, 'rejected_at')
    if is_incremental() else none %}

with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

final as (
    select
        {%- for column in raw_event_columns() %}
        {{ raw_value_from_json('raw_values', column) }} as {{ column }},
        {%- endfor %}
        reject_reason,
        _file_name as file_name,
        _staged_at as rejected_at
    from event_rows
    where
        reject_reason is not null -- noqa: LT02
        {%- if rejected_after is not none %}
        and _staged_at > {{ rejected_after }}
        {%- endif %}
)

select * from final
