{#
  One row per `key` of `relation` (rows of `key` and business_unit) with the sorted list of its distinct
  business units. A mart left-joins it and gives keys without a row empty_string_list().
#}
{% macro business_unit_lists(relation, key) %}
    select
        {{ key }},
        {{ assetrec.sorted_distinct_list('business_unit') }} as business_units
    from {{ relation }}
    group by {{ key }}
{% endmacro %}
