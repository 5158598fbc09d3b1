-- One row per submitted page: the integer page_id the co-occurrence self-join works on (1..n in page_url
-- order) and the page's totals over every cookie. These totals are never capped by max_pages_per_cookie.
with interactions as (
    select
        cookie,
        page_url,
        event_strength
    from {{ ref('fct_page_interactions') }}
),

page_totals as (
    select
        page_url,
        -- fct_page_interactions has one row per (cookie, page_url), so count(*) = distinct cookies.
        count(*) as cookies,
        sqrt(sum(event_strength * event_strength)) as strength_norm
    from interactions
    group by page_url
),

totals as (
    select count(distinct cookie) as total_cookies
    from interactions
)

select
    cast(row_number() over (order by page_totals.page_url) as integer) as page_id,
    page_totals.page_url,
    page_totals.cookies,
    page_totals.strength_norm,
    totals.total_cookies
from page_totals
cross join totals
