"""Per-dataset assets built from a declaration: ``<id>/source -> <id>/table -> <id>/release``.

``table`` carries one blocking asset check per finding family; an ERROR finding stops ``release`` and the
previously released version stays published.
"""

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from pipelines import release as release_mod
from pipelines.automation import INBOX_TAG
from pipelines.declarations import Dataset, Declarations, FileSource
from pipelines.resources import CatalogTarget, Home
from quality.findings import FAMILIES, Finding, QualityReport

# Bump when the standardisation code changes in a way that changes output tables.
PIPELINE_VERSION = "1"


def dataset_keys(ds_id: str) -> tuple[dg.AssetKey, dg.AssetKey, dg.AssetKey]:
    return dg.AssetKey([ds_id, "source"]), dg.AssetKey([ds_id, "table"]), dg.AssetKey([ds_id, "release"])


def table_version(source_sha: str, ds: Dataset) -> str:
    """Identity of a standardized table: same source bytes + same declaration + same code => same version."""
    from quality.standards import STANDARDS_DIR

    std = (STANDARDS_DIR / f"{ds.standard}.yaml").read_bytes() if ds.standard else b""
    h = hashlib.sha256()
    for part in (source_sha.encode(), ds.model_dump_json().encode(), std, PIPELINE_VERSION.encode()):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def current_source(ds: Dataset, decls: Declarations, home: Home, inbox_file: str | None) -> dict:
    """The dataset's current source version.

    A file dropped in the inbox becomes the next version and stays current until the declared source itself
    changes (latest change wins); the dropped file is moved aside, never deleted.
    """
    from pipelines.automation import move_processed
    from pipelines.home import read_json, write_json
    from pipelines.sources import fetch_source

    state_path = home.std_dir(ds.id) / "source.json"
    state = read_json(state_path, {}) or {}
    if inbox_file:
        dropped = ds.model_copy(update={"source": FileSource(kind="file", path=str(Path(inbox_file).resolve()),
                                                              member=getattr(ds.source, "member", None))})
        fetched = fetch_source(dropped, decls.root, home.root)
        moved = move_processed(Path(inbox_file), home.root / "inbox")
        value = _source_value(fetched, origin=f"inbox:{moved.name}")
        state["inbox"] = {**value, "declared_sha256": state.get("declared_sha256")}
    else:
        fetched = fetch_source(ds, decls.root, home.root)
        value = _source_value(fetched, origin="declared")
        inbox = state.get("inbox")
        if inbox and inbox.get("declared_sha256") in (None, fetched.sha256):
            value = {k: v for k, v in inbox.items() if k != "declared_sha256"}   # declared source unchanged
        else:
            state.pop("inbox", None)
        state["declared_sha256"] = fetched.sha256
    write_json(state_path, state)
    return value


def _source_value(fetched, origin: str) -> dict:
    return {"sha256": fetched.sha256, "path": str(fetched.path), "filename": fetched.filename,
            "meta": _jsonable(fetched.meta), "origin": origin}


def build_dataset_assets(ds: Dataset, decls: Declarations) -> list:
    source_key, table_key, release_key = dataset_keys(ds.id)
    group = ds.publisher
    title = ds.title.ja

    @dg.asset(key=source_key, group_name=group, kinds={"file"},
              description=f"{title}: fetch the source bytes (content-addressed; data version = sha256).",
              metadata={"dataset": ds.id, "publisher": ds.publisher, "update_frequency": ds.update_frequency.value})
    def source(context: dg.AssetExecutionContext, home: Home) -> dg.Output[dict]:
        value = current_source(ds, decls, home, context.run.tags.get(INBOX_TAG))
        context.log.info(f"{ds.id}: source {value['filename']} sha256={value['sha256'][:12]} ({value['origin']})")
        return dg.Output(value, data_version=dg.DataVersion(value["sha256"]),
                         metadata={"sha256": value["sha256"], "filename": value["filename"],
                                   "origin": value["origin"], "bytes": Path(value["path"]).stat().st_size})

    @dg.asset(key=table_key, ins={"src": dg.AssetIn(source_key)}, group_name=group, kinds={"parquet", "polars"},
              code_version=table_version("", ds),
              description=f"{title}: decode, parse, map to the standard's columns, normalise, write std/{ds.id}/<ver>.parquet.")
    def table(context: dg.AssetExecutionContext, home: Home, src: dict) -> dg.Output[dict]:
        version = table_version(src["sha256"], ds)
        value = _table_version_record(context, ds, home, src, version)
        return dg.Output(value, data_version=dg.DataVersion(version),
                         metadata={"version": version, "rows": value["rows"], "columns": len(value["columns"]),
                                   "unmapped": ", ".join(value["unmapped"]) or "-", "path": value["path"]})

    checks = _build_checks(ds, decls, table_key)

    @dg.asset(key=release_key, ins={"tbl": dg.AssetIn(table_key)}, group_name=group, kinds={"ckan"},
              description=f"{title}: build CSV/Parquet/JSON/GeoJSON downloads and publish through call_action.")
    def release(context: dg.AssetExecutionContext, home: Home, catalog: CatalogTarget, tbl: dict) -> dg.Output[dict]:
        report = QualityReport.from_dict(json.loads(home.report_path(ds.id, tbl["version"]).read_text("utf-8")))
        if not report.valid:   # belt and braces: the blocking checks should already have stopped us
            raise dg.Failure(f"{ds.id}: version {tbl['version']} is not valid; not releasing")
        result = release_mod.publish(ds, decls, tbl, report, home, catalog.client(home.root), catalog.url)
        return dg.Output(result, data_version=dg.DataVersion(tbl["version"]),
                         metadata={"package": result["name"], "version": tbl["version"],
                                   "published": result["published"], "resources": len(result["resources"])})

    return [source, table, release, checks]


def _table_version_record(context: dg.AssetExecutionContext, ds: Dataset, home: Home, src: dict,
                          version: str) -> dict:
    """The record of ``std/<id>/<version>.parquet`` (its ``.meta.json``), building the table unless it exists.

    A version is never rebuilt: its name is a hash of the source bytes and of everything that shapes the table.
    """
    from pipelines.home import write_json
    from pipelines.quarantine import build_or_quarantine
    from quality.standards import load_standard

    out = home.std_dir(ds.id) / f"{version}.parquet"
    meta_path = out.with_suffix(".meta.json")
    if out.exists() and meta_path.exists():
        context.log.info(f"{ds.id}: version {version} already built; nothing to do")
        return json.loads(meta_path.read_text("utf-8"))
    standard = load_standard(ds.standard) if ds.standard else None
    res = build_or_quarantine(Path(src["path"]), ds, standard, out, filename=src["filename"],
                              quarantine_dir=home.root / "quarantine" / ds.id)
    value = {"version": version, "path": str(out), "rows": res.rows, "columns": list(res.columns),
             "mapping": res.mapping, "unmapped": list(res.unmapped), "source_sha256": src["sha256"],
             "source_filename": src["filename"], "read": _jsonable(res.metadata),
             "findings": [f.to_dict() for f in res.findings],
             "built_at": datetime.now(timezone.utc).isoformat()}
    write_json(meta_path, value)
    return value


def _build_checks(ds: Dataset, decls: Declarations, table_key: dg.AssetKey):
    specs = [dg.AssetCheckSpec(name=family.replace("-", "_"), asset=table_key, blocking=True,
                               description=f"{family} findings of the quality suite") for family in FAMILIES]

    @dg.multi_asset_check(specs=specs, name=f"{ds.id.replace('-', '_')}_quality",
                          ins={"tbl": dg.AssetIn(table_key)})
    def quality_checks(context: dg.AssetCheckExecutionContext, home: Home, tbl: dict):
        report = _validate(ds, tbl, home, decls.publishers[ds.publisher].code)
        for family in FAMILIES:
            found = report.by_family(family)
            errors = [f for f in found if f.severity == "error"]
            yield dg.AssetCheckResult(
                asset_key=table_key, check_name=family.replace("-", "_"),
                passed=not errors and not report.partial,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"errors": len(errors), "warnings": len(found) - len(errors),
                          "partial": report.partial,
                          "first_findings": dg.MetadataValue.json([_brief(f) for f in found[:5]])})

    return quality_checks


def _validate(ds: Dataset, tbl: dict, home: Home, publisher_code: str | None) -> QualityReport:
    """Run the quality suite once per table version; the report is stored beside the data home's reports."""
    from quality.reports import load_report, save_report

    path = home.report_path(ds.id, tbl["version"])
    if path.exists():
        return load_report(path)
    import pyarrow.parquet as pq

    from quality import validate_table
    from quality.standards import load_standard

    extra = [Finding.from_dict(f) for f in tbl.get("findings", [])]
    try:
        report = validate_table(pq.read_table(tbl["path"]), load_standard(ds.standard) if ds.standard else None,
                                publisher_code=publisher_code, overrides=ds.quality.model_dump(),
                                extra_findings=extra)
    except Exception as e:  # a check that could not run makes the report partial, never valid
        report = QualityReport(findings=extra, partial=True, stats={"error": f"{type(e).__name__}: {e}"})
    from quality.license import check_license  # licence is a property of the declaration, not of the table

    lic = check_license(ds.license)
    if lic:
        report.findings.append(lic)
    save_report(report, path)
    return report


def _brief(f: Finding) -> dict:
    return {"type": f.type, "severity": f.severity, "column": f.column, "rows": list(f.rows[:10]),
            "count": f.count, "message": f.message_en}


def _jsonable(obj):
    return json.loads(json.dumps(obj, ensure_ascii=False, default=str))
