-- Every raw mapping row, cleaned (business units trimmed and lower-cased, so ` A` and `a` are one unit),
-- with the first rule it breaks (null when it is usable).
{{ config(materialized='table') }}

with raw as (
    select * from {{ ref('base_clickstream__bu_mappings') }}
),

-- Each raw text trimmed once; the rules below work on the trimmed text.
trimmed as (
    select
        source_file,
        source_row_number,
        business_unit as raw_business_unit,
        page_url as raw_page_url,
        {{ assetrec.trim_whitespace('business_unit') }} as business_unit_text,
        {{ assetrec.trim_whitespace('page_url') }} as page_url_text
    from raw
),

checked as (
    select
        source_file,
        source_row_number,
        raw_business_unit,
        raw_page_url,
        lower({{ assetrec.clean_text('business_unit_text') }}) as business_unit,
        {{ assetrec.clean_text('page_url_text') }} as page_url,
        case
            when {{ assetrec.is_missing_text('business_unit_text') }} then 'missing_business_unit'
            when {{ assetrec.is_missing_text('page_url_text') }} then 'missing_page_url'
        end as row_reject_reason
    from trimmed
),

ranked as (
    select
        *,
        case
            when row_reject_reason is null
                then row_number() over (
                    partition by row_reject_reason is null, page_url, business_unit
                    order by source_row_number
                )
        end as occurrence
    from checked
)

select
    source_file,
    source_row_number,
    raw_business_unit,
    raw_page_url,
    business_unit,
    page_url,
    coalesce(
        row_reject_reason,
        case when occurrence > 1 then 'duplicate_page_business_unit' end
    ) as reject_reason
from ranked
