-- similar_pages_cooccurrence holds, for each page, exactly its min(top_k, partners) best partners from
-- page_cooccurrence by the chosen measure, ranked 1..n by score (descending) then page_url (ascending).
-- Checked without a window over page_cooccurrence, and in one pass over it, so it stays linear in its size:
--   1. the listed rows are in order: rank n+1 never beats rank n;
--   2. each page lists min(top_k, partners) rows, ranks 1..n;
--   3. no unlisted partner beats the page's last listed one.
{%- set measure = assetrec.cooccurrence_measure() %}
{%- set top_k = assetrec.cooccurrence_int_var('top_k', 10) %}

with partners as (
    select
        page_a as page_url,
        page_b as similar_page_url,
        {{ measure }} as score
    from {{ ref('page_cooccurrence') }}
    where {{ measure }} is not null
),

listed as (
    select
        page_url,
        rank,
        similar_page_url,
        score
    from {{ ref('similar_pages_cooccurrence') }}
),

out_of_order as (
    select
        later.page_url,
        'rank ' || cast(later.rank as {{ assetrec.text_type() }}) || ' beats or lacks the previous rank' as problem
    from listed as later
    left join listed as earlier
        on later.page_url = earlier.page_url and later.rank = earlier.rank + 1
    where
        later.rank > 1
        and (
            earlier.page_url is null
            or later.score > earlier.score
            or (later.score = earlier.score and later.similar_page_url <= earlier.similar_page_url)
        )
),

listed_counts as (
    select
        page_url,
        count(*) as listed_rows,
        max(rank) as max_rank
    from listed
    group by page_url
),

last_listed as (
    select
        listed.page_url,
        listed.similar_page_url,
        listed.score
    from listed
    inner join listed_counts
        on listed.page_url = listed_counts.page_url and listed.rank = listed_counts.listed_rows
),

-- The one pass over page_cooccurrence: is each unlisted partner better than the page's last listed one?
partner_rows as (
    select
        partners.page_url,
        partners.similar_page_url,
        listed.page_url is null
        and (
            partners.score > last_listed.score
            or (partners.score = last_listed.score and partners.similar_page_url < last_listed.similar_page_url)
        ) as beats_last_listed
    from partners
    left join last_listed on partners.page_url = last_listed.page_url
    left join listed
        on partners.page_url = listed.page_url and partners.similar_page_url = listed.similar_page_url
),

-- Each page's partners, and its first unlisted partner that beats the last listed one (there should be none).
partner_checks as (
    select
        page_url,
        count(*) as partners,
        min(similar_page_url) filter (where beats_last_listed) as missed_partner
    from partner_rows
    group by page_url
),

wrong_counts as (
    select
        coalesce(partner_checks.page_url, listed_counts.page_url) as page_url,
        'lists ' || cast(coalesce(listed_counts.listed_rows, 0) as {{ assetrec.text_type() }}) || ' rows for '
        || cast(coalesce(partner_checks.partners, 0) as {{ assetrec.text_type() }}) || ' partners' as problem
    from partner_checks
    full outer join listed_counts on partner_checks.page_url = listed_counts.page_url
    where
        coalesce(listed_counts.listed_rows, 0) <> least(coalesce(partner_checks.partners, 0), {{ top_k }})
        or listed_counts.max_rank <> listed_counts.listed_rows
),

missed as (
    select
        page_url,
        'unlisted partner ' || missed_partner || ' beats the last listed one' as problem
    from partner_checks
    where missed_partner is not null
)

select
    page_url,
    problem
from out_of_order
union all
select
    page_url,
    problem
from wrong_counts
union all
select
    page_url,
    problem
from missed
