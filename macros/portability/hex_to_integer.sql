{#
  A text of at most 16 hexadecimal digits (e.g. a prefix of md5()) as the non-negative integer it spells, a
  decimal(20, 0) (up to 2^64 - 1: more than bigint holds). DuckDB reads a 0x literal as ubigint; Spark converts
  the base with conv(), which returns the decimal digits as text.
#}
{% macro hex_to_integer(hex_text) %}
    {{ return(adapter.dispatch('hex_to_integer', 'assetrec')(hex_text)) }}
{% endmacro %}
{% macro default__hex_to_integer(hex_text) -%}
    cast(cast('0x' || {{ hex_text }} as ubigint) as decimal(20, 0))
{%- endmacro %}
{% macro spark__hex_to_integer(hex_text) -%}
    cast(conv({{ hex_text }}, 16, 10) as decimal(20, 0))
{%- endmacro %}
