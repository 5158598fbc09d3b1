{#
  Build marker: which dbt invocation last modified the warehouse, for `python -m assetrec.publish`.

  dbt writes target/run_results.json only when an invocation ends. A build killed midway (SIGKILL, OOM,
  machine restart) leaves the previous build's run_results.json behind, and one stopped with Ctrl-C writes
  a run_results.json that lists only the nodes that ran before it stopped. Either way that file no longer
  describes the warehouse, so publish compares it with this marker:

  - on-run-start (`mark_build_started`): every invocation that modifies the warehouse (build, run, seed,
    snapshot, and a `dbt retry` of one of those) replaces the one-row table `<target schema>._assetrec_build`
    with its invocation_id, command and start time, before any node runs;
  - on-run-end (`mark_build_finished`): the same invocation sets finished_at, and succeeded = no node
    errored, failed or was skipped. A killed or interrupted one never does.

  Other commands (test, compile, parse, ls, docs generate, show, source freshness, ...) leave it alone:
  they do not change what would be published. Publish refuses unless run_results.json is from the
  marker's invocation and finished_at is set, or is from such a later read-only command (whose own results
  must pass) and the marked invocation finished and succeeded.
#}

{% macro build_marker_relation() %}
    {{ return(api.Relation.create(
        database=target.database if target.database is defined else none, schema=target.schema,
        identifier='_assetrec_build', type='table'
    )) }}
{% endmacro %}

{# flags.WHICH is the subcommand; under `dbt retry` it is the retried command's (retry re-runs it). #}
{% macro modifies_warehouse() %}
    {{ return(flags.WHICH in ('build', 'run', 'seed', 'snapshot')) }}
{% endmacro %}

{% macro utc_now_literal() -%}
    cast('{{ modules.datetime.datetime.now(modules.pytz.utc).strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{% macro mark_build_started() %}
    {{ return(adapter.dispatch('mark_build_started', 'assetrec')()) }}
{% endmacro %}

{% macro default__mark_build_started() %}
    {% if execute and assetrec.modifies_warehouse() %}
        {% set relation = assetrec.build_marker_relation() %}
        {% do adapter.create_schema(relation) %}
        create or replace table {{ relation }} as
        select
            cast('{{ invocation_id }}' as varchar) as invocation_id,
            cast('{{ flags.WHICH }}' as varchar) as command,
            cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as started_at,
            cast(null as timestamp) as finished_at,
            cast(null as boolean) as succeeded,
            cast('{{ dbt_version }}' as varchar) as dbt_version
    {% endif %}
{% endmacro %}

{% macro mark_build_finished() %}
    {{ return(adapter.dispatch('mark_build_finished', 'assetrec')()) }}
{% endmacro %}

{#- No node errored, failed or was skipped in this invocation. -#}
{% macro build_succeeded() %}
    {%- set failed = [] -%}
    {%- for result in results if result.status | string | lower in ('error', 'fail', 'runtime error', 'skipped') -%}
        {%- do failed.append(result.node.unique_id) -%}
    {%- endfor -%}
    {{ return(not failed) }}
{% endmacro %}

{% macro default__mark_build_finished() %}
    {% if execute and assetrec.modifies_warehouse() %}
        update {{ assetrec.build_marker_relation() }}
        set finished_at = {{ assetrec.utc_now_literal() }}, succeeded = {{ 'true' if assetrec.build_succeeded() else 'false' }}
        where invocation_id = '{{ invocation_id }}'
    {% endif %}
{% endmacro %}

{#-
  Spark: Parquet tables have neither `create or replace` nor `update`, so the marker is dropped and written
  again, with the same columns (one build at a time: the Derby metastore admits one process).
-#}
{% macro spark__build_marker_sql(finished) %}
    {%- set relation = assetrec.build_marker_relation() -%}
    {%- do adapter.create_schema(relation) -%}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    create table {{ relation }} using parquet as
    select
        cast('{{ invocation_id }}' as string) as invocation_id,
        cast('{{ flags.WHICH }}' as string) as command,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp) as started_at,
        {{ assetrec.utc_now_literal() if finished else 'cast(null as timestamp)' }} as finished_at,
        {{ ('true' if assetrec.build_succeeded() else 'false') if finished else 'cast(null as boolean)' }} as succeeded,
        cast('{{ dbt_version }}' as string) as dbt_version
{% endmacro %}

{% macro spark__mark_build_started() %}
    {% if execute and assetrec.modifies_warehouse() %}
        {{ assetrec.spark__build_marker_sql(finished=false) }}
    {% endif %}
{% endmacro %}

{% macro spark__mark_build_finished() %}
    {% if execute and assetrec.modifies_warehouse() %}
        {{ assetrec.spark__build_marker_sql(finished=true) }}
    {% endif %}
{% endmacro %}
