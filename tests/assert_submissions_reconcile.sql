-- Nothing silently dropped or invented: raw submissions rows = fct_page_interactions rows + rejected rows.
with counts as (
    select
        (select count(*) from {{ ref('base_clickstream__submissions') }}) as raw_rows,
        (select count(*) from {{ ref('fct_page_interactions') }}) as clean_rows,
        (select count(*) from {{ ref('rejected_submissions') }}) as rejected_rows
)

select *
from counts
where raw_rows <> clean_rows + rejected_rows
