-- One row per (page_url, business_unit) of the mapping; a page may belong to several units.
select distinct
    page_url,
    business_unit
from {{ ref('stg_clickstream__bu_mappings') }}
