{# Seconds (a double) and whole microseconds (a bigint) since 1970-01-01 UTC of an instant (instant_type()). #}
{% macro epoch_seconds(instant) %}
    {{ return(adapter.dispatch('epoch_seconds', 'assetrec')(instant)) }}
{% endmacro %}
{% macro default__epoch_seconds(instant) -%}
    epoch({{ instant }})
{%- endmacro %}
{% macro spark__epoch_seconds(instant) -%}
    (unix_micros({{ instant }}) / 1000000.0)
{%- endmacro %}

{% macro epoch_microseconds(instant) %}
    {{ return(adapter.dispatch('epoch_microseconds', 'assetrec')(instant)) }}
{% endmacro %}
{% macro default__epoch_microseconds(instant) -%}
    epoch_us({{ instant }})
{%- endmacro %}
{% macro spark__epoch_microseconds(instant) -%}
    unix_micros({{ instant }})
{%- endmacro %}

{# The instant of a text literal in ISO-8601 with an offset (`2024-03-01 00:00:00+00:00`). #}
{% macro instant_literal(text) -%}
    cast({{ assetrec.sql_string(text) }} as {{ assetrec.instant_type() }})
{%- endmacro %}

{#
  A value that orders as (first, second), for min/max of a position such as (file, row). DuckDB's struct literal;
  Spark's named_struct (structs compare field by field on both).
#}
{% macro ordered_pair(first, second) %}
    {{ return(adapter.dispatch('ordered_pair', 'assetrec')(first, second)) }}
{% endmacro %}
{% macro default__ordered_pair(first, second) -%}
    { 'first': {{ first }}, 'second': {{ second }} }
{%- endmacro %}
{% macro spark__ordered_pair(first, second) -%}
    named_struct('first', {{ first }}, 'second', {{ second }})
{%- endmacro %}
