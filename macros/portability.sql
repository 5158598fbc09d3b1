{#
  Small SQL functions whose spelling differs between engines, behind adapter.dispatch so that a Spark
  target only needs a spark__ version of each (DuckDB's is the default).
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

{# An empty list of strings, for pages or cookies without a business unit. #}
{% macro empty_string_list() %}
    {{ return(adapter.dispatch('empty_string_list', 'assetrec')()) }}
{% endmacro %}
{% macro default__empty_string_list() -%}
    cast([] as varchar[])
{%- endmacro %}
{% macro spark__empty_string_list() -%}
    cast(array() as array<string>)
{%- endmacro %}

{# True when the whole of `expression` matches the regular expression `pattern`. #}
{% macro regex_full_match(expression, pattern) %}
    {{ return(adapter.dispatch('regex_full_match', 'assetrec')(expression, pattern)) }}
{% endmacro %}
{% macro default__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__regex_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{# Cast that yields null instead of failing. #}
{% macro safe_cast(expression, type) %}
    {{ return(adapter.dispatch('safe_cast', 'assetrec')(expression, type)) }}
{% endmacro %}
{% macro default__safe_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{# Number of elements of a list. #}
{% macro list_length(expression) %}
    {{ return(adapter.dispatch('list_length', 'assetrec')(expression)) }}
{% endmacro %}
{% macro default__list_length(expression) -%}
    len({{ expression }})
{%- endmacro %}
{% macro spark__list_length(expression) -%}
    size({{ expression }})
{%- endmacro %}
