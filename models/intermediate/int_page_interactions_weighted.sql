-- Each clean (cookie, page_url) submission with its asset-type weight and event_strength.
-- An asset type missing from the asset_type_weights seed gets var('default_asset_weight').
with submissions as (
    select * from {{ ref('stg_clickstream__submissions') }}
),

weights as (
    select * from {{ ref('asset_type_weights') }}
)

select
    submissions.cookie,
    submissions.page_url,
    submissions.gated_asset_type,
    submissions.form_submissions,
    weights.weight is not null as has_listed_weight,
    coalesce(weights.weight, {{ var('default_asset_weight') }}) as asset_weight,
    coalesce(weights.weight, {{ var('default_asset_weight') }}) * submissions.form_submissions as event_strength
from submissions
left join weights
    on submissions.gated_asset_type = weights.gated_asset_type
