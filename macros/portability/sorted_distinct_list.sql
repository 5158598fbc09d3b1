{#
  Small SQL functions whose spelling differs between engines sit in this folder, behind adapter.dispatch,
  so that a Spark target only needs a spark__ version of each (DuckDB's is the default).
#}

{# Sorted list of the distinct non-null values of `expression` (an aggregate). #}
{% macro sorted_distinct_list(expression) %}
    {{ return(adapter.dispatch('sorted_distinct_list', 'assetrec')(expression)) }}
{% endmacro %}
{% macro default__sorted_distinct_list(expression) -%}
    list_sort(list(distinct {{ expression }}))
{%- endmacro %}
{% macro spark__sorted_distinct_list(expression) -%}
    array_sort(collect_set({{ expression }}))
{%- endmacro %}
