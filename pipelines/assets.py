"""Per-dataset assets built from a declaration: ``<id>/source -> <id>/table -> <id>/release``.

``table`` carries one blocking asset check, ``quality_gate``, whose result lists every finding family (structure,
codes, geo, format, personal-data, conversion, license) with its errors, warnings and first findings; an ERROR
finding stops ``release`` and the previously released version stays published. (One check, not one per family:
each check costs a dataset three event-log writes per run — planned, output, evaluation — which at 1,000
datasets was most of the run's events.)
"""

import hashlib
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from pipelines import release as release_mod
from pipelines.automation import GATE_CHECK, INBOX_TAG
from pipelines.declarations import Dataset, Declarations, FileSource
from pipelines.home import relative_to_home
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
        value = _source_value(fetched, home, origin=f"inbox:{moved.name}")
        state["inbox"] = {**value, "declared_sha256": state.get("declared_sha256")}
    else:
        fetched = fetch_source(ds, decls.root, home.root)
        value = _source_value(fetched, home, origin="declared")
        inbox = state.get("inbox")
        if inbox and inbox.get("declared_sha256") in (None, fetched.sha256):
            value = {k: v for k, v in inbox.items() if k != "declared_sha256"}   # declared source unchanged
        else:
            state.pop("inbox", None)
        state["declared_sha256"] = fetched.sha256
    state["current"] = value
    write_json(state_path, state)
    return value


def peek_source(ds: Dataset, decls: Declarations, home: Home) -> str:
    """The sha256 ``current_source`` would return now (same fetch, same inbox rule), without recording it:
    how ``opendata ingest`` finds the changed sources before it starts a run."""
    from pipelines.home import read_json
    from pipelines.sources import fetch_source

    fetched = fetch_source(ds, decls.root, home.root)
    inbox = (read_json(home.std_dir(ds.id) / "source.json", {}) or {}).get("inbox")
    if inbox and inbox.get("declared_sha256") in (None, fetched.sha256):
        return inbox["sha256"]
    return fetched.sha256


def _source_value(fetched, home: Home, origin: str) -> dict:
    """Paths inside the data home are stored relative to it, so a home can be moved."""
    return {"sha256": fetched.sha256, "path": relative_to_home(Path(fetched.path), home.root), "filename": fetched.filename,
            "meta": _jsonable(fetched.meta), "origin": origin}


def chunk_datasets(decls: Declarations, per_step: int) -> list[list[Dataset]]:
    """Datasets in (publisher, id) order cut into slices of ``per_step``: one Dagster step (process) each."""
    ordered = sorted(decls.datasets.values(), key=lambda d: (d.publisher, d.id))
    return [ordered[i:i + per_step] for i in range(0, len(ordered), per_step)]


def _freshness(ds: Dataset) -> dg.FreshnessPolicy | None:
    """From ``update_frequency``: late after one period (warn), stale after two (fail); irregular: none."""
    delta = ds.update_frequency.delta
    return None if delta is None else dg.FreshnessPolicy.time_window(fail_window=2 * delta, warn_window=delta)


def _check_description(family: str) -> str:
    """What a family's blocking check runs: its rules, by finding type (from quality's catalogue)."""
    from quality.catalogue import FINDING_TYPES

    errors = sorted(k for k, (severity, fam, _, _) in FINDING_TYPES.items() if fam == family and severity == "error")
    warnings = sorted(k for k, (severity, fam, _, _) in FINDING_TYPES.items() if fam == family and severity != "error")
    return (f"{family}: the quality gate's {family} rules. Blocks the release on: {', '.join(errors) or 'nothing'}."
            f" Reported, not blocking: {', '.join(warnings) or 'nothing'}.")


CHECK_DESCRIPTIONS = {family: _check_description(family) for family in FAMILIES}
GATE_DESCRIPTION = ("The quality gate: every finding family's rules run on the table; its metadata gives each "
                    "family's result (passed, errors, warnings, first findings). "
                    + " ".join(CHECK_DESCRIPTIONS[f] for f in FAMILIES))


def dataset_specs(ds: Dataset) -> tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec]]:
    """The three assets of one dataset and the blocking quality-gate check on its table."""
    source_key, table_key, release_key = dataset_keys(ds.id)
    group, title = ds.publisher, ds.title.ja
    owners = [f"team:{ds.publisher}"]  # the publisher's data team (publishers.yaml id) owns its datasets
    specs = [
        dg.AssetSpec(source_key, group_name=group, kinds={"file"}, skippable=True, owners=owners,
                     description=f"{title}: fetch the source bytes (content-addressed; data version = sha256).",
                     metadata={"dataset": ds.id, "publisher": ds.publisher,
                               "update_frequency": ds.update_frequency.value}),
        dg.AssetSpec(table_key, deps=[source_key], group_name=group, kinds={"parquet", "polars"}, skippable=True,
                     owners=owners,
                     code_version=table_version("", ds),
                     description=f"{title}: decode, parse, map to the standard's columns, normalise, "
                                 f"write std/{ds.id}/<ver>.parquet."),
        dg.AssetSpec(release_key, deps=[table_key], group_name=group, kinds={"ckan"}, skippable=True, owners=owners,
                     freshness_policy=_freshness(ds),
                     description=f"{title}: build CSV/Parquet/JSON/GeoJSON downloads and publish through "
                                 "call_action."),
    ]
    checks = [dg.AssetCheckSpec(name=GATE_CHECK, asset=table_key, blocking=True, description=GATE_DESCRIPTION)]
    return specs, checks


def build_chunk_assets(name: str, chunk: list[Dataset], decls: Declarations) -> dg.AssetsDefinition:
    """One multi-asset for several datasets: every dataset keeps its own ``source``/``table``/``release`` assets,
    checks, lineage and data versions, but they run in one step, so a process (and its ~5 s of imports) serves
    many datasets. ``can_subset``: a run selecting one dataset runs only that dataset's part of the step.

    A dataset that fails does not stop the others; the step fails at the end, listing the failed datasets."""
    specs, checks = [], []
    for ds in chunk:
        s, c = dataset_specs(ds)
        specs += s
        checks += c

    @dg.multi_asset(name=name, specs=specs, check_specs=checks, can_subset=True,
                    description=f"{len(chunk)} datasets: {chunk[0].id} … {chunk[-1].id}")
    def datasets_step(context: dg.AssetExecutionContext, home: Home, catalog: CatalogTarget):
        selected = context.selected_asset_keys
        todo = [ds for ds in chunk if any(k in selected for k in dataset_keys(ds.id))]
        client = catalog.client(home.root) if any(dataset_keys(d.id)[2] in selected for d in todo) else None
        known = _source_versions(context, [dataset_keys(d.id)[0] for d in todo if dataset_keys(d.id)[0] in selected])
        failed: dict[str, str] = {}
        for ds in todo:
            try:
                yield from _run_dataset(context, ds, decls, home, client, catalog.url, selected, known)
            except Exception as e:  # one bad dataset must not stop the others
                failed[ds.id] = _root_message(e)
                context.log.error(f"{ds.id}: {failed[ds.id]}")
        if failed:
            raise dg.Failure(description=f"{len(failed)} dataset(s) failed: {', '.join(sorted(failed))}",
                             metadata={"failed": dg.MetadataValue.json(failed)})

    return datasets_step


def _source_versions(context, keys: list[dg.AssetKey]) -> dict[dg.AssetKey, str]:
    """The data version each source was last materialized with (one batched query for the whole step)."""
    out = {}
    for start in range(0, len(keys), 900):
        for key, ev in context.instance.get_latest_materialization_events(keys[start:start + 900]).items():
            if ev is not None and ev.asset_materialization:
                out[key] = (ev.asset_materialization.tags or {}).get("dagster/data_version")
    return out


def _run_dataset(context, ds: Dataset, decls: Declarations, home: Home, client, site_url: str, selected,
                 known: dict[dg.AssetKey, str]):
    """source -> table (+ checks) -> release for one dataset, only the selected parts.

    An unchanged source is not materialized again: its data version (sha256) is already recorded, and a
    materialization per unchanged dataset would make a no-op run cost one event-log write per dataset."""
    from pipelines.home import read_json

    source_key, table_key, release_key = dataset_keys(ds.id)
    if source_key in selected:
        src = current_source(ds, decls, home, context.run.tags.get(INBOX_TAG))
        if known.get(source_key) != src["sha256"]:
            yield dg.MaterializeResult(asset_key=source_key, data_version=dg.DataVersion(src["sha256"]),
                                       metadata={"sha256": src["sha256"], "filename": src["filename"],
                                                 "origin": src["origin"],
                                                 "bytes": (home.root / src["path"]).stat().st_size})
    else:
        src = (read_json(home.std_dir(ds.id) / "source.json", {}) or {}).get("current")
        if src is None:
            raise RuntimeError(f"{ds.id}: source never fetched; run {ds.id}/source first")
    if table_key not in selected and release_key not in selected:
        return
    version = table_version(src["sha256"], ds)
    tbl = _table_version_record(context, ds, home, src, version)
    report = _validate(ds, tbl, home, decls.publishers[ds.publisher].code)
    if table_key in selected:
        yield dg.MaterializeResult(asset_key=table_key, data_version=dg.DataVersion(version),
                                   metadata={"version": version, "rows": tbl["rows"], "columns": len(tbl["columns"]),
                                             "unmapped": ", ".join(tbl["unmapped"]) or "-", "path": tbl["path"],
                                             **_table_metadata(home, tbl)})
        yield from _check_results(report, table_key)
    if release_key in selected:
        if not report.valid:   # the blocking checks failed: the previously released version stays published
            context.log.warning(f"{ds.id}: version {version} blocked by the quality gate; not releasing")
            return
        result = release_mod.publish(ds, decls, {**tbl, "path": str(home.root / tbl["path"])}, report, home,
                                     client, site_url)
        yield dg.MaterializeResult(asset_key=release_key, data_version=dg.DataVersion(version),
                                   metadata={"package": result["name"], "version": version,
                                             "published": result["published"],
                                             "resources": len(result["resources"])})


def _table_metadata(home: Home, tbl: dict) -> dict:
    """Dagster's standard table metadata: row count, the column schema (standard names as written), the file."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(home.root / tbl["path"])
    columns = [dg.TableColumn(name=f.name, type=str(f.type)) for f in schema if not f.name.startswith("_")]
    return {"dagster/row_count": tbl["rows"], "dagster/column_schema": dg.TableSchema(columns=columns),
            "dagster/uri": tbl["path"]}  # relative to OPENDATA_HOME: the home can move


def _check_results(report: QualityReport, table_key: dg.AssetKey):
    """One result for the gate; its metadata holds one entry per family (what a check per family showed)."""
    families, failed = {}, []
    for family in FAMILIES:
        found = report.by_family(family)
        errors = [f for f in found if f.severity == "error"]
        if errors:
            failed.append(family)
        families[family] = dg.MetadataValue.json({
            "passed": not errors and not report.partial, "errors": len(errors), "warnings": len(found) - len(errors),
            "first_findings": [_brief(f) for f in found[:5]]})
    yield dg.AssetCheckResult(
        asset_key=table_key, check_name=GATE_CHECK, passed=not failed and not report.partial,
        severity=dg.AssetCheckSeverity.ERROR,
        description=("blocked by: " + ", ".join(failed)) if failed else ("partial: a check could not run"
                                                                        if report.partial else "all families pass"),
        metadata={"failed_families": ", ".join(failed) or "-", "errors": len(report.errors),
                  "warnings": len(report.warnings), "partial": report.partial, **families})


def _root_message(e: BaseException) -> str:
    while e.__cause__ is not None:
        e = e.__cause__
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


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
    res = build_or_quarantine(home.root / src["path"], ds, standard, out, filename=src["filename"],
                              quarantine_dir=home.root / "quarantine" / ds.id)
    value = {"version": version, "path": relative_to_home(out, home.root), "rows": res.rows,
             "columns": list(res.columns),
             "mapping": res.mapping, "unmapped": list(res.unmapped), "source_sha256": src["sha256"],
             "source_filename": src["filename"], "read": _jsonable(res.metadata),
             "findings": [f.to_dict() for f in res.findings],
             "built_at": datetime.now(timezone.utc).isoformat()}
    write_json(meta_path, value)
    return value


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
        report = validate_table(pq.read_table(home.root / tbl["path"]), load_standard(ds.standard) if ds.standard else None,
                                publisher_code=publisher_code, overrides=ds.quality.model_dump(),
                                extra_findings=extra)
    except Exception as e:  # a check that could not run makes the report partial, never valid
        report = QualityReport(findings=extra, partial=True, stats={"error": f"{type(e).__name__}: {e}"})
    from quality.license import check_license  # licence is a property of the declaration, not of the table

    lic = check_license(ds.license)
    if lic:
        report.findings.append(lic)
    save_report(report, path)
    _record_gx(path, home)
    return report


def _record_gx(report_path: Path, home: Home) -> None:
    """The version's GX suite, validation result and Data Docs pages (``quality.data_docs``); the report itself
    is the gate's record, so a GX rendering failure is a warning, never a failed ingest."""
    from quality.data_docs import record

    try:
        record(report_path, home.root / "reports")
    except Exception as e:  # noqa: BLE001
        logging.getLogger(__name__).warning("GX Data Docs not written for %s: %s", report_path, _root_message(e))


def _brief(f: Finding) -> dict:
    return {"type": f.type, "severity": f.severity, "column": f.column, "rows": list(f.rows[:10]),
            "count": f.count, "message": f.message_en}


def _jsonable(obj):
    return json.loads(json.dumps(obj, ensure_ascii=False, default=str))
