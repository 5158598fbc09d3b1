{#
  An instant (instant_type()) as the wall-clock timestamp in UTC, for date_trunc and casts to date. DuckDB's
  timezone('UTC', ...); Spark's timestamps are instants already shown in the session time zone, which the spark
  target sets to UTC.
#}
{% macro utc_wall_time(instant) %}
    {{ return(adapter.dispatch('utc_wall_time', 'assetrec')(instant)) }}
{% endmacro %}
{% macro default__utc_wall_time(instant) -%}
    timezone('UTC', {{ instant }})
{%- endmacro %}
{% macro spark__utc_wall_time(instant) -%}
    {{ instant }}
{%- endmacro %}
