{#- S1: reading the raw event files. Every engine difference of file reading
    lives here; models only call read_raw_events(). -#}

{#- The S1 columns, in contract order. -#}
{% macro raw_event_columns() -%}
    {{ return(['event_id', 'user_id', 'event_name', 'event_ts', 'channel',
               'source', 'platform', 'properties', 'loaded_at']) }}
{%- endmacro %}

{#- S2: a rejected row's raw values, as received, as one JSON object of
    text (`raw_values_json`, keys = the S1 columns, read from the reader's
    columns) and back (`raw_value_from_json`). One text column rather than
    one per S1 column: nine mostly-NULL columns cost ≈ 1 s more to write per
    10M rows than one (docs/benchmarks.md). -#}
{% macro raw_values_json() -%}
    {{ return(adapter.dispatch('raw_values_json', 'session_analytics')()) }}
{%- endmacro %}

{% macro default__raw_values_json() -%}
    {{ not_implemented_for_adapter('raw_values_json') }}
{%- endmacro %}

{% macro duckdb__raw_values_json() -%}
    cast(to_json(struct_pack(
        {%- for column in raw_event_columns() %}
        {{ column }} := cast({{ column }} as varchar){{ ',' if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}

{#- to_json leaves out NULL fields; reading one back gives NULL. -#}
{% macro spark__raw_values_json() -%}
    to_json(named_struct(
        {%- for column in raw_event_columns() %}
        '{{ column }}', cast({{ column }} as string){{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{% macro raw_value_from_json(raw_values, column) -%}
    {{ return(adapter.dispatch('raw_value_from_json', 'session_analytics')(raw_values, column)) }}
{%- endmacro %}

{% macro default__raw_value_from_json(raw_values, column) -%}
    {{ not_implemented_for_adapter('raw_value_from_json') }}
{%- endmacro %}

{% macro duckdb__raw_value_from_json(raw_values, column) -%}
    json_extract_string({{ raw_values }}, '$.{{ column }}')
{%- endmacro %}

{% macro spark__raw_value_from_json(raw_values, column) -%}
    get_json_object({{ raw_values }}, '$.{{ column }}')
{%- endmacro %}

{#- The file format, chosen by the extension of the path or glob (S1). -#}
{% macro raw_events_format(path) -%}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') -%}
        {{ return('parquet') }}
    {%- elif lowered.endswith('.json') or lowered.endswith('.ndjson')
        or lowered.endswith('.jsonl') -%}
        {{ return('json') }}
    {%- elif lowered.endswith('.csv') or lowered.endswith('.csv.gz') -%}
        {{ return('csv') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "raw_events_path must end in .parquet, .csv, .json, .ndjson or .jsonl: "
            ~ path) }}
    {%- endif -%}
{%- endmacro %}

{#- The files the glob matches now, sorted; [] when none. -#}
{% macro list_raw_event_files(path) -%}
    {{ return(adapter.dispatch('list_raw_event_files', 'session_analytics')(path)) }}
{%- endmacro %}

{% macro default__list_raw_event_files(path) -%}
    {{ not_implemented_for_adapter('list_raw_event_files') }}
{%- endmacro %}

{% macro duckdb__list_raw_event_files(path) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set result = run_query(
        "select file from glob(" ~ text_literal(path) ~ ") order by file") -%}
    {{ return(result.columns[0].values() | list) }}
{%- endmacro %}

{#- Spark SQL has no glob function: the binaryFile source lists the files
    (only their paths are read). Local paths lose their `file:` scheme so that
    names read like DuckDB's; other URIs (s3a://, abfss://, dbfs:/) are kept.
    Like every Spark file source it skips names starting with `_` or `.`. -#}
{% macro spark__list_raw_event_files(path) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set listing = spark_raw_file_listing(path) -%}
    {%- do run_query(
        "create or replace temporary view " ~ listing
        ~ " using binaryFile options (path " ~ text_literal(path) ~ ")") -%}
    {%- set result = run_query(
        "select " ~ spark_listed_file_name('path') ~ " as file from " ~ listing
        ~ " order by file") -%}
    {{ return(result.columns[0].values() | list) }}
{%- endmacro %}

{#- Spark: the temporary view list_raw_event_files makes of the files that
    `path` matches, named after the path. -#}
{% macro spark_raw_file_listing(path) -%}
    {{ return('raw_event_files__' ~ local_md5(path)) }}
{%- endmacro %}

{#- Spark: a listed file's name as DuckDB reads it: a local path without
    its `file:` scheme. -#}
{% macro spark_listed_file_name(path_column) -%}
    regexp_replace({{ path_column }}, '^file:(//)?', '')
{%- endmacro %}

{#- Each of `files` (paths listed by list_raw_event_files) with its size and
    modification time (UTC), read from the file system, not the file:
    stg_event_rows keeps them with every row, so that a later run can tell a
    file changed in place from the one it read. -#}
{% macro raw_file_versions(files) -%}
    {{ return(adapter.dispatch('raw_file_versions', 'session_analytics')(files)) }}
{%- endmacro %}

{% macro default__raw_file_versions(files) -%}
    {{ not_implemented_for_adapter('raw_file_versions') }}
{%- endmacro %}

{% macro duckdb__raw_file_versions(files) -%}
    {%- if files | length == 0 %}
    select
        cast(null as varchar) as _file_name,
        cast(null as bigint) as _file_size,
        cast(null as timestamp) as _file_modified_at
    where false
    {%- else %}
    select
        filename as _file_name,
        size as _file_size,
        timezone('UTC', last_modified) as _file_modified_at
    from read_blob([
        {{- string_literals(files) -}}
    ])
    {%- endif %}
{%- endmacro %}

{#- From the listing list_raw_event_files made in this session (binaryFile
    reads only the paths, sizes and times). -#}
{% macro spark__raw_file_versions(files) -%}
    select
        {{ spark_listed_file_name('path') }} as _file_name,
        length as _file_size,
        modificationTime as _file_modified_at
    from {{ spark_raw_file_listing(var('raw_events_path')) }}
    where
        {%- if files | length == 0 %} false
        {%- else %} {{ spark_listed_file_name('path') }} in (
            {{- string_literals(files) -}}
        )
        {%- endif %}
{%- endmacro %}

{#- A select of the S1 columns from `files` (a list of paths): every column
    as text except timestamps a typed file already holds (a nested Parquet
    value, struct, map or list, as its JSON text; Parquet binary as UTF-8
    text, or as escaped bytes when it is not UTF-8), NULL where a file lacks
    the column, plus _file_name and _file_row_number: the row's position,
    increasing through each file, by which the first of two rows loaded at
    the same time wins (S2), and _read_key, a bigint unique among the rows
    of this read (stg_event_rows offsets it past earlier runs' keys).
    A malformed row is read, never an
    error: a CSV row short of fields gets NULLs, a field beyond the header is
    ignored, and an NDJSON line that does not parse is a row of NULLs, so
    each is rejected (S2) rather than failing the build or vanishing. -#}
{% macro read_raw_events(files) -%}
    {{ return(adapter.dispatch('read_raw_events', 'session_analytics')(files)) }}
{%- endmacro %}

{% macro default__read_raw_events(files) -%}
    {{ not_implemented_for_adapter('read_raw_events') }}
{%- endmacro %}

{#- The DuckDB reader of `files` with the project's options, its columns
    the files' own; `file_name_column` names the column it adds with each
    row's file (none: no column added). -#}
{% macro duckdb__raw_events_reader(files, file_name_column=none) -%}
    {%- set format = raw_events_format(var('raw_events_path')) -%}
    {%- set file_list -%}
        [{{- string_literals(files) -}}]
    {%- endset -%}
    {%- set file_name_option = ", filename = '" ~ file_name_column ~ "'" if file_name_column else '' -%}
    {%- if format == 'parquet' -%}
        read_parquet({{ file_list }}, union_by_name = true{{ file_name_option }})
    {%- elif format == 'json' -%}
        {#- Declared columns: a key missing from a line is NULL, extra keys are ignored,
            and nested properties objects arrive as their JSON text. -#}
        read_json({{ file_list }}, format = 'newline_delimited'{{ file_name_option }}, ignore_errors = true, columns = {
        {%- for column in raw_event_columns() -%}
            {{ column }}: 'VARCHAR'{{ ", " if not loop.last }}
        {%- endfor -%} })
    {%- else -%}
        {#- RFC 4180, not sniffed: a ragged row defeats the sniffer. null_padding
            fills a short row and strict_mode off drops fields beyond the
            header; the parallel reader refuses null_padding with quoted line
            breaks, and on two cores the serial one reads as fast. -#}
        read_csv({{ file_list }}, all_varchar = true, header = true, union_by_name = true, delim = ',', quote = '"', escape = '"', null_padding = true, strict_mode = false, parallel = false{{ file_name_option }})
    {%- endif -%}
{%- endmacro %}

{#- The files' own columns (lower-case name → type), {} when there are none. -#}
{% macro duckdb__raw_file_columns(files) -%}
    {%- set columns = {} -%}
    {%- if execute and files | length > 0 -%}
        {%- set described = run_query(
            "describe select * from " ~ duckdb__raw_events_reader(files)) -%}
        {%- for row in described.rows -%}
            {%- do columns.update({row[0] | lower: row[1] | upper}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}

{#- S1: extra columns are never an error, whatever their names. Parquet rows
    are numbered by DuckDB's virtual columns file_index and file_row_number,
    which a file's own column of that name hides; such files, like CSV and
    NDJSON, are numbered in the order they are read instead. -#}
{% macro duckdb__numbers_rows_in_read_order(columns) -%}
    {{ return(raw_events_format(var('raw_events_path')) != 'parquet'
              or 'file_index' in columns or 'file_row_number' in columns) }}
{%- endmacro %}

{% macro duckdb__read_raw_events(files) -%}
    {%- set present = duckdb__raw_file_columns(files) -%}
    {#- The column the reader adds with each row's file: a name the files'
        own columns leave free. -#}
    {%- set file_name_column = namespace(name='_file_name') -%}
    {%- for _ in range(present | length + 1) if file_name_column.name in present -%}
        {%- set file_name_column.name = file_name_column.name ~ '_' -%}
    {%- endfor -%}
    {%- set reader = duckdb__raw_events_reader(files, file_name_column.name) -%}
    {%- set in_read_order = duckdb__numbers_rows_in_read_order(present) -%}

    {%- if files | length == 0 %}
    select
        {%- for column in raw_event_columns() %}
        cast(null as varchar) as {{ column }},
        {%- endfor %}
        cast(null as varchar) as _file_name,
        cast(null as bigint) as _file_row_number,
        cast(null as bigint) as _read_key
    where false
    {%- else %}
    {%- if in_read_order %}
    {#- Rows numbered in the order they are read, which stg_event_rows keeps
        (keep_raw_row_order). Numbering serializes the pipeline it runs in, so
        the numbered rows are materialized and the cleaning after them runs in
        parallel. #}
    with numbered_rows as materialized (
        select
            {%- for column in raw_event_columns() if column in present %}
            {{ column }},
            {%- endfor %}
            {{ file_name_column.name }},
            row_number() over () as _read_position
        from {{ reader }}
    )
    {%- endif %}
    select
        {%- for column in raw_event_columns() %}
        {%- set type = present.get(column) %}
        {%- if type is none %}
        cast(null as varchar) as {{ column }},
        {%- elif column in ('event_ts', 'loaded_at') and type.startswith('TIMESTAMP') %}
        {{ column }},
        {%- elif type.startswith('STRUCT') or type.startswith('MAP') or type.endswith(']') %}
        cast(to_json({{ column }}) as varchar) as {{ column }},
        {%- elif type == 'BLOB' %}
        {#- Binary that is not UTF-8 stays readable as escaped bytes, not an error. #}
        coalesce(try(decode({{ column }})), cast({{ column }} as varchar)) as {{ column }},
        {%- else %}
        cast({{ column }} as varchar) as {{ column }},
        {%- endif %}
        {%- endfor %}
        {{ file_name_column.name }} as _file_name,
        {%- if in_read_order %}
        _read_position as _file_row_number,
        _read_position as _read_key
    from numbered_rows
        {%- else %}
        file_row_number as _file_row_number,
        {#- Up to 2^32 rows per file; keys for 2^31 files over all runs. #}
        (cast(file_index as bigint) << 32) + file_row_number as _read_key
    from {{ reader }}
        {%- endif %}
    {%- endif %}
{%- endmacro %}

{#- Spark: one temporary view per file (CSV headers and Parquet schemas are
    matched by name, file by file, as DuckDB's union_by_name does), the S1
    columns picked from each by name, NULL where a file lacks one, and the
    files' rows put together with union all. CSV is read as text with RFC 4180
    quoting (doubled quotes, quoted line breaks); NDJSON with every S1 column
    declared as text, so nested properties objects arrive as their JSON text;
    Parquet keeps typed timestamps. Spark has no row number within a file:
    monotonically_increasing_id() increases through each split of the file,
    so it is file order when the file is read as one split (below Spark's
    split size, 128 MB by default, and always for multi-line CSV). Malformed
    rows are read as NULLs (Spark's PERMISSIVE mode). -#}
{% macro spark__read_raw_events(files) -%}
    {%- set format = raw_events_format(var('raw_events_path')) -%}
    {%- if files | length == 0 or not execute %}
    select
        {%- for column in raw_event_columns() %}
        cast(null as string) as {{ column }},
        {%- endfor %}
        cast(null as string) as _file_name,
        cast(null as bigint) as _file_row_number,
        cast(null as bigint) as _read_key
    where false
    {%- else %}
    {#- Numbered above the union, where the partition index in the id's upper
        bits is the union's: unique across the files. #}
    select
        *,
        monotonically_increasing_id() as _read_key
    from (
    {%- for file in files %}
        {%- set view = 'raw_events__' ~ local_md5(format ~ '|' ~ file) %}
        {%- if format == 'json' %}
            {%- set reader -%}
                ({{ raw_event_columns() | join(' string, ') }} string)
                using json options (path {{ text_literal(file) }})
            {%- endset %}
        {%- elif format == 'csv' %}
            {%- set reader -%}
                using csv options (path {{ text_literal(file) }},
                    header 'true', escape '"', multiLine 'true')
            {%- endset %}
        {%- else %}
            {%- set reader -%}
                using parquet options (path {{ text_literal(file) }})
            {%- endset %}
        {%- endif %}
        {%- do run_query("create or replace temporary view " ~ view ~ " " ~ reader) %}
        {%- set present = {} %}
        {%- for row in run_query("describe " ~ view).rows %}
            {%- if row[0] and not row[0].startswith('#') %}
                {%- do present.update({row[0] | lower: [row[0], row[1] | lower]}) %}
            {%- endif %}
        {%- endfor %}
    select
        {%- for column in raw_event_columns() %}
        {%- set found = present.get(column) %}
        {%- if found is none %}
        cast(null as string) as {{ column }},
        {%- elif column in ('event_ts', 'loaded_at') and found[1].startswith('timestamp') %}
        `{{ found[0] }}` as {{ column }},
        {%- elif found[1].startswith(('struct', 'map', 'array')) %}
        to_json(`{{ found[0] }}`, map('ignoreNullFields', 'false')) as {{ column }},
        {%- else %}
        cast(`{{ found[0] }}` as string) as {{ column }},
        {%- endif %}
        {%- endfor %}
        {{ text_literal(file) }} as _file_name,
        monotonically_increasing_id() as _file_row_number
    from {{ view }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    ) as raw_rows
    {%- endif %}
{%- endmacro %}

{#- One row per file of `files`: _file_name and raw_row_count, its rows in the
    file. DuckDB takes Parquet counts from the file footers, so checking the
    accounting does not scan the events a second time. -#}
{% macro raw_file_row_counts(files) -%}
    {{ return(adapter.dispatch('raw_file_row_counts', 'session_analytics')(files)) }}
{%- endmacro %}

{% macro default__raw_file_row_counts(files) -%}
    select
        _file_name,
        count(*) as raw_row_count
    from ({{ read_raw_events(files) }}) as raw_rows
    group by _file_name
{%- endmacro %}

{% macro duckdb__raw_file_row_counts(files) -%}
    {%- if files | length > 0 and raw_events_format(var('raw_events_path')) == 'parquet' %}
    select
        file_name as _file_name,
        num_rows as raw_row_count
    from parquet_file_metadata([
        {{- string_literals(files) -}}
    ])
    {%- else %}
    {{- default__raw_file_row_counts(files) }}
    {%- endif %}
{%- endmacro %}

{#- CSV and NDJSON rows (and Parquet rows whose files hide DuckDB's row
    numbers) are numbered in the order they are read
    (read_raw_events), which DuckDB keeps only while preserve_insertion_order
    is on. Off is faster and lighter for large writes, so the project sets it
    off once per run (on-run-start, `on` false), and stg_event_rows' hooks
    turn it on around its read of CSV or NDJSON (`on` true) and off again.
    Not a profile setting: the setting is global to the database, and
    dbt-duckdb re-applies the profile's settings on every cursor it opens,
    so with two dbt threads a node starting beside staging would turn it off
    mid-read and renumber rows (the numbering decides which of an event id's
    rows in one file wins). -#}
{% macro keep_raw_row_order(on) -%}
    {{ return(adapter.dispatch('keep_raw_row_order', 'session_analytics')(on)) }}
{%- endmacro %}

{% macro default__keep_raw_row_order(on) -%}
{%- endmacro %}

{% macro duckdb__keep_raw_row_order(on) -%}
    {%- if 'preserve_insertion_order' in (target.get('settings') or {}) -%}
        {%- do exceptions.raise_compiler_error(
            "preserve_insertion_order is set by the project (keep_raw_row_order in"
            " macros/raw_events.sql): remove it from the profile's settings, where"
            " dbt-duckdb would re-apply it on every new connection") -%}
    {%- endif -%}
    {#- CSV and NDJSON are always numbered in read order; only Parquet needs
        the files' columns to decide. -#}
    {%- if not on or raw_events_format(var('raw_events_path')) != 'parquet'
        or duckdb__numbers_rows_in_read_order(duckdb__raw_file_columns(
            list_raw_event_files(var('raw_events_path')))) -%}
        set preserve_insertion_order = {{ 'true' if on else 'false' }}
    {%- endif -%}
{%- endmacro %}

{#- `values` as SQL string literals, separated by commas. -#}
{% macro string_literals(values) -%}
    {%- for value in values -%}{{ text_literal(value) }}{{ ", " if not loop.last }}{%- endfor -%}
{%- endmacro %}
