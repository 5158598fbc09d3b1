-- One row per page: its ALS factor vector, for BI and later tooling.
select
    id as page_url,
    factors
from {{ ref('int_als_factors') }}
where entity = 'page'
