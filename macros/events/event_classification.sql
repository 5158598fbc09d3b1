{#
  True when an event (its trimmed event_name) is a form submission: its name is one of
  submission_event_names(), or always when that is none (every row is a submission).
#}
{% macro is_submission_event(trimmed_name) -%}
    {%- set names = assetrec.submission_event_names() -%}
    {%- if names is none -%}
        true
    {%- else -%}
        coalesce({{ trimmed_name }} in (
            {%- for event in names %}{{ assetrec.sql_string(event) }}{{ ', ' if not loop.last }}{% endfor -%}
        ), false)
    {%- endif -%}
{%- endmacro %}

{#
  True when an event is not a submission and is left out (counted in ignored_events_summary): only some
  events are submissions and this one has a name that is not one of them. An event without a name is
  rejected (missing_event_name), not ignored.
#}
{% macro is_ignored_event(trimmed_name) -%}
    {%- if assetrec.submission_event_names() is none -%}
        false
    {%- else -%}
        (not {{ assetrec.is_missing_text(trimmed_name) }} and not {{ assetrec.is_submission_event(trimmed_name) }})
    {%- endif -%}
{%- endmacro %}

{# True when a trimmed text is a whole number in plain digits (an epoch timestamp). #}
{% macro is_integer_text(trimmed) -%}
    {{ assetrec.regex_full_match(trimmed, '-?[0-9]+') }}
{%- endmacro %}
