{#
  An arbitrary integer id 1..n for each row of a query, used only to join rows to each other inside one
  statement (never stored, never compared between runs). DuckDB numbers rows without sorting them; engines
  whose row_number() requires an order (Spark) sort by `order_by`.
#}
{% macro cooccurrence_row_id(order_by) %}
    {{ return(adapter.dispatch('cooccurrence_row_id', 'assetrec')(order_by)) }}
{% endmacro %}

{% macro default__cooccurrence_row_id(order_by) -%}
    row_number() over (order by {{ order_by }})
{%- endmacro %}

{% macro duckdb__cooccurrence_row_id(order_by) -%}
    row_number() over ()
{%- endmacro %}
