-- Nothing silently dropped or invented: raw mapping rows = bridge rows + rejected rows.
with counts as (
    select
        (select count(*) from {{ ref('base_clickstream__bu_mappings') }}) as raw_rows,
        (select count(*) from {{ ref('bridge_page_business_units') }}) as clean_rows,
        (select count(*) from {{ ref('rejected_bu_mappings') }}) as rejected_rows
)

select *
from counts
where raw_rows <> clean_rows + rejected_rows
