{# Cast that yields null instead of failing. #}
{% macro safe_cast(expression, type) %}
    {{ return(adapter.dispatch('safe_cast', 'assetrec')(expression, type)) }}
{% endmacro %}
{% macro default__safe_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
