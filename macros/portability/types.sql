{#
  Type names whose spelling differs between engines (DuckDB's is the default): text, and an instant in time.
  Spark needs a length after varchar and has no timestamptz; its `timestamp` is an instant (shown in the session
  time zone, UTC on the spark target).
#}
{% macro text_type() %}
    {{ return(adapter.dispatch('text_type', 'assetrec')()) }}
{% endmacro %}
{% macro default__text_type() %}
    {{ return('varchar') }}
{% endmacro %}
{% macro spark__text_type() %}
    {{ return('string') }}
{% endmacro %}

{% macro instant_type() %}
    {{ return(adapter.dispatch('instant_type', 'assetrec')()) }}
{% endmacro %}
{% macro default__instant_type() %}
    {{ return('timestamptz') }}
{% endmacro %}
{% macro spark__instant_type() %}
    {{ return('timestamp') }}
{% endmacro %}
