-- The co-occurrence page totals are those of the marts: cookies per page = dim_pages.cookies, every
-- submitted page has a page_id, and total_cookies = distinct cookies of fct_page_interactions (the
-- max_pages_per_cookie cap never changes them). Returns the disagreeing pages.
with fct_totals as (
    select count(distinct cookie) as total_cookies
    from {{ ref('fct_page_interactions') }}
)

select
    coalesce(cooccurrence_pages.page_url, dim_pages.page_url) as page_url,
    cooccurrence_pages.cookies as cooccurrence_cookies,
    dim_pages.cookies as dim_pages_cookies,
    cooccurrence_pages.total_cookies,
    fct_totals.total_cookies as fct_total_cookies
from {{ ref('cooccurrence_pages') }} as cooccurrence_pages
full outer join {{ ref('dim_pages') }} as dim_pages on cooccurrence_pages.page_url = dim_pages.page_url
cross join fct_totals
where
    cooccurrence_pages.page_url is null
    or dim_pages.page_url is null
    or cooccurrence_pages.cookies <> dim_pages.cookies
    or cooccurrence_pages.total_cookies <> fct_totals.total_cookies
