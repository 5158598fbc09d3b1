-- The accepted submission events: one row per event, typed, trimmed, in UTC.
select
    cookie,
    page_url,
    event_timestamp,
    event_name,
    gated_asset_type,
    event_id,
    source_file,
    source_row_number
from {{ ref('stg_events__events_validated') }}
where not is_ignored and reject_reason is null
