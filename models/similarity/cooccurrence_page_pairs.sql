{#-
  One row per unordered pair of pages (page_id_a < page_id_b) that at least var('min_cooccurrence')
  cookies submitted both of: how many (co_cookies) and the dot product of their event_strength
  (strength_dot). This is the expensive step (a self-join on cookie); page_cooccurrence turns it into
  named, oriented pairs with every measure.
-#}
{%- set min_cooccurrence = assetrec.cooccurrence_int_var('min_cooccurrence', 1) -%}
{%- set max_pages_per_cookie = assetrec.cooccurrence_int_var(
    'max_pages_per_cookie', 100, minimum=2, allow_none=true) -%}
{%- if max_pages_per_cookie is none -%}
    {%- set page_rank_sql = '1' -%}
{%- else -%}
    {%- set page_rank_sql = 'row_number() over (partition by cookie_id order by event_strength desc, page_id asc)' -%}
{%- endif %}

with pages as (
    select
        page_id,
        page_url
    from {{ ref('cooccurrence_pages') }}
),

interactions as (
    select
        cookie,
        page_url,
        event_strength
    from {{ ref('fct_page_interactions') }}
),

-- Integer cookie ids: the self-join hashes and compares 4-byte integers instead of 38-digit strings.
cookies as (
    select
        cookie,
        cast({{ assetrec.cooccurrence_row_id('cookie') }} as integer) as cookie_id
    from (select distinct cookie from {{ ref('fct_page_interactions') }}) as distinct_cookies
),

cookie_pages as (
    select
        cookies.cookie_id,
        pages.page_id,
        interactions.event_strength
    from interactions
    inner join pages on interactions.page_url = pages.page_url
    inner join cookies on interactions.cookie = cookies.cookie
),

-- The cap: a cookie with more than max_pages_per_cookie pages contributes pairs among its strongest
-- pages only (highest event_strength, ties by page_url, which page_id follows). Without a cap every page
-- has page_rank 1 and nothing is ranked.
ranked_cookie_pages as (
    select
        cookie_id,
        page_id,
        event_strength,
        {{ page_rank_sql }} as page_rank
    from cookie_pages
),

pair_input as (
    select
        cookie_id,
        page_id,
        event_strength
    from ranked_cookie_pages
    where page_rank <= {{ max_pages_per_cookie or 1 }}
),

-- Two orderings of the same rows, for speed only (no result depends on them; engines may ignore them).
-- Build side of the hash join, by cookie: the rows of one cookie sit together in the hash table, which
-- makes DuckDB's self-join several times faster. Probe side, by page: each page's pairs come out together,
-- so the aggregation meets the same (page_a, page_b) groups while they are still in cache.
pair_input_by_cookie as (
    select
        cookie_id,
        page_id,
        event_strength
    from pair_input
    order by cookie_id
),

pair_input_by_page as (
    select
        cookie_id,
        page_id,
        event_strength
    from pair_input
    order by page_id
),

pair_counts as (
    select
        a.page_id as page_id_a,
        b.page_id as page_id_b,
        count(*) as co_cookies,
        sum(a.event_strength * b.event_strength) as strength_dot
    from pair_input_by_page as a
    inner join pair_input_by_cookie as b
        on a.cookie_id = b.cookie_id and a.page_id < b.page_id
    group by a.page_id, b.page_id
)

select
    page_id_a,
    page_id_b,
    co_cookies,
    strength_dot
from pair_counts
where co_cookies >= {{ min_cooccurrence }}
