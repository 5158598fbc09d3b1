{#-
  The prototype's avg_similarity figure, from similar_pages_cooccurrence: for each submitted page, avg_score
  = the mean score of its var('top_k') (10) most similar other pages; then the mean of avg_score over the
  pages of each business unit and of each asset type.
  A page with fewer than K similar pages (it shares cookies with fewer than K pages) counts the missing ones
  at the measure's value for pages never submitted together: 0, or -1 for npmi, exactly as a dense
  similarity matrix would. pmi has no such value (log2 of 0): with pmi, avg_score is the mean over the
  similar pages the page has, and a page with none is left out of mean_avg_similarity.
  The ALS side (model 'als', measure 'cosine') does the same from similar_pages (cosine of ALS page
  factors), so the two can be read side by side; its avg_score is the mean over the similar pages a page has
  (every page has K of them unless the catalogue has K pages or fewer).
-#}
{%- set measure = assetrec.cooccurrence_measure() -%}
{%- set top_k = assetrec.cooccurrence_int_var('top_k', 10) -%}
{%- set floor = assetrec.cooccurrence_measure_floor(measure) %}

with pages as (
    select
        page_url,
        gated_asset_type
    from {{ ref('dim_pages') }}
),

page_units as (
    select
        page_url,
        business_unit
    from {{ ref('bridge_page_business_units') }}
),

-- The two models, with the value a missing neighbour counts at (null: avg_score is the mean over the
-- similar pages a page has).
models as (
    select
        'cooccurrence' as model,  -- noqa: RF04
        '{{ measure }}' as measure,
        {{ floor if floor is not none else 'null' }} as floor
    union all
    select
        'als' as model,  -- noqa: RF04
        'cosine' as measure,
        null as floor
),

neighbours as (
    select
        'cooccurrence' as model,  -- noqa: RF04
        page_url,
        score
    from {{ ref('similar_pages_cooccurrence') }}
    union all
    select
        'als' as model,  -- noqa: RF04
        page_url,
        score
    from {{ ref('similar_pages') }}
),

page_avg_scores as (
    select
        models.model,
        models.measure,
        pages.page_url,
        count(neighbours.score) as similar_page_count,
        case
            when models.floor is null then sum(neighbours.score) / nullif(count(neighbours.score), 0)
            else
                (coalesce(sum(neighbours.score), 0.0) + ({{ top_k }} - count(neighbours.score)) * models.floor)
                / {{ top_k }}
        end as avg_score
    from pages
    cross join models
    left join neighbours on pages.page_url = neighbours.page_url and models.model = neighbours.model
    group by models.model, models.measure, models.floor, pages.page_url
),

-- A page counts once per asset type (it has one) and once per business unit (a page mapped to two units
-- counts in both; an unmapped page under 'unmapped').
page_groups as (
    select
        page_url,
        'gated_asset_type' as grouping,  -- noqa: RF04
        gated_asset_type as group_value
    from pages
    union all
    select
        pages.page_url,
        'business_unit' as grouping,  -- noqa: RF04
        coalesce(page_units.business_unit, 'unmapped') as group_value
    from pages
    left join page_units on pages.page_url = page_units.page_url
)

select
    cast(page_groups.grouping as {{ assetrec.text_type() }}) as grouping,  -- noqa: RF04
    cast(page_groups.group_value as {{ assetrec.text_type() }}) as group_value,
    count(*) as pages,
    count(case when page_avg_scores.similar_page_count > 0 then 1 end) as pages_with_similar_pages,
    avg(page_avg_scores.avg_score) as mean_avg_similarity,
    cast(page_avg_scores.measure as {{ assetrec.text_type() }}) as measure,
    cast(page_avg_scores.model as {{ assetrec.text_type() }}) as model  -- noqa: RF04
from page_groups
inner join page_avg_scores on page_groups.page_url = page_avg_scores.page_url
group by page_avg_scores.model, page_avg_scores.measure, page_groups.grouping, page_groups.group_value
