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
