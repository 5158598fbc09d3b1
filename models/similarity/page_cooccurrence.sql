{#-
  One row per ordered pair of distinct pages (page_a, page_b) that at least var('min_cooccurrence')
  cookies submitted both of, in both orientations, with counts and similarity measures.
  A view: the pairs are stored once, unordered and with integer ids, in cooccurrence_page_pairs; the
  orientation, the page_url names and the measures cost little to compute when read, but would cost
  several times the self-join itself to write for tens of millions of pairs (see BENCHMARKS.md).
-#}
{{ config(materialized='view') }}

with pages as (
    select
        page_id,
        page_url,
        cookies,
        strength_norm,
        total_cookies
    from {{ ref('cooccurrence_pages') }}
),

pairs as (
    select
        page_id_a,
        page_id_b,
        co_cookies,
        strength_dot
    from {{ ref('cooccurrence_page_pairs') }}
),

both_orientations as (
    select
        page_id_a,
        page_id_b,
        co_cookies,
        strength_dot
    from pairs
    union all
    select
        page_id_b as page_id_a,
        page_id_a as page_id_b,
        co_cookies,
        strength_dot
    from pairs
),

counts as (
    select
        pages_a.page_url as page_a,
        pages_b.page_url as page_b,
        both_orientations.co_cookies,
        pages_a.cookies as cookies_a,
        pages_b.cookies as cookies_b,
        pages_a.total_cookies,
        both_orientations.strength_dot,
        pages_a.strength_norm as strength_norm_a,
        pages_b.strength_norm as strength_norm_b,
        cast(both_orientations.co_cookies as double) as co,
        cast(pages_a.cookies as double) as n_a,
        cast(pages_b.cookies as double) as n_b,
        cast(pages_a.total_cookies as double) as n
    from both_orientations
    inner join pages as pages_a on both_orientations.page_id_a = pages_a.page_id
    inner join pages as pages_b on both_orientations.page_id_b = pages_b.page_id
)

select
    page_a,
    page_b,
    co_cookies,
    cookies_a,
    cookies_b,
    total_cookies,
    co / (n_a + n_b - co) as jaccard,
    co / sqrt(n_a * n_b) as cosine,
    co / least(n_a, n_b) as inclusion,
    co * n / (n_a * n_b) as lift,
    {{ assetrec.log2('co * n / (n_a * n_b)') }} as pmi,
    -- npmi = pmi / -log2(co / n). Pages always submitted together (co = a = b, including co = n,
    -- where both logs are 0) have npmi 1 exactly.
    case
        when co_cookies = cookies_a and co_cookies = cookies_b then 1.0
        else {{ assetrec.log2('co * n / (n_a * n_b)') }} / {{ assetrec.log2('n / co') }}
    end as npmi,
    -- least(): proportional vectors would otherwise give 1 plus a rounding error of a few 1e-16.
    -- Null when a page's event strengths are all 0 (only possible for an asset type weighted 0).
    case
        when strength_norm_a * strength_norm_b > 0
            then least(1.0, strength_dot / (strength_norm_a * strength_norm_b))
    end as weighted_cosine
from counts
