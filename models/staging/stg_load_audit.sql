{#- S2: the row accounting of every run that read files: raw rows read and
    how many were staged, duplicates or rejected. -#}
with

event_rows as (
    select * from {{ ref('stg_event_rows') }}
),

final as (
    select
        _staged_at as staged_at,
        count(distinct _file_name) as file_count,
        count(*) as raw_row_count,
        count(case when row_status = 'staged' then 1 end) as staged_count,
        count(case when row_status = 'duplicate' then 1 end) as duplicate_count,
        count(case when row_status = 'rejected' then 1 end) as rejected_count
    from event_rows
    group by _staged_at
)

select * from final
