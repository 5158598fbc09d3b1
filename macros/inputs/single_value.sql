{# The one value of a one-row, one-column query. #}
{% macro single_value(sql) %}
    {{ return(run_query(sql).columns[0].values()[0]) }}
{% endmacro %}
