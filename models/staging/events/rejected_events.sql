-- Quarantine: every raw submission event that could not be used, with its raw values and why.
{{ config(materialized='table') }}

select
    source_file,
    source_row_number,
    raw_cookie as cookie,
    raw_page_url as page_url,
    raw_event_timestamp as event_timestamp,
    raw_event_name as event_name,
    raw_gated_asset_type as gated_asset_type,
    raw_event_id as event_id,
    reject_reason
from {{ ref('stg_events__events_validated') }}
where not is_ignored and reject_reason is not null
