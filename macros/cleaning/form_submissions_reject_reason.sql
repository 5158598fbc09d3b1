{#
  Why a form_submissions text (already trimmed with trim_whitespace) cannot be used as a count, or null
  when it can: a whole number written in plain digits (optionally with a zero fraction, as `3.0`), at least 1
  and at most max_form_submissions().
  The reason is the first rule broken, checked in this order:
    missing_form_submissions         empty, `None` or null
    form_submissions_not_a_number    not a number at all (`abc`, `1,000`, `nan`)
    form_submissions_not_an_integer  a fraction (`1.5`)
    form_submissions_not_positive    zero or negative (`0`, `-2`, `-inf`)
    form_submissions_out_of_range    above the maximum (`99999999999999999999`, `1e30`, `inf`)
    form_submissions_not_an_integer  a whole number not written in plain digits (`+5`, `1e3`)
#}
{% macro form_submissions_reject_reason(trimmed) -%}
    {%- set number = assetrec.safe_cast(trimmed, 'double') -%}
    case
        when {{ assetrec.is_missing_text(trimmed) }} then 'missing_form_submissions'
        when {{ number }} is null or isnan({{ number }}) then 'form_submissions_not_a_number'
        when {{ assetrec.has_fraction(number) }} then 'form_submissions_not_an_integer'
        when {{ number }} <= 0 then 'form_submissions_not_positive'
        when {{ number }} > {{ assetrec.max_form_submissions() }} then 'form_submissions_out_of_range'
        when not {{ assetrec.regex_full_match(trimmed, '[0-9]+(\\.0*)?') }} then 'form_submissions_not_an_integer'
    end
{%- endmacro %}
