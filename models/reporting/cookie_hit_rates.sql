-- The notebook's business-unit hit rate, per cookie, from the published recommendations.
-- hit_rate: share of the cookie's recommended pages whose units intersect the units of the pages it
-- submitted; top_hit_rate: the same against the units of its strongest page(s) (max event_strength).
-- Unmapped recommended pages are misses. No units to compare against: NULL, not 0.
-- Written as aggregations over one (cookie, unit) table, not as several joins of cookie-level sets: DuckDB
-- spills aggregations to disk, and this stays within the memory limit at tens of millions of interactions.
with recommendations as (
    select * from {{ ref('recommendations') }}
),

interactions as (
    select * from {{ ref('fct_page_interactions') }}
),

bridge as (
    select * from {{ ref('bridge_page_business_units') }}
),

-- The strongest submission per cookie and unit; unmapped pages under a NULL unit, since a cookie's
-- strongest page may have no unit (then its top units are none).
unit_strengths as (
    select
        interactions.cookie,
        bridge.business_unit,
        max(interactions.event_strength) as strength
    from interactions
    left join bridge on interactions.page_url = bridge.page_url
    group by interactions.cookie, bridge.business_unit
),

-- The units of the pages each cookie submitted; a top unit holds one of its strongest pages.
cookie_units as (
    select
        cookie,
        business_unit,
        strength = max(strength) over (partition by cookie) as is_top_unit
    from unit_strengths
    qualify business_unit is not null
),

-- One row per recommended (cookie, page): does any of its units match? Unmapped pages match nothing.
recommended_pages as (
    select
        recommendations.cookie,
        recommendations.page_url,
        bool_or(cookie_units.business_unit is not null) as is_hit,
        coalesce(bool_or(cookie_units.is_top_unit), false) as is_top_hit
    from recommendations
    left join bridge on recommendations.page_url = bridge.page_url
    left join cookie_units
        on recommendations.cookie = cookie_units.cookie and bridge.business_unit = cookie_units.business_unit
    group by recommendations.cookie, recommendations.page_url
),

per_cookie as (
    select
        cookie,
        count(*) as recommended_pages,
        count(*) filter (where is_hit) as hits,
        count(*) filter (where is_top_hit) as top_hits
    from recommended_pages
    group by cookie
),

cookies_with_units as (
    select
        cookie,
        bool_or(is_top_unit) as has_top_unit
    from cookie_units
    group by cookie
),

scored as (
    select
        cookies.cookie,
        cookies.interactions,
        cookies.form_submissions,
        case
            when cookies_with_units.cookie is not null
                then coalesce(per_cookie.hits / per_cookie.recommended_pages, 0.0)
        end as hit_rate,
        case
            when cookies_with_units.has_top_unit
                then coalesce(per_cookie.top_hits / per_cookie.recommended_pages, 0.0)
        end as top_hit_rate
    from {{ ref('dim_cookies') }} as cookies
    left join per_cookie on cookies.cookie = per_cookie.cookie
    left join cookies_with_units on cookies.cookie = cookies_with_units.cookie
)

select
    cookie,
    interactions,
    form_submissions,
    hit_rate,
    top_hit_rate,
    hit_rate + top_hit_rate as cumulative_hit_rate
from scored
