{#
  Why a raw form_submissions text cannot be used as a count, or null when it can: a whole number
  (optionally written with a zero fraction, as `3.0`), at least 1 and at most the BIGINT maximum.
#}
{% macro form_submissions_reject_reason(column) -%}
    case
        when {{ assetrec.is_missing_text(column) }} then 'missing_form_submissions'
        when {{ assetrec.safe_cast('trim(' ~ column ~ ')', 'double') }} is null
            or isnan({{ assetrec.safe_cast('trim(' ~ column ~ ')', 'double') }})
            then 'form_submissions_not_a_number'
        when {{ assetrec.safe_cast('trim(' ~ column ~ ')', 'double') }}
            <> trunc({{ assetrec.safe_cast('trim(' ~ column ~ ')', 'double') }})
            then 'form_submissions_not_an_integer'
        when {{ assetrec.safe_cast('trim(' ~ column ~ ')', 'double') }} <= 0
            then 'form_submissions_not_positive'
        when not {{ assetrec.regex_full_match('trim(' ~ column ~ ')', '[0-9]+(\\.0*)?') }}
            then 'form_submissions_not_an_integer'
        when {{ assetrec.safe_cast("split_part(trim(" ~ column ~ "), '.', 1)", 'bigint') }} is null
            then 'form_submissions_out_of_range'
    end
{%- endmacro %}

{# The count itself, for rows whose reject reason is null. #}
{% macro form_submissions_value(column) -%}
    {{ assetrec.safe_cast("split_part(trim(" ~ column ~ "), '.', 1)", 'bigint') }}
{%- endmacro %}
