-- Quarantine: every raw mapping row that could not be used, with its raw values and why.
{{ config(materialized='table') }}

select
    source_file,
    source_row_number,
    raw_business_unit as business_unit,
    raw_page_url as page_url,
    reject_reason
from {{ ref('stg_clickstream__bu_mappings_validated') }}
where reject_reason is not null
