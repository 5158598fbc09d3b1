{# Measures of page_cooccurrence that similar_pages_cooccurrence can rank by (var('cooccurrence_measure')). #}
{% macro cooccurrence_measures() %}
    {{ return(['jaccard', 'cosine', 'inclusion', 'lift', 'pmi', 'npmi', 'weighted_cosine', 'co_cookies']) }}
{% endmacro %}
