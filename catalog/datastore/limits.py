"""The DataStore's limits: page sizes, the query time limit, memory. One place, read when a request is answered.

Every input has a cap, so no request costs unbounded memory or time: longer ``q`` texts, more sort fields or
filter values, deeper SQL are 409s naming the parameter, before any table is touched.
"""
ROWS_DEFAULT = 100
ROWS_MAX = 32000  # CKAN's ckan.datastore.search.rows_max
OFFSET_MAX = 2**31 - 1  # PostgreSQL's integer, as CKAN's OFFSET would be
QUERY_TIMEOUT = 10.0  # seconds; CKAN allows 60 s, but our tables are in memory and a minute holds a core
CACHE_BYTES = 2 << 30
MEMORY_LIMIT = "4GB"  # tables + queries: a runaway cross join fails with "Out of Memory", the server lives on

Q_MAX_CHARS = 1000  # datastore_search q (all of it, or the words of one column)
Q_MAX_WORDS = 32
SORT_MAX = 16  # sort clauses
FILTER_VALUES_MAX = 1000  # values of all filters together
FIELDS_MAX = 1000

SQL_MAX_CHARS = 20_000
SQL_MAX_NESTING = 32  # parentheses: sqlglot parses recursively and gives up (RecursionError) past ~50
SQL_MAX_VALUE_CHARS = 10_000  # one value made by repeat/lpad/rpad
RESULT_MAX_BYTES = 32 << 20  # one datastore_search_sql answer, as fetched from DuckDB (text by length)
