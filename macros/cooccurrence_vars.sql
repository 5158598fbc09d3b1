{#
  The co-occurrence models' vars, checked at compile time so that a wrong value stops the build with a
  message naming the var and the values it accepts (instead of a SQL error or a silently empty table).
#}

{# Measures of page_cooccurrence that similar_pages_cooccurrence can rank by (var('cooccurrence_measure')). #}
{% macro cooccurrence_measures() %}
    {{ return(['jaccard', 'cosine', 'inclusion', 'lift', 'pmi', 'npmi', 'weighted_cosine', 'co_cookies']) }}
{% endmacro %}

{# var('cooccurrence_measure'), one of cooccurrence_measures(). #}
{% macro cooccurrence_measure() %}
    {%- set measure = var('cooccurrence_measure', 'jaccard') -%}
    {%- if measure not in assetrec.cooccurrence_measures() -%}
        {{ exceptions.raise_compiler_error(
            "var('cooccurrence_measure') is " ~ measure | string | tojson ~ "; allowed values: "
            ~ assetrec.cooccurrence_measures() | join(', ') ~ ".") }}
    {%- endif -%}
    {{ return(measure) }}
{% endmacro %}

{#
  A whole-number var (an integer, or text of digits as vars passed through YAML strings arrive) that must
  be >= minimum; with allow_none, null (or the text none/null) is accepted and returned as none.
#}
{% macro cooccurrence_int_var(name, default, minimum=1, allow_none=false) %}
    {%- set raw = var(name, default) -%}
    {%- set text = raw | string | trim | lower -%}
    {%- set expected = "a whole number >= " ~ minimum ~ (" or null" if allow_none else "") -%}
    {%- if raw is none or (raw is string and text in ('', 'none', 'null')) -%}
        {%- if allow_none -%}
            {{ return(none) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error("var('" ~ name ~ "') must be " ~ expected ~ ", got null.") }}
    {%- endif -%}
    {%- if raw is sameas true or raw is sameas false
        or not (raw is integer or (raw is string and text.isdigit())) -%}
        {{ exceptions.raise_compiler_error(
            "var('" ~ name ~ "') must be " ~ expected ~ ", got " ~ raw | string | tojson ~ ".") }}
    {%- endif -%}
    {%- set value = text | int -%}
    {%- if value < minimum -%}
        {{ exceptions.raise_compiler_error(
            "var('" ~ name ~ "') must be " ~ expected ~ ", got " ~ value ~ ".") }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}

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
