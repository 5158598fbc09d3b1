-- Quarantine: every raw submissions row that could not be used, with its raw values and why.
{{ config(materialized='table') }}

select
    source_file,
    source_row_number,
    raw_cookie as cookie,
    raw_gated_asset_type as gated_asset_type,
    raw_page_url as page_url,
    raw_form_submissions as form_submissions,
    reject_reason
from {{ ref('stg_clickstream__submissions_validated') }}
where reject_reason is not null
