-- One row per submitted page: its asset type, business units and activity.
with interactions as (
    select * from {{ ref('fct_page_interactions') }}
),

page_activity as (
    select
        page_url,
        count(distinct cookie) as cookies,
        cast(sum(form_submissions) as bigint) as form_submissions,
        sum(event_strength) as event_strength
    from interactions
    group by page_url
),

asset_type_votes as (
    select
        page_url,
        gated_asset_type,
        row_number() over (partition by page_url order by count(*) desc, gated_asset_type) as vote_rank
    from interactions
    group by page_url, gated_asset_type
),

page_units as (
    {{ assetrec.business_unit_lists(ref('bridge_page_business_units'), 'page_url') }}
)

select
    page_activity.page_url,
    asset_type_votes.gated_asset_type,
    coalesce(page_units.business_units, {{ assetrec.empty_string_list() }}) as business_units,
    page_activity.cookies,
    page_activity.form_submissions,
    page_activity.event_strength
from page_activity
inner join asset_type_votes
    on page_activity.page_url = asset_type_votes.page_url and asset_type_votes.vote_rank = 1
left join page_units
    on page_activity.page_url = page_units.page_url
