{#
  For each page_url of `scored` (a relation or CTE with page_url, similar_page_url, score, no null score),
  its `top_k` best rows by score (descending), ties broken by similar_page_url (ascending), with
  similarity_rank 1..n. Returns a select statement.
#}
{% macro cooccurrence_top_k_partners(scored, top_k) %}
    {{ return(adapter.dispatch('cooccurrence_top_k_partners', 'assetrec')(scored, top_k)) }}
{% endmacro %}

{# Portable: number every row of a page in order, keep the first top_k (a sort of every pair). #}
{% macro default__cooccurrence_top_k_partners(scored, top_k) -%}
    select
        page_url,
        similar_page_url,
        score,
        similarity_rank
    from (
        select
            page_url,
            similar_page_url,
            score,
            row_number() over (partition by page_url order by score desc, similar_page_url asc) as similarity_rank
        from {{ scored }}
    ) as ranked
    where similarity_rank <= {{ top_k }}
{%- endmacro %}

{#
  DuckDB: a top-k aggregate per page (min_by with a count keeps a small heap per page instead of sorting
  all pairs; 4 s instead of 25 s for 31.5M pairs at 5M interactions). The key orders by score descending
  (its negation ascending), then similar_page_url ascending, exactly as the portable version; the list
  comes back in key order, and the two unnests expand the list and its positions side by side.
#}
{% macro duckdb__cooccurrence_top_k_partners(scored, top_k) -%}
    select
        page_url,
        best_partner.similar_page_url,
        best_partner.score,
        similarity_rank
    from (
        select
            page_url,
            unnest(best_partners) as best_partner,
            unnest(range(1, len(best_partners) + 1)) as similarity_rank
        from (
            select
                page_url,
                min_by(
                    struct_pack(similar_page_url := similar_page_url, score := score),
                    struct_pack(negative_score := -score, similar_page_url := similar_page_url),
                    {{ top_k }}
                ) as best_partners
            from {{ scored }}
            group by page_url
        ) as per_page
    ) as unnested
{%- endmacro %}
