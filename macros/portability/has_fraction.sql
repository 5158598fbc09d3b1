{#
  True when a (non-NaN) double has a fractional part. Infinities have none. Spark's trunc() is for dates, and
  its floor() and casts to bigint clip large values, so it compares with the bigint cast only below 2^52, above
  which every double is a whole number.
#}
{% macro has_fraction(number) %}
    {{ return(adapter.dispatch('has_fraction', 'assetrec')(number)) }}
{% endmacro %}
{% macro default__has_fraction(number) -%}
    {{ number }} <> trunc({{ number }})
{%- endmacro %}
{% macro spark__has_fraction(number) -%}
    (abs({{ number }}) < 4503599627370496 and {{ number }} <> cast({{ number }} as bigint))
{%- endmacro %}
