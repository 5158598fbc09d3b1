-- business_unit_similarity counts every submitted page once per asset type and once per business unit
-- (a page in two units twice, an unmapped page under 'unmapped'). Returns the groupings whose page counts
-- disagree with dim_pages and bridge_page_business_units.
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

actual as (
    select
        grouping,
        sum(pages) as pages
    from {{ ref('business_unit_similarity') }}
    group by grouping
)

select
    expected.grouping,
    expected.pages as expected_pages,
    actual.pages as actual_pages
from expected
left join actual on expected.grouping = actual.grouping
where actual.pages is null or actual.pages <> expected.pages
