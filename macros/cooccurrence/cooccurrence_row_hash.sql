{#
  A 64-bit hash of a list of SQL expressions (nulls included), for order-independent checksums: the sum
  of the hashes of two multisets of rows is equal when the multisets are, and differs otherwise except
  with negligible probability. DuckDB's hash() returns UBIGINT and sums them as HUGEINT, without overflow.
#}
{% macro cooccurrence_row_hash(expressions) %}
    {{ return(adapter.dispatch('cooccurrence_row_hash', 'assetrec')(expressions)) }}
{% endmacro %}

{% macro default__cooccurrence_row_hash(expressions) -%}
    hash({{ expressions | join(', ') }})
{%- endmacro %}
