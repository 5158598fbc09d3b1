{#
  dbt's cast() (used by contracts to read the declared data_type of each column, and by unit-test fixtures),
  accepting the DuckDB spellings a project shared with DuckDB declares: varchar (Spark wants a length),
  varchar[] / text[] (array<string>) and timestamptz (Spark's timestamp is an instant). Spark's own names pass
  unchanged.
#}
{% macro sparklocal__cast(field, type) -%}
    cast({{ field }} as {{ sparklocal_type(type) }})
{%- endmacro %}

{% macro sparklocal_type(type) -%}
    {%- set name = type | trim | lower -%}
    {%- set names = {
        'varchar': 'string', 'text': 'string', 'varchar[]': 'array<string>', 'text[]': 'array<string>',
        'string[]': 'array<string>', 'timestamptz': 'timestamp', 'timestamp with time zone': 'timestamp',
        'hugeint': 'decimal(38,0)'} -%}
    {{- names.get(name, type) -}}
{%- endmacro %}

{#
  dbt's safe_cast(), which unit tests use to read fixture values as the column types: with the same DuckDB
  spellings translated (a timestamptz contract column, say).
#}
{% macro sparklocal__safe_cast(field, type) -%}
    {{ spark__safe_cast(field, sparklocal_type(type)) }}
{%- endmacro %}
