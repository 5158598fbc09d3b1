-- The distinct business units of the pages each cookie submitted (cookies without a mapped page: no row).
select distinct
    interactions.cookie,
    mappings.business_unit
from {{ ref('stg_clickstream__submissions') }} as interactions
inner join {{ ref('stg_clickstream__bu_mappings') }} as mappings
    on interactions.page_url = mappings.page_url
