{#
  One row per distinct page_url of `relation` and business unit of that page, with 'unmapped' as the one unit
  of a page that has none: the grouping of the business-unit marts (a page in two units counts in both).
#}
{% macro page_units_or_unmapped(relation) %}
    select
        pages.page_url,
        coalesce(bridge.business_unit, 'unmapped') as business_unit
    from (select distinct page_url from {{ relation }}) as pages
    left join {{ ref('bridge_page_business_units') }} as bridge
        on pages.page_url = bridge.page_url
{% endmacro %}
