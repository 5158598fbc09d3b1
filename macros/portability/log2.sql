{#
  Base-2 logarithm (pmi and npmi are in bits). DuckDB and Spark both spell it log2, so it is not
  dispatched: give it adapter.dispatch (as the other macros here) when a target spells it otherwise.
#}
{% macro log2(x) -%}
    log2({{ x }})
{%- endmacro %}
