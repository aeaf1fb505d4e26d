{#- S2/S11: the quarantine, public in schema marts: every rejected raw row,
    raw values as received, with its reason. Rows are quarantined once, by
    the run that read them (S12), so an incremental run appends the rejected
    rows of the runs not yet here instead of rewriting the table. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    schema='marts',
) }}

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
    where
        reject_reason is not null -- noqa: LT02
        {%- if is_incremental() %}
        and _staged_at not in (select quarantined.rejected_at from {{ this }} as quarantined)
        {%- endif %}
)

select * from final
