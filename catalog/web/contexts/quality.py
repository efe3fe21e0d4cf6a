"""The steward's report view ``/dataset/<name>/quality[/<version>]``: findings and the failing source rows.

Reads ``<home>/reports/<dataset>/<version>.json`` (a ``QualityReport.to_dict()``; catalog/ may not import
``quality``) and the standardized ``<home>/std/<dataset>/<version>.parquet`` (its ``_row`` column is the source
line number the findings cite). Access follows ``package_show`` under the caller's context; a sysadmin may also
read reports of versions that never reached the catalog (blocked by an error).

Columns with a personal-data finding are never shown raw: their cells are replaced by a mask.

A version the gate did not release (blocked: errors, or a partial report, and not the published version) may hold
the very rows the personal-data gate stopped: its findings in full and its failing rows are shown only to members
of the publishing organization and to sysadmins. Everyone else sees that the version was blocked and the finding
types with their counts, without any cell value (no examples, no rows, no messages that could quote a cell).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from catalog.errors import NotAuthorized, NotFound
from catalog.metrics.measures import extras
from catalog.store import users
from catalog.web.page import PageRequest

MAX_ROWS = 200
MASK = "●●●"
_VERSION = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")   # a file name, never a path


@dataclass(frozen=True)
class FailingRows:
    columns: list[str]                    # ``_row`` first
    masked_columns: list[str]
    rows: list[dict]                      # [{"row": n, "cells": [...], "flagged": [column, ...]}]
    truncated: bool


@dataclass(frozen=True)
class QualityPage:
    lang: str
    name: str
    title: str
    dataset_url: str | None
    version: str
    current_version: str
    versions: list[dict]                  # [{"version", "url", "modified"}], newest first
    found: bool                           # a report exists for this version
    valid: bool
    partial: bool
    stats: dict
    error_count: int
    warning_count: int
    findings: list[dict]
    failing_rows: FailingRows | None
    blocked: bool = False                 # the gate did not release this version
    restricted: bool = False              # blocked, and the caller may see only finding types and counts
    gx_pages: dict | None = None          # {"validation": url, "suite": url}: the version's GX Data Docs pages


def build(req: PageRequest) -> QualityPage:
    name = req.path_params["name"]
    pkg = _package(req, name)
    current = extras(pkg).get("table_version", "") if pkg else ""
    version = req.path_params.get("version") or current or _newest(req.context.home, name)
    if not version or not _VERSION.match(version):
        raise NotFound(f"No quality report for {name}")
    report = _read_report(req.context.home, name, version)
    findings = report.get("findings", [])
    blocked = bool(report) and version != current and (not report.get("valid") or bool(report.get("partial")))
    restricted = blocked and not _may_see_blocked(req, pkg)
    stats = report.get("stats", {})
    return QualityPage(
        lang=req.lang, name=name, title=(pkg or {}).get("title") or name,
        dataset_url=req.url(f"/dataset/{name}") if pkg else None, version=version, current_version=current,
        versions=_versions(req, name), found=bool(report), valid=bool(report.get("valid")),
        partial=bool(report.get("partial")), stats={"rows": stats["rows"]} if restricted and "rows" in stats else
        ({} if restricted else stats),
        error_count=int(report.get("error_count", 0)), warning_count=int(report.get("warning_count", 0)),
        findings=[_summary(f) if restricted else _finding(f) for f in findings],
        failing_rows=None if restricted else failing_rows(req.context.home / "std" / name / f"{version}.parquet",
                                                          findings),
        blocked=blocked, restricted=restricted,
        gx_pages=None if restricted else _gx_pages(req, name, version))


# The GX project the ingest writes (quality.data_docs.record): reports/gx, its Data Docs site inside it.
GX_SITE = Path("reports") / "gx" / "uncommitted" / "data_docs" / "local_site"


def _gx_pages(req: PageRequest, name: str, version: str) -> dict | None:
    site, suite = req.context.home / GX_SITE, f"{name}__{version}"
    validations = sorted((site / "validations" / suite).rglob("*.html"))
    if not validations:
        return None
    base = f"/dataset/{name}/quality/{version}/gx/"
    pages = {"validation": req.url(base + str(validations[-1].relative_to(site)))}
    if (site / "expectations" / f"{suite}.html").is_file():
        pages["suite"] = req.url(f"{base}expectations/{suite}.html")
    return pages


def gx_file(req: PageRequest, name: str, version: str, path: str) -> Path:
    """A file of the version's Data Docs, to whoever may read its quality report in full: the version's suite
    and validation pages and the site's static files — never another dataset's pages or the site index."""
    if not _VERSION.match(version):
        raise NotFound("No such page")
    pkg = _package(req, name)
    report = _read_report(req.context.home, name, version)
    current = extras(pkg).get("table_version", "") if pkg else ""
    blocked = bool(report) and version != current and (not report.get("valid") or bool(report.get("partial")))
    if blocked and not _may_see_blocked(req, pkg):
        raise NotAuthorized("Blocked version")
    suite = f"{name}__{version}"
    if not (path.startswith(("static/", f"validations/{suite}/")) or path == f"expectations/{suite}.html"):
        raise NotFound("No such page")
    site = (req.context.home / GX_SITE).resolve()
    target = (site / path).resolve()
    if site not in target.parents or not target.is_file():
        raise NotFound("No such page")
    return target


def _may_see_blocked(req: PageRequest, pkg: dict | None) -> bool:
    """Sysadmins, and members (any role) of the organization that publishes the dataset."""
    if req.context.is_sysadmin:
        return True
    return bool(pkg and pkg.get("owner_org")) and users.has_role(req.context.store, req.context.user,
                                                                 pkg["owner_org"], "member")


def _summary(f: dict) -> dict:
    """A finding without anything that could carry a cell value: type, severity, family, column and count."""
    rows = f.get("rows") or []
    return {"type": f.get("type", ""), "severity": f.get("severity", ""), "family": f.get("family", ""),
            "column": f.get("column") or "", "rows": [], "count": int(f.get("count") or len(rows)),
            "message_ja": "", "message_en": "", "examples": []}


def _package(req: PageRequest, name: str) -> dict | None:
    try:
        return req.call("package_show", {"id": name})
    except NotFound:
        # a version blocked before its first release has reports but no package: stewards (sysadmins) need it
        if req.context.is_sysadmin and (req.context.home / "reports" / name).is_dir():
            return None
        raise


def _read_report(home: Path, name: str, version: str) -> dict:
    path = home / "reports" / name / f"{version}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text("utf-8"))


def _newest(home: Path, name: str) -> str:
    files = sorted((home / "reports" / name).glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    return files[0].stem if files else ""


def _versions(req: PageRequest, name: str) -> list[dict]:
    folder = req.context.home / "reports" / name
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
    return [{"version": p.stem, "url": req.url(f"/dataset/{name}/quality/{p.stem}"),
             "modified": datetime.fromtimestamp(p.stat().st_mtime).strftime("%Y-%m-%d %H:%M")} for p in files]


def _finding(f: dict) -> dict:
    rows = [int(r) for r in f.get("rows") or []]
    return {"type": f.get("type", ""), "severity": f.get("severity", ""), "family": f.get("family", ""),
            "column": f.get("column") or "", "rows": rows, "count": int(f.get("count") or len(rows)),
            "message_ja": f.get("message_ja", ""), "message_en": f.get("message_en", ""),
            "examples": [str(e) for e in f.get("examples") or []]}


def masked_columns(findings: list[dict], columns: list[str]) -> list[str]:
    """Columns never to show: those with a personal-data finding; every column if such a finding names none."""
    personal = [f for f in findings if f.get("family") == "personal-data"]
    if any(not f.get("column") for f in personal):
        return [c for c in columns if c != "_row"]
    return sorted({f["column"] for f in personal if f["column"] in columns})


def failing_rows(path: Path, findings: list[dict]) -> FailingRows | None:
    wanted = sorted({int(r) for f in findings for r in f.get("rows") or []})
    if not wanted or not path.is_file():
        return None
    table = pq.read_table(path, filters=[("_row", "in", wanted[:MAX_ROWS])])
    columns = ["_row"] + [c for c in table.column_names if c != "_row"]
    hidden = set(masked_columns(findings, columns))
    flagged: dict[int, set[str]] = {}
    for f in findings:
        for r in f.get("rows") or []:
            flagged.setdefault(int(r), set()).add(f.get("column") or "")
    rows = []
    for record in sorted(table.select(columns).to_pylist(), key=lambda rec: rec["_row"]):
        cells = [MASK if c in hidden and record[c] not in (None, "") else _text(record[c]) for c in columns]
        rows.append({"row": record["_row"], "cells": cells, "flagged": sorted(flagged.get(record["_row"], set()))})
    return FailingRows(columns, sorted(hidden), rows, truncated=len(wanted) > MAX_ROWS)


def _text(value) -> str:
    return "" if value is None else str(value)
