-- business_unit_similarity counts every submitted page once per asset type and once per business unit
-- (a page in two units twice, an unmapped page under 'unmapped'). Returns the groupings whose page counts
-- disagree with dim_pages and bridge_page_business_units, for each model.
with expected as (
    select
        'gated_asset_type' as grouping,  -- noqa: RF04
        count(*) as pages
    from {{ ref('dim_pages') }}
    union all
    select
        'business_unit' as grouping,  -- noqa: RF04
        count(*) as pages
    from {{ ref('dim_pages') }} as pages
    left join {{ ref('bridge_page_business_units') }} as units on pages.page_url = units.page_url
),

models as (
    select 'cooccurrence' as model  -- noqa: RF04
    union all
    select 'als' as model  -- noqa: RF04
),

actual as (
    select
        model,  -- noqa: RF04
        grouping,
        sum(pages) as pages
    from {{ ref('business_unit_similarity') }}
    group by model, grouping
)

select
    models.model,
    expected.grouping,
    expected.pages as expected_pages,
    actual.pages as actual_pages
from expected
cross join models
left join actual on expected.grouping = actual.grouping and models.model = actual.model
where actual.pages is null or actual.pages <> expected.pages
