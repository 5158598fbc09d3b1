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
