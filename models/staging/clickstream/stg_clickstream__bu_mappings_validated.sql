-- Every raw mapping row, cleaned (business units trimmed and lower-cased, so ` A` and `a` are one unit),
-- with the first rule it breaks (null when it is usable).
{{ config(materialized='table') }}
{%- set raw_columns = ['business_unit', 'page_url'] %}

with trimmed as (
    {{ assetrec.trimmed_raw_rows(ref('base_clickstream__bu_mappings'), raw_columns) }}
),

checked as (
    select
        *,
        lower({{ assetrec.clean_text('business_unit_text') }}) as business_unit,
        {{ assetrec.clean_text('page_url_text') }} as page_url,
        case
            when {{ assetrec.is_missing_text('business_unit_text') }} then 'missing_business_unit'
            when {{ assetrec.is_missing_text('page_url_text') }} then 'missing_page_url'
        end as row_reject_reason
    from trimmed
)

select
    {{ assetrec.raw_row_columns(raw_columns) }},
    business_unit,
    page_url,
    {{ assetrec.reject_reason_with_repeats(
        'row_reject_reason', ['page_url', 'business_unit'], 'duplicate_page_business_unit'
    ) }} as reject_reason
from checked
