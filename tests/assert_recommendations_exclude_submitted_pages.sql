-- A cookie is never offered a page it already submitted.
select
    recommendations.cookie,
    recommendations.page_url
from {{ ref('recommendations') }} as recommendations
inner join {{ ref('fct_page_interactions') }} as interactions
    on
        recommendations.cookie = interactions.cookie
        and recommendations.page_url = interactions.page_url
