{#
  Aggregate: the list of the `k` values of `value` with the highest `score` (a number), ties by value
  ascending, best first.
#}
{% macro top_values_list(value, score, k) %}
    {{ return(adapter.dispatch('top_values_list', 'assetrec')(value, score, k)) }}
{% endmacro %}
{% macro default__top_values_list(value, score, k) -%}
    list_slice(list({{ value }} order by {{ score }} desc, {{ value }} asc), 1, {{ k }})
{%- endmacro %}
{#- Spark: sort (-score, value) pairs, keep the first k, drop the scores. -#}
{% macro spark__top_values_list(value, score, k) -%}
    transform(
        slice(array_sort(collect_list(struct(-{{ score }} as negative_score, {{ value }} as top_value))), 1, {{ k }}),
        entry -> entry.top_value
    )
{%- endmacro %}
