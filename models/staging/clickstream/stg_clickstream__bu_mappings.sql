-- The usable page-to-business-unit pairs, distinct.
select
    page_url,
    business_unit,
    source_row_number
from {{ ref('stg_clickstream__bu_mappings_validated') }}
where reject_reason is null
