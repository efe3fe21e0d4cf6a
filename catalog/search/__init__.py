"""Dataset search: CKAN's ``package_search`` over the store's SQLite indexes.

Inside: ``solr`` (the Solr query subset, parsed to a tree), ``query`` (the tree planned into FTS5 + SQL),
``text`` and ``keywords`` (Japanese text folding for the trigram index; keyword tokens for exact fields),
``index`` (writing a package's search rows and FTS text), ``facets`` / ``facet_index`` (counts over the hits),
``engine`` (parameters, counting, sorting, paging). Public here: ``package_search`` and ``parse_params``; ``index``
(what writes call to keep the index true) and ``facets`` (warmed at server start).
"""
from catalog.search import facets, index
from catalog.search.engine import DEFAULT_SORT, ROWS_MAX, SORTABLE, Params, package_search, parse_params

__all__ = ["DEFAULT_SORT", "ROWS_MAX", "SORTABLE", "Params", "facets", "index", "package_search", "parse_params"]
