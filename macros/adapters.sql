{#- The default__ of every dispatched macro whose SQL differs by engine: fail
    at compile time, naming the macro and the adapter, rather than hand one
    engine's SQL to another. DuckDB and Spark (and so Databricks) have their
    own implementations. -#}
{% macro not_implemented_for_adapter(macro_name) -%}
    {{ exceptions.raise_compiler_error(macro_name ~ " is not implemented for " ~ target.type) }}
{%- endmacro %}
