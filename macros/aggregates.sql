{#- Aggregates that engines spell differently, dispatched per engine. -#}

{#- The values of `expression` joined by `separator` (a SQL string literal),
    in the order of the expressions in `order_by`; NULL values are skipped.
    Zero rows give NULL or '' depending on the engine: wrap in coalesce. -#}
{% macro string_agg_ordered(expression, separator, order_by) -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'session_analytics')(
        expression, separator, order_by)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(expression, separator, order_by) -%}
    listagg({{ expression }}, {{ separator }}) within group (order by {{ order_by | join(', ') }})
{%- endmacro %}

{% macro duckdb__string_agg_ordered(expression, separator, order_by) -%}
    string_agg({{ expression }}, {{ separator }} order by {{ order_by | join(', ') }})
{%- endmacro %}

{#- Spark has no ordered string aggregate: collect (sort keys, value) pairs,
    sort them (structs compare field by field) and join the values. -#}
{% macro spark__string_agg_ordered(expression, separator, order_by) -%}
    array_join(transform(
        array_sort(collect_list(named_struct(
            {%- for key in order_by %}
            'sort_key_{{ loop.index }}', {{ key }},
            {%- endfor %}
            'aggregated_value', {{ expression }}
        ))),
        aggregated -> aggregated.aggregated_value
    ), {{ separator }})
{%- endmacro %}

{#- `expression` of the row with the largest `order_by` (NULLs of `order_by`
    skipped; at a tie, any of the tied rows): one pass over the group, where
    taking the maximum first and joining back to find its row reads the
    rows twice. -#}
{% macro value_at_max(expression, order_by) -%}
    {{ return(adapter.dispatch('value_at_max', 'session_analytics')(expression, order_by)) }}
{%- endmacro %}

{% macro default__value_at_max(expression, order_by) -%}
    {{ not_implemented_for_adapter('value_at_max') }}
{%- endmacro %}

{% macro duckdb__value_at_max(expression, order_by) -%}
    arg_max({{ expression }}, {{ order_by }})
{%- endmacro %}

{% macro spark__value_at_max(expression, order_by) -%}
    max_by({{ expression }}, {{ order_by }})
{%- endmacro %}
