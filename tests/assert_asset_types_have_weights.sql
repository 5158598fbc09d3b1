-- Warns with the asset types that are missing from the asset_type_weights seed and so got
-- var('default_asset_weight'): add them to seeds/asset_type_weights.csv to weigh them on purpose.
{{ config(severity='warn') }}

select
    gated_asset_type,
    count(*) as interactions,
    max(asset_weight) as weight_used
from {{ ref('int_page_interactions_weighted') }}
where not has_listed_weight
group by gated_asset_type
