{#
  Window expression numbering the rows of a file reader 1..n in file order. DuckDB keeps the file order
  (preserve_insertion_order); Spark's row_number() needs an order: monotonically_increasing_id() grows in file
  order within a partition, and the CSV reader (multiLine) reads each file as one partition.
#}
{% macro file_row_number() %}
    {{ return(adapter.dispatch('file_row_number', 'assetrec')()) }}
{% endmacro %}
{% macro default__file_row_number() -%}
    row_number() over ()
{%- endmacro %}
{% macro spark__file_row_number() -%}
    cast(row_number() over (order by monotonically_increasing_id()) as bigint)
{%- endmacro %}
