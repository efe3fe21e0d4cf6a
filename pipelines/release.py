"""Publish a validated table version through ``call_action`` — the same code for the embedded catalog and a remote CKAN."""
from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pipelines.declarations import Dataset, Declarations
from pipelines.home import read_json, relative_to_home, write_json
from pipelines.resources import ActionClient, Home
from quality.findings import QualityReport

JST = timezone(timedelta(hours=9))
FORMATS = {  # format -> (file suffix, mimetype, writer name in catalog.store.formats)
    "CSV": (".csv", "text/csv", "write_csv"),
    "Parquet": (".parquet", "application/vnd.apache.parquet", None),
    "JSON": (".json", "application/json", "write_json"),
    "GeoJSON": (".geojson", "application/geo+json", "write_geojson"),
}


def is_not_found(exc: Exception) -> bool:
    """NotFound from our catalog or from ckanapi (the two clients raise their own classes)."""
    return type(exc).__name__ == "NotFound"


def publish(ds: Dataset, decls: Declarations, tbl: dict, report: QualityReport, home: Home,
            client: ActionClient, site_url: str) -> dict[str, Any]:
    """Create or update the organization, groups, package and one resource per download format."""
    ensure_organization(client, decls, ds.publisher)
    for g in ds.groups:
        ensure_group(client, decls, g)
    previous = read_json(home.released_path(ds.id), {}) or {}
    pkg = _show_or_none(client, "package_show", ds.id)
    fields = package_fields(ds, decls, tbl, report, previous, site_url)
    if pkg is None:
        pkg = client.call_action("package_create", fields)
    elif _extra(pkg, "table_version") == tbl["version"] and pkg.get("state") == "active":
        return _result(pkg, tbl, published=False)          # already published: nothing to do
    else:
        pkg = client.call_action("package_patch", {"id": pkg["id"], **fields})
    _upload_resources(client, ds, tbl, pkg)
    pkg = client.call_action("package_show", {"id": pkg["id"]})
    write_json(home.released_path(ds.id), {"version": tbl["version"], "package_id": pkg["id"],
                                          "source_sha256": tbl["source_sha256"],
                                          "path": relative_to_home(tbl["path"], home.root),
                                          "data_modified": _extra(pkg, "data_modified"),
                                          "released_at": datetime.now(timezone.utc).isoformat()})
    return _result(pkg, tbl, published=True)


def package_fields(ds: Dataset, decls: Declarations, tbl: dict, report: QualityReport, previous: dict, site_url: str) -> dict:
    changed = previous.get("source_sha256") != tbl["source_sha256"]
    modified = ds.modified.isoformat() if ds.modified else (
        datetime.now(JST).date().isoformat() if changed or not previous.get("data_modified")
        else previous["data_modified"])
    summary = report.to_dict()
    extras = {
        "publisher_code": decls.publishers[ds.publisher].code or "", "standard": ds.standard or "", "fulfils": ",".join(ds.fulfils),
        "update_frequency": ds.update_frequency.value, "data_modified": modified, "table_version": tbl["version"],
        "source_sha256": tbl["source_sha256"], "rows": str(tbl["rows"]),
        "quality_status": "partial" if report.partial else ("valid" if report.valid else "invalid"),
        "quality_errors": str(summary["error_count"]), "quality_warnings": str(summary["warning_count"]),
        "quality_report_url": f"{site_url.rstrip('/')}/dataset/{ds.id}/quality",
        "standard_conformant": "true" if report.stats.get("conformant") else "false",
        "title_en": ds.title.en or "", "notes_en": (ds.description.en if ds.description else "") or "",
    }
    return {
        "name": ds.id, "title": ds.title.ja, "notes": ds.description.ja if ds.description else "",
        "owner_org": ds.publisher, "license_id": ds.license, "private": ds.visibility == "internal",
        "tags": [{"name": t} for t in ds.tags], "groups": [{"name": g} for g in ds.groups],
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v != ""],
    }


def _upload_resources(client: ActionClient, ds: Dataset, tbl: dict, pkg: dict) -> None:
    from catalog.store import formats

    existing = {r.get("format"): r for r in pkg.get("resources", [])}
    tmp = Path(tempfile.mkdtemp(prefix=f"release-{ds.id}-"))
    try:
        parquet = tmp / f"{ds.id}.parquet"
        columns = _public_parquet(Path(tbl["path"]), parquet)
        for fmt, (suffix, mimetype, writer) in FORMATS.items():
            if fmt == "GeoJSON" and not {"緯度", "経度"} <= set(columns):
                continue
            out = tmp / f"{ds.id}{suffix}"
            if writer:
                getattr(formats, writer)(parquet, out)
            fields = {"name": f"{ds.title.ja} ({fmt})", "format": fmt, "mimetype": mimetype,
                      "description": resource_description(ds, fmt, tbl)}
            with out.open("rb") as f:
                files = {"upload": (out.name, f)}   # ckanapi's convention: sent as multipart form data
                if fmt in existing:
                    client.call_action("resource_update", {"id": existing[fmt]["id"], **fields}, files=files)
                else:
                    client.call_action("resource_create", {"package_id": pkg["id"], **fields}, files=files)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def resource_description(ds: Dataset, fmt: str, tbl: dict) -> str:
    """The resource's text, with the source file's own notes (title, 出典, 注記 above or below the data)."""
    text = f"{ds.title.ja} — {fmt} ({tbl['rows']} rows, version {tbl['version']})"
    notes = (tbl.get("read") or {}).get("notes") or []
    return text + ("\n\n元ファイルの注記 / notes in the source file:\n" + "\n".join(notes) if notes else "")


def _public_parquet(std_path: Path, out: Path) -> list[str]:
    """The published table: the standardized one without internal columns (``_row``)."""
    import pyarrow.parquet as pq

    table = pq.read_table(std_path)
    table = table.select([c for c in table.column_names if not c.startswith("_")])
    pq.write_table(table, out, compression="zstd")
    return table.column_names


def ensure_organization(client: ActionClient, decls: Declarations, publisher_id: str) -> None:
    if _show_or_none(client, "organization_show", publisher_id) is not None:
        return
    p = decls.publishers[publisher_id]
    extras = {"code": p.code or "", "kana": p.kana or "", "publisher_type": p.type, "name_en": p.name_en or ""}
    _create_unless_raced(client, "organization", publisher_id, {
        "name": p.id, "title": p.name, "description": p.name_en or "",
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v]})


def ensure_group(client: ActionClient, decls: Declarations, group_id: str) -> None:
    if _show_or_none(client, "group_show", group_id) is not None:
        return
    c = decls.categories[group_id]
    _create_unless_raced(client, "group", group_id, {"name": c.id, "title": c.title, "description": c.title_en})


def _create_unless_raced(client: ActionClient, kind: str, ident: str, fields: dict) -> None:
    """Create; if that fails because a parallel step created it first, the existing one is fine."""
    try:
        client.call_action(f"{kind}_create", fields)
    except Exception:
        if _show_or_none(client, f"{kind}_show", ident) is None:
            raise


def _show_or_none(client: ActionClient, action: str, ident: str) -> dict | None:
    try:
        return client.call_action(action, {"id": ident})
    except Exception as e:
        if is_not_found(e):
            return None
        raise


def _extra(pkg: dict, key: str) -> str | None:
    return next((e["value"] for e in pkg.get("extras", []) if e["key"] == key), None)


def _result(pkg: dict, tbl: dict, published: bool) -> dict:
    return {"name": pkg["name"], "id": pkg["id"], "version": tbl["version"], "published": published,
            "resources": [r["format"] for r in pkg.get("resources", [])]}
