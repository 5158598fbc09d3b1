-- One row per cookie: its ALS factor vector, for BI and later tooling.
select
    id as cookie,
    factors
from {{ ref('int_als_factors') }}
where entity = 'cookie'
