{#
  The value of `measure` for two pages that no cookie submitted together (co_cookies = 0): 0 for the
  counts and ratios, -1 for npmi; pmi has none (log2 of 0), so none is returned for it.
#}
{% macro cooccurrence_measure_floor(measure) %}
    {%- if measure == 'pmi' -%}
        {{ return(none) }}
    {%- elif measure == 'npmi' -%}
        {{ return('-1.0') }}
    {%- endif -%}
    {{ return('0.0') }}
{% endmacro %}
