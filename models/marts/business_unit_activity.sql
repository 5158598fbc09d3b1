-- One row per business unit (plus `unmapped` for pages without one): its audience and activity.
-- A page in two units counts in both, so units do not add up to the total; `unmapped` rows do.
with interactions as (
    select * from {{ ref('fct_page_interactions') }}
),

page_units as (
    {{ assetrec.page_units_or_unmapped('interactions') }}
)

select
    page_units.business_unit,
    count(distinct interactions.cookie) as cookies,
    count(distinct interactions.page_url) as pages,
    count(*) as interactions,
    cast(sum(interactions.form_submissions) as bigint) as form_submissions,
    sum(interactions.event_strength) as event_strength
from interactions
inner join page_units
    on interactions.page_url = page_units.page_url
group by page_units.business_unit
