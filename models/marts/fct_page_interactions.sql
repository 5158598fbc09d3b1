-- One row per (cookie, page_url): what the cookie submitted, how often, and how strongly it counts.
select
    cookie,
    page_url,
    gated_asset_type,
    form_submissions,
    asset_weight,
    event_strength
from {{ ref('int_page_interactions_weighted') }}
