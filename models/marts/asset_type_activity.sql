-- One row per gated asset type (`None` = missing in the export): its audience and activity.
select
    gated_asset_type,
    count(distinct cookie) as cookies,
    count(distinct page_url) as pages,
    count(*) as interactions,
    cast(sum(form_submissions) as bigint) as form_submissions,
    sum(event_strength) as event_strength
from {{ ref('fct_page_interactions') }}
group by gated_asset_type
