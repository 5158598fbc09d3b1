-- One row per cookie (visitor): how many pages it submitted, how often, and in which business units.
with interactions as (
    select * from {{ ref('fct_page_interactions') }}
),

cookie_activity as (
    select
        cookie,
        count(*) as interactions,
        cast(sum(form_submissions) as bigint) as form_submissions,
        sum(event_strength) as event_strength
    from interactions
    group by cookie
),

cookie_units as (
    {{ assetrec.business_unit_lists(ref('int_cookie_business_units'), 'cookie') }}
)

select
    cookie_activity.cookie,
    cookie_activity.interactions,
    cookie_activity.form_submissions,
    cookie_activity.event_strength,
    coalesce(cookie_units.business_units, {{ assetrec.empty_string_list() }}) as business_units
from cookie_activity
left join cookie_units
    on cookie_activity.cookie = cookie_units.cookie
