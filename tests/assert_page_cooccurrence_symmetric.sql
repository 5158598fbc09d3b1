-- page_cooccurrence holds every pair in both orientations, with the same counts and measures and
-- cookies_a / cookies_b swapped: for every page, the rows where it is page_a (seen from the other page)
-- are exactly the rows where it is page_b. Compared per page through a count and a sum of row hashes, so
-- the test costs two aggregations instead of a join of the table with itself. Returns the pages where
-- the two sides differ.
{%- set shared = ['co_cookies', 'total_cookies', 'jaccard', 'cosine', 'inclusion', 'lift', 'pmi', 'npmi',
    'weighted_cosine'] %}

with as_page_a as (
    select
        page_a as page_url,
        count(*) as pair_rows,
        sum({{ assetrec.cooccurrence_row_hash(['page_b', 'cookies_a', 'cookies_b'] + shared) }}) as row_checksum
    from {{ ref('page_cooccurrence') }}
    group by page_a
),

as_page_b as (
    select
        page_b as page_url,
        count(*) as pair_rows,
        -- the same row seen from the other orientation: partner page_a, the two page totals swapped
        sum({{ assetrec.cooccurrence_row_hash(['page_a', 'cookies_b', 'cookies_a'] + shared) }}) as row_checksum
    from {{ ref('page_cooccurrence') }}
    group by page_b
)

select
    coalesce(as_page_a.page_url, as_page_b.page_url) as page_url,
    as_page_a.pair_rows as rows_as_page_a,
    as_page_b.pair_rows as rows_as_page_b
from as_page_a
full outer join as_page_b on as_page_a.page_url = as_page_b.page_url
where
    as_page_a.page_url is null
    or as_page_b.page_url is null
    or as_page_a.pair_rows <> as_page_b.pair_rows
    or as_page_a.row_checksum <> as_page_b.row_checksum
