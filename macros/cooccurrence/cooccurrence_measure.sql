{#
  var('cooccurrence_measure'), one of cooccurrence_measures(), checked at compile time so that a wrong value
  stops the build with a message naming the var and the values it accepts.
#}
{% macro cooccurrence_measure() %}
    {%- set measure = var('cooccurrence_measure', 'jaccard') -%}
    {%- if measure not in assetrec.cooccurrence_measures() -%}
        {{ exceptions.raise_compiler_error(
            "var('cooccurrence_measure') is " ~ measure | string | tojson ~ "; allowed values: "
            ~ assetrec.cooccurrence_measures() | join(', ') ~ ".") }}
    {%- endif -%}
    {{ return(measure) }}
{% endmacro %}
