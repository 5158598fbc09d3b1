-- The notebook's business-unit hit rate, per cookie, from the published recommendations.
-- hit_rate: share of the cookie's recommended pages whose units intersect the units of the pages it
-- submitted; top_hit_rate: the same against the units of its strongest page(s) (max event_strength).
-- Unmapped recommended pages are misses. No units to compare against: NULL, not 0.
with recommendations as (
    select * from {{ ref('recommendations') }}
),

interactions as (
    select * from {{ ref('fct_page_interactions') }}
),

bridge as (
    select * from {{ ref('bridge_page_business_units') }}
),

consumed_units as (
    select distinct
        interactions.cookie,
        bridge.business_unit
    from interactions
    inner join bridge on interactions.page_url = bridge.page_url
),

top_units as (
    select distinct
        strongest.cookie,
        bridge.business_unit
    from (
        select
            cookie,
            page_url
        from interactions
        qualify event_strength = max(event_strength) over (partition by cookie)
    ) as strongest
    inner join bridge on strongest.page_url = bridge.page_url
),

-- One row per recommended (cookie, page) that has a unit: does any of its units match?
unit_matches as (
    select
        recommendations.cookie,
        recommendations.page_url,
        bool_or(consumed_units.business_unit is not null) as is_hit,
        bool_or(top_units.business_unit is not null) as is_top_hit
    from recommendations
    inner join bridge on recommendations.page_url = bridge.page_url
    left join consumed_units
        on recommendations.cookie = consumed_units.cookie and bridge.business_unit = consumed_units.business_unit
    left join top_units
        on recommendations.cookie = top_units.cookie and bridge.business_unit = top_units.business_unit
    group by recommendations.cookie, recommendations.page_url
),

per_cookie as (
    select
        recommendations.cookie,
        count(*) as recommended_pages,
        count(*) filter (where unit_matches.is_hit) as hits,
        count(*) filter (where unit_matches.is_top_hit) as top_hits
    from recommendations
    left join unit_matches
        on recommendations.cookie = unit_matches.cookie and recommendations.page_url = unit_matches.page_url
    group by recommendations.cookie
),

scored as (
    select
        cookies.cookie,
        cookies.interactions,
        cookies.form_submissions,
        case
            when cookies.cookie in (select consumed_units.cookie from consumed_units)
                then coalesce(per_cookie.hits / per_cookie.recommended_pages, 0.0)
        end as hit_rate,
        case
            when cookies.cookie in (select top_units.cookie from top_units)
                then coalesce(per_cookie.top_hits / per_cookie.recommended_pages, 0.0)
        end as top_hit_rate
    from {{ ref('dim_cookies') }} as cookies
    left join per_cookie on cookies.cookie = per_cookie.cookie
)

select
    cookie,
    interactions,
    form_submissions,
    hit_rate,
    top_hit_rate,
    hit_rate + top_hit_rate as cumulative_hit_rate
from scored
