{#
  The largest usable form_submissions count, 2,147,483,647. It keeps every total of counts (per cookie, per
  page, per unit) far inside BIGINT: a count near the BIGINT maximum would pass cleaning and then overflow
  the marts' sums, stopping the build with a conversion error instead of quarantining the row.
#}
{% macro max_form_submissions() -%}
    2147483647
{%- endmacro %}
