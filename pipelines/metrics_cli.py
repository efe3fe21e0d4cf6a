"""Publication rates for the CLI: computed live from the embedded catalog or from any remote CKAN."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pipelines.declarations import load_declarations
from pipelines.globals import expand_targets, overlay_latest_quality, publisher_dicts
from pipelines.release import JST

MEASURES = ("published", "conformant", "valid", "fresh", "machine_readable")


def metrics_rows(home: Path, datasets_dir: Path, ckan_url: str | None = None) -> list[dict]:
    from catalog import metrics

    decls = load_declarations(datasets_dir)
    if ckan_url:
        import ckanapi

        client = ckanapi.RemoteCKAN(ckan_url, user_agent="tokyo-opendata-metrics")
    else:
        from catalog.local import LocalCatalog

        client = LocalCatalog(home)   # anonymous: what the public sees
    packages = metrics.compute_remote(client)
    if not ckan_url:
        packages = overlay_latest_quality(packages, home, decls)
    return metrics.compute_publication_rates(packages, expand_targets(decls), publisher_dicts(decls),
                                             datetime.now(JST).date())


def render(rows: list[dict], *, by: str, publisher: str | None, fmt: str) -> str:
    from catalog.metrics import rows_to_csv

    rows = [r for r in rows if r["scope"] == by and (publisher is None or r["scope_id"] == publisher)]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, default=str, indent=1) + "\n"
    if fmt == "csv":
        return rows_to_csv(rows)
    return _table(rows, by)


def _label(row: dict) -> str:
    """Japanese name with the id (publishers, categories), or with the English name of a publisher type."""
    if row["scope"] == "type":
        from catalog.metrics import PUBLISHER_TYPES_EN

        return f"{row['scope_name']} ({PUBLISHER_TYPES_EN.get(row['scope_id'], row['scope_id'])})"
    return f"{row['scope_name']} ({row['scope_id']})"


def _table(rows: list[dict], by: str):
    from rich.table import Table

    t = Table(title=f"公開率 / publication rate by {by}")
    t.add_column(by)
    for m in MEASURES:
        t.add_column(m, justify="right")
    grouped: dict[str, dict[str, dict]] = {}
    for r in rows:
        grouped.setdefault(_label(r), {})[r["measure"]] = r
    for name, ms in sorted(grouped.items(), key=lambda kv: -(kv[1].get("published", {}).get("rate") or 0)):
        if not ms.get("published", {}).get("denominator"):
            continue
        t.add_row(name, *[_cell(ms.get(m)) for m in MEASURES])
    return t


def _cell(r: dict | None) -> str:
    if not r or not r.get("denominator"):
        return "-"
    return f"{r['numerator']}/{r['denominator']} ({100 * (r['rate'] or 0):.0f}%)"
