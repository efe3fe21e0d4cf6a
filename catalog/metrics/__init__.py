"""Publication-rate metrics (公開率): compute, keep a daily history, serve it.

Row schema (one row per scope × measure; ``compute_publication_rates`` returns these as plain dicts):

============================ =========================================================================
``scope``                    ``overall`` | ``type`` | ``category`` | ``publisher`` (and ``publisher_category``
                             when computed with ``breakdown=True``: read only when asked for by name)
``scope_id``                 ``all`` | 都/局/区/市/町/村 | ``c001``…``c014`` or ``uncategorized`` | publisher id
                             | ``<publisher id>:<category id>``
``scope_name``               全体 | the type | category title | publisher name
``publisher_type``           the publisher's type (publisher rows), the type (type rows), else None
``measure``                  ``published`` ``conformant`` ``valid`` ``fresh`` ``machine_readable``
                             (targets) and ``adoption`` (取組率: municipalities with any public dataset;
                             publisher/type/overall rows only)
``numerator``/``denominator``  targets meeting the measure / targets judged (int)
``rate``                     numerator / denominator, None when the denominator is 0
``weighted_*``               the same with each target counted at its need weight (float)
``missing``                  [{publisher, key, title}] of targets not meeting it — target keys and titles
                             only, never dataset names (so private datasets stay invisible)
``as_of``                    ISO date of the snapshot
============================ =========================================================================

Every measure implies ``published`` (public and active); ``conformant`` is judged on standard targets only.

Modules: ``measures`` (one package; public too: the web pages show them), ``rates`` (compute_publication_rates), ``history`` (snapshots on disk:
write_snapshot, compact), ``query`` (read_history; ``rollup``: sums of the
publisher × category rows for any AND of type, category and publisher, remembered per snapshot files), ``export`` (CSV, Prometheus), ``remote`` (compute_remote).
"""
from .export import escape_label, prometheus_text, rows_to_csv
from .history import SCHEMA, SnapshotRefused, compact, snapshot_files, write_snapshot
from . import measures
from .measures import FREQUENCY_DELTAS, MEASURES, package_measures, star_level
from .query import GROUPS, has_snapshot, latest_snapshot_date, read_history, rollup, snapshot_signature
from .rates import (ADOPTION, ALL_MEASURES, BREAKDOWN, CATEGORY_NAMES, CATEGORY_NAMES_EN, PUBLISHER_TYPES_EN, SCOPES,
                    compute_publication_rates)
from .remote import compute_remote

__all__ = [
    "ADOPTION", "ALL_MEASURES", "BREAKDOWN", "GROUPS", "CATEGORY_NAMES", "CATEGORY_NAMES_EN", "FREQUENCY_DELTAS", "MEASURES", "PUBLISHER_TYPES_EN", "SCHEMA",
    "SCOPES", "SnapshotRefused", "compact", "compute_publication_rates", "compute_remote", "escape_label",
    "has_snapshot", "latest_snapshot_date", "measures", "package_measures", "prometheus_text", "read_history",
    "rollup", "rows_to_csv", "snapshot_signature", "snapshot_files", "star_level", "write_snapshot",
]
