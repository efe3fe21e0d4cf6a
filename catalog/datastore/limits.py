"""The DataStore's limits: page sizes, the query time limit, memory. One place, read when a request is answered."""
ROWS_DEFAULT = 100
ROWS_MAX = 32000  # CKAN's ckan.datastore.search.rows_max
QUERY_TIMEOUT = 10.0  # seconds; CKAN allows 60 s, but our tables are in memory and a minute holds a core
CACHE_BYTES = 2 << 30
MEMORY_LIMIT = "4GB"  # tables + queries: a runaway cross join fails with "Out of Memory", the server lives on
