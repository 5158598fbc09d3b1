-- page_cooccurrence holds every pair in both orientations, with the same counts and measures and
-- cookies_a / cookies_b swapped: for every page, the rows where it is page_a (seen from the other page)
-- are exactly the rows where it is page_b. Compared per page through a count and a sum of row hashes of
-- each side, in one aggregation instead of a join of the table with itself. Returns the pages where the
-- two sides differ.
{%- set shared = ['co_cookies', 'total_cookies', 'jaccard', 'cosine', 'inclusion', 'lift', 'pmi', 'npmi',
    'weighted_cosine'] %}

with sides as (
    select
        page_a as page_url,
        'a' as side,
        {{ assetrec.cooccurrence_row_hash(['page_b', 'cookies_a', 'cookies_b'] + shared) }} as row_hash
    from {{ ref('page_cooccurrence') }}
    union all
    -- the same row seen from the other orientation: partner page_a, the two page totals swapped
    select
        page_b as page_url,
        'b' as side,
        {{ assetrec.cooccurrence_row_hash(['page_a', 'cookies_b', 'cookies_a'] + shared) }} as row_hash
    from {{ ref('page_cooccurrence') }}
)

select
    page_url,
    count(case when side = 'a' then 1 end) as rows_as_page_a,
    count(case when side = 'b' then 1 end) as rows_as_page_b
from sides
group by page_url
having
    count(case when side = 'a' then 1 end) <> count(case when side = 'b' then 1 end)
    or sum(case when side = 'a' then row_hash end) is distinct from sum(case when side = 'b' then row_hash end)
