"""Global assets: the analysts' ``warehouse.duckdb`` and the daily ``publication_metrics`` snapshot."""

import os
import tempfile
from datetime import datetime
from pathlib import Path

import dagster as dg

from pipelines.declarations import Declarations
from pipelines.home import read_json, relative_to_home
from pipelines.release import JST
from pipelines.resources import CatalogTarget, Home

# Runs after any release updated (the daemon's automation sensor), or when missing.
AFTER_RELEASES = (dg.AutomationCondition.any_deps_updated() | dg.AutomationCondition.missing()) \
    & ~dg.AutomationCondition.in_progress() & ~dg.AutomationCondition.any_deps_in_progress()


def build_global_assets(decls: Declarations, release_keys: list[dg.AssetKey]) -> list:
    @dg.asset(key="warehouse", deps=release_keys, group_name="global", kinds={"duckdb"}, pool="warehouse",
              automation_condition=AFTER_RELEASES)
    def warehouse(context: dg.AssetExecutionContext, home: Home) -> dg.MaterializeResult:
        """DuckDB file of views over every released standardized table (one view per dataset, one union view
        per standard with a ``dataset`` column, ``metrics`` over the publication-rate history). Written to a
        temp file and renamed into place, so readers never see a half-written database."""
        released = _released_tables(home, decls)
        path = home.root / "warehouse.duckdb"
        write_warehouse(path, released, home.root / "metrics")
        return dg.MaterializeResult(metadata={"views": len(released), "path": "warehouse.duckdb"})

    @dg.asset(key="publication_metrics", deps=release_keys, group_name="global", kinds={"parquet"},
              automation_condition=AFTER_RELEASES)
    def publication_metrics(context: dg.AssetExecutionContext, home: Home,
                            catalog: CatalogTarget) -> dg.MaterializeResult:
        """Publication rate (公開率) per publisher, category, type and overall, as today's snapshot in
        ``metrics/<date>.parquet``. A failed computation raises and never overwrites a good snapshot."""
        from catalog import metrics

        client = catalog.client(home.root)
        packages = overlay_latest_quality(metrics.compute_remote(client), home.root, decls)
        as_of = datetime.now(JST).date()
        rows = metrics.compute_publication_rates(packages, expand_targets(decls), publisher_dicts(decls), as_of,
                                                 breakdown=True)
        path = metrics.write_snapshot(rows, home.root, as_of)
        overall = {r["measure"]: r for r in rows if r["scope"] == "overall"}
        return dg.MaterializeResult(metadata={
            "path": relative_to_home(path, home.root), "packages": len(packages),
            **{f"rate_{m}": float(r["rate"] or 0) for m, r in overall.items()}})

    return [warehouse, publication_metrics]


def _released_tables(home: Home, decls: Declarations) -> dict[str, dict]:
    out = {}
    for ds_id, ds in decls.datasets.items():
        rel = read_json(home.released_path(ds_id))
        if rel and (home.root / rel["path"]).exists():
            out[ds_id] = {**rel, "standard": ds.standard, "publisher": ds.publisher}
    return out


def write_warehouse(path: Path, released: dict[str, dict], metrics_dir: Path) -> None:
    """Views read Parquet by paths relative to the data home (``path``'s folder), so a moved or copied home
    still works: open it with :func:`open_warehouse`, or from the home folder, or ``SET file_search_path``."""
    import duckdb

    home = path.parent
    fd, tmp = tempfile.mkstemp(dir=home, prefix=".warehouse.", suffix=".duckdb")
    os.close(fd)
    os.unlink(tmp)   # DuckDB wants to create the file itself
    con = duckdb.connect(tmp)
    try:
        con.execute(f"SET file_search_path = {_lit(str(home))}")
        con.execute("CREATE TABLE datasets (id VARCHAR, publisher VARCHAR, standard VARCHAR, version VARCHAR, "
                    "path VARCHAR, released_at VARCHAR)")
        rows = [[ds_id, r["publisher"], r["standard"], r["version"], relative_to_home(home / r["path"], home),
                 r["released_at"]] for ds_id, r in sorted(released.items())]
        if rows:
            con.executemany("INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?)", rows)
        by_standard: dict[str, list[str]] = {}
        for ds_id, _, standard, _, rel, _ in rows:
            con.execute(f'CREATE VIEW "{ds_id}" AS SELECT * EXCLUDE (_row) FROM read_parquet({_lit(rel)})')
            if standard:
                by_standard.setdefault(standard, []).append(ds_id)
        for std, ids in by_standard.items():
            union = " UNION ALL BY NAME ".join(f"SELECT '{i}' AS dataset, * FROM \"{i}\"" for i in ids)
            con.execute(f'CREATE VIEW "std_{std}" AS {union}')
        if any(metrics_dir.glob("*.parquet")):
            glob = relative_to_home(metrics_dir, home) + "/*.parquet"
            con.execute(f"CREATE VIEW metrics AS SELECT * FROM read_parquet({_lit(glob)}, union_by_name = true)")
    finally:
        con.close()
    os.replace(tmp, path)


def open_warehouse(home: Path, read_only: bool = True):
    """A DuckDB connection to ``home/warehouse.duckdb`` whose relative view paths resolve inside ``home``."""
    import duckdb

    con = duckdb.connect(str(Path(home) / "warehouse.duckdb"), read_only=read_only)
    con.execute(f"SET file_search_path = {_lit(str(Path(home).resolve()))}")
    return con


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def overlay_latest_quality(packages: list[dict], home: Path, decls: Declarations) -> list[dict]:
    """``valid`` means the LATEST quality report has no errors: a blocked newer version makes a published
    dataset invalid even though its last good version stays online."""
    for pkg in packages:
        if pkg.get("name") not in decls.datasets:
            continue
        metas = sorted((home / "std" / pkg["name"]).glob("*.meta.json"), key=lambda p: p.stat().st_mtime)
        latest = read_json(metas[-1], {}) if metas else {}
        report = read_json(home / "reports" / pkg["name"] / f"{latest.get('version')}.json")
        if report:
            status = "partial" if report.get("partial") else ("valid" if report.get("valid") else "invalid")
            extras = [e for e in pkg.get("extras", []) if e["key"] != "quality_status"]
            pkg["extras"] = [*extras, {"key": "quality_status", "value": status}]
    return packages


def expand_targets(decls: Declarations) -> list[dict]:
    """Targets per publisher: municipalities get the default standard list minus exemptions, plus their own."""
    from quality.standards import list_standards

    standards = set(list_standards())
    own = {pt.publisher: pt for pt in decls.targets.publishers}
    out = []
    for p in decls.publishers.values():
        pt = own.get(p.id)
        exempt = {e.key for e in pt.exempt} if pt else set()
        base = decls.targets.municipality_default if p.type in ("区", "市", "町", "村") else []
        for t in [*base, *(pt.targets if pt else [])]:
            if t.key not in exempt:
                kind = "standard" if t.key in standards else "need"
                out.append({"publisher": p.id, "key": t.key, "title": t.title or t.key, "weight": t.weight,
                            "category": t.category, "kind": kind})
    return out


def publisher_dicts(decls: Declarations) -> list[dict]:
    return [{"id": p.id, "name": p.name, "type": p.type, "code": p.code} for p in decls.publishers.values()]
