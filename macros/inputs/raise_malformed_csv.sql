{#
  Stops the build: `label` is not a well-formed CSV file. `findings` are [where, problem, record text] lists
  (where: "the header" or "data row n"), one per malformed record, in file order; each record's text is
  shown on one line, cut at 80 characters.
#}
{% macro raise_malformed_csv(label, findings) %}
    {%- set lines = [] -%}
    {%- for where, problem, record in findings -%}
        {%- set text = (record or '') | replace('\r', '') | replace('\n', ' ') -%}
        {%- do lines.append(where ~ " " ~ problem ~ ": " ~ (text[:80] ~ ('...' if text | length > 80 else ''))) -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        label ~ " is not a well-formed CSV file (data row 1 = the first record after the header):\n    "
        ~ lines | unique | join('\n    ')
        ~ "\n  Values that contain commas, double quotes or line breaks must be enclosed in double quotes"
        ~ " (a double quote inside them written twice), every line must have as many fields as the"
        ~ " header, and the file must be UTF-8.") }}
{% endmacro %}
