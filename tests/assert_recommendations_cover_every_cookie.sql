-- Every cookie gets top_k pages, or every candidate page it has not submitted when there are fewer.
with candidates as (
    select count(*) as pages
    from {{ ref('dim_pages') }}
    {% if var('candidate_pages') == 'mapped' -%}
        where {{ assetrec.list_length('business_units') }} > 0
    {%- endif %}
),

submitted_candidates as (
    select
        interactions.cookie,
        count(*) as pages
    from {{ ref('fct_page_interactions') }} as interactions
    inner join {{ ref('dim_pages') }} as pages on interactions.page_url = pages.page_url
    {% if var('candidate_pages') == 'mapped' -%}
        where {{ assetrec.list_length('pages.business_units') }} > 0
    {%- endif %}
    group by interactions.cookie
),

recommended as (
    select
        cookie,
        count(*) as pages
    from {{ ref('recommendations') }}
    group by cookie
)

select
    cookies.cookie,
    coalesce(recommended.pages, 0) as recommended_pages,
    least({{ var('top_k') }}, candidates.pages - coalesce(submitted_candidates.pages, 0)) as expected_pages
from {{ ref('dim_cookies') }} as cookies
cross join candidates
left join submitted_candidates on cookies.cookie = submitted_candidates.cookie
left join recommended on cookies.cookie = recommended.cookie
where
    coalesce(recommended.pages, 0)
    <> least({{ var('top_k') }}, candidates.pages - coalesce(submitted_candidates.pages, 0))
