{# Base-2 logarithm (pmi and npmi are in bits). DuckDB and Spark both spell it log2. #}
{% macro log2(x) %}
    {{ return(adapter.dispatch('log2', 'assetrec')(x)) }}
{% endmacro %}

{% macro default__log2(x) -%}
    log2({{ x }})
{%- endmacro %}
