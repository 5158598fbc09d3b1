{# The read_csv `columns` struct naming `width` CSV columns by position, column_1 ... column_<width>, all text. #}
{% macro csv_text_columns(width) %}
    {%- set names = [] -%}
    {%- for position in range(1, width + 1) -%}
        {%- do names.append("'column_" ~ position ~ "': 'varchar'") -%}
    {%- endfor -%}
    {{ return('{' ~ names | join(', ') ~ '}') }}
{% endmacro %}
