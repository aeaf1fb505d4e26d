{#- `column_name` holds no value twice: dbt's unique, found by sorting the
    values rather than hashing them (macros/unique_by_sort.sql says when
    that is faster). -#}
{% test unique_by_sort(model, column_name) %}
    {%- set test_sql = adapter.dispatch('test_unique_by_sort', 'session_analytics') %}
    {{- test_sql(model, column_name) }}
{% endtest %}
