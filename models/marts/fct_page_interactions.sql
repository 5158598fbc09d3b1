-- One row per (cookie, page_url): what the cookie submitted, how often, when, and how strongly it counts.
select
    cookie,
    page_url,
    gated_asset_type,
    form_submissions,
    asset_weight,
    event_strength,
    first_submitted_at,
    last_submitted_at
from {{ ref('int_page_interactions_weighted') }}
