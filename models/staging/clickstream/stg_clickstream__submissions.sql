-- The usable submissions: one row per (cookie, page_url), typed and trimmed.
select
    cookie,
    page_url,
    gated_asset_type,
    form_submissions,
    source_row_number
from {{ ref('stg_clickstream__submissions_validated') }}
where reject_reason is null
