{# True when `path` is read as Parquet (by its extension), else it is read as CSV. #}
{% macro is_parquet_path(path) %}
    {{ return(path.lower().endswith('.parquet')) }}
{% endmacro %}
