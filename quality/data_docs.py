"""GX artifacts of the quality reports (``reports/<dataset>/<ver>.json`` → ``reports/gx/``).

Every ingest calls ``record`` after saving a report: the dataset version's ExpectationSuite (JSON), its
validation result (JSON) and its two Data Docs pages are written into a file-backed GX project at
``reports/gx`` (GX's own layout, so plain GX reads it). ``build_data_docs`` rebuilds every page and the index.

Each report's ``stats["gx"]`` lists every expectation that ran with its kwargs, finding meta and counts;
here they become an ExpectationSuite plus an ExpectationSuiteValidationResult in a file-backed context
rooted at the reports folder. Values are not stored in reports' summaries, so none reach the docs.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from quality.reports import load_report


def build_data_docs(report_root: str | os.PathLike) -> Path:
    """Build GX Data Docs for every report JSON under ``report_root`` into ``report_root/gx``; returns index.html.

    A file-backed GX context is created there only now; validation itself stays on the ephemeral context.
    """
    return build(Path(report_root))


SITE = Path("gx") / "uncommitted" / "data_docs" / "local_site"   # under the reports folder


def record(report_path: Path, report_root: Path) -> dict[str, str]:
    """Write one report's suite, validation result and Data Docs pages; returns the pages relative to the site.

    One GX context per process and reports folder; writers of one folder (the step processes) take turns on a
    lock file, so GX's project files and the shared static folder are written once and whole."""
    import fcntl

    with open(report_root / ".gx.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ctx = _context(report_root)
        keys = _store(ctx, report_path, report_root)
        _build_pages(ctx, list(keys))
        site = report_root / SITE
        name = keys[0].expectation_suite_identifier.name
        pages = [site / "expectations" / f"{name}.html", *sorted((site / "validations" / name).rglob("*.html"))]
        serve_offline(site, pages)
    return {"suite": str(pages[0].relative_to(site)), "validation": str(pages[-1].relative_to(site))}


_CONTEXTS: dict[Path, object] = {}
_BUILDERS: dict[int, list] = {}          # id(context) -> its Data Docs site builders, static files copied


class _OnlyKeys:
    """A GX store seen through a list of keys. GX's section builders list every key of their store and then
    render the requested ones: a walk of every suite and validation result so far, per version recorded, which
    made recording quadratic in the number of datasets. Seen through this, they list only the requested keys
    (of the store's own key type); everything else is the store itself."""

    def __init__(self, store, keys: list):
        self._store, self._keys = store, keys

    def list_keys(self, *args, **kwargs) -> list:
        return [k for k in self._keys if isinstance(k, self._store.key_class)]

    def __getattr__(self, name: str):
        return getattr(self._store, name)


def _build_pages(ctx, keys: list) -> None:
    """``ctx.build_data_docs(resource_identifiers=keys, build_index=False)``, at a cost independent of how many
    reports the project holds: the site builders are made once per context (GX makes them on every call), their
    static files copied once, and their sections list only ``keys``."""
    builders = _BUILDERS.get(id(ctx))
    if builders is None:
        builders = [ctx._init_site_builder_for_data_docs_site_creation(site_name=name, site_config=config)
                    for name, config in (ctx.variables.data_docs_sites or {}).items()]
        for builder in builders:
            builder.target_store.copy_static_assets()
        _BUILDERS[id(ctx)] = builders
    for builder in builders:
        for section in builder.site_section_builders.values():
            store = section.source_store
            section.source_store = _OnlyKeys(store, keys)
            try:
                section.build(resource_identifiers=keys)
            finally:
                section.source_store = store


def _context(report_root: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    import quality.expectations  # noqa: F401  (custom expectation types must be registered to render)

    if report_root not in _CONTEXTS:
        ctx = gx.get_context(mode="file", project_root_dir=str(report_root))
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        _CONTEXTS[report_root] = ctx
    return _CONTEXTS[report_root]


def build(report_root: Path) -> Path:
    report_root.mkdir(parents=True, exist_ok=True)
    ctx = _context(report_root)
    for path in _report_files(report_root):
        _store(ctx, path, report_root)
    sites = ctx.build_data_docs()
    index = Path(next(iter(sites.values())).removeprefix("file://"))
    serve_offline(index.parent)
    return index


# GX's page templates load these from CDNs; the same files come from npm (web/package.json, installed by ./dev)
# so Data Docs work offline and inside a 庁内 network. URL -> file under web/node_modules (a folder: copied whole).
NODE_MODULES = Path(__file__).resolve().parents[1] / "web" / "node_modules"
OFFLINE = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}
_GX_LOGO = re.compile(r'"https://great-expectations-web-assets\.s3[^"]*/logo-long\.png[^"]*"')
_ALSO = ("@fortawesome/fontawesome-free/webfonts",)  # what all.min.css loads by relative path


def serve_offline(site: Path, pages: list[Path] | None = None) -> None:
    """Copy the CDN files GX's pages name into ``site/static/vendor`` (once) and point the pages (default: every
    page) at the copies.

    Without ``web/node_modules`` (``./dev`` not run) the pages keep the CDN links and a warning says so."""
    import logging
    import os
    import shutil

    if not NODE_MODULES.is_dir():
        logging.getLogger(__name__).warning("web/node_modules missing: Data Docs keep their CDN links (run ./dev)")
        return
    vendor = site / "static" / "vendor"
    for rel in [*OFFLINE.values(), *_ALSO]:
        source, target = NODE_MODULES / rel, vendor / rel
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
    for page in site.rglob("*.html") if pages is None else pages:
        html = page.read_text("utf-8")
        for url, rel in OFFLINE.items():
            html = html.replace(f'"{url}"', '"' + os.path.relpath(vendor / rel, page.parent) + '"')
        # the logo comes from GX's S3 bucket with the project's id in the query (a beacon): the site has a copy
        html = _GX_LOGO.sub('"' + os.path.relpath(site / "static" / "images" / "logo-long.png", page.parent) + '"', html)
        page.write_text(html, "utf-8")


def _report_files(root: Path) -> list[Path]:
    gx_dir = root / "gx"
    return sorted(p for p in root.rglob("*.json") if gx_dir not in p.parents)


def _store(ctx, path: Path, root: Path) -> tuple:
    """Save the report's suite and validation result; returns (validation result key, suite key)."""
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier, ValidationResultIdentifier)

    report = load_report(path)
    entries = report.stats.get("gx") or []
    name = "__".join(path.relative_to(root).with_suffix("").parts)     # <dataset>__<version>
    suite = ctx.suites.add_or_update(_suite(name, entries))
    run_time = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)
    run_id = RunIdentifier(run_name=name, run_time=run_time)
    result = ExpectationSuiteValidationResult(
        success=report.valid, results=[_result(e) for e in entries], suite_name=suite.name,
        statistics=_statistics(entries), meta={"run_id": run_id.to_json_dict(), "report": str(path.name),
                                               "rows": report.stats.get("rows"), "partial": report.partial})
    key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name), run_id, batch_identifier=name)
    ctx.validation_results_store.set(key, result)
    return key, ExpectationSuiteIdentifier(name)


def _suite(name: str, entries: list[dict]):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    configs = [ExpectationConfiguration(type=e["expectation"], kwargs=e["kwargs"], meta=e["meta"]) for e in entries]
    return gx.ExpectationSuite(name=name, expectations=[c.to_domain_obj() for c in configs])


def _result(e: dict):
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    counts = {k: e[k] for k in ("element_count", "unexpected_count", "missing_count") if e.get(k) is not None}
    if counts.get("element_count") and "unexpected_count" in counts:
        counts["unexpected_percent"] = 100.0 * counts["unexpected_count"] / counts["element_count"]
    counts["partial_unexpected_list"] = []          # values stay out of the docs (they may be personal)
    config = ExpectationConfiguration(type=e["expectation"], kwargs=e["kwargs"], meta=e["meta"])
    return ExpectationValidationResult(success=e["success"], expectation_config=config, result=counts,
                                       exception_info={"raised_exception": e.get("raised", False),
                                                       "exception_message": None, "exception_traceback": None})


def _statistics(entries: list[dict]) -> dict:
    ok = sum(1 for e in entries if e["success"])
    n = len(entries)
    return {"evaluated_expectations": n, "successful_expectations": ok, "unsuccessful_expectations": n - ok,
            "success_percent": 100.0 * ok / n if n else None}
