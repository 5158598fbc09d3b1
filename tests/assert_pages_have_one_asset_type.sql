-- Warns with pages whose rows disagree on the asset type (dim_pages keeps the most frequent one).
{{ config(severity='warn') }}

select
    page_url,
    count(distinct gated_asset_type) as asset_types
from {{ ref('fct_page_interactions') }}
group by page_url
having count(distinct gated_asset_type) > 1
