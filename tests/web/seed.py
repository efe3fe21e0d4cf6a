"""A small Tokyo catalog for the web tests, published through the real actions (``LocalCatalog`` as a sysadmin):
organizations of four publisher types, datasets with CSV (UTF-8 BOM) / Parquet / GeoJSON uploads, an internal
(庁内限定) dataset, quality reports + standardized Parquet for the report view, and four metrics snapshots.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from catalog.store import formats, users
from catalog.local import LocalCatalog
from catalog.metrics import compute_publication_rates, write_snapshot

ORGS = [  # id, name, English name, type, code
    ("t131083", "江東区", "Koto City", "区", "131083"),
    ("t131172", "北区", "Kita City", "区", "131172"),
    ("t132021", "立川市", "Tachikawa City", "市", "132021"),
    ("t000003", "総務局", "Bureau of General Affairs", "局", ""),
]
GROUPS = {"c001": ("防災・災害計画", "Disaster prevention and planning"), "c004": ("人口減少・少子高齢化", "Population"),
          "c005": ("医療・福祉", "Health and welfare"), "c006": ("生活", "Daily life")}
TOILETS = {"_row": [2, 3, 4, 5, 6], "名称": ["豊洲公園トイレ", "木場公園トイレ", "亀戸駅前トイレ", "有明トイレ", "清澄庭園トイレ"],
           "緯度": [35.6535, 35.6726, 35.6975, 35.6346, 35.6810], "経度": [139.7953, 139.8083, 139.8263, 139.7913, 139.7985],
           "電話番号": ["03-3647-9111", "03-3647-9111", "0336479", "03-3647-9111", "03-3647-9111"],
           "備考": ["", "", "", "", ""]}
TACHIKAWA = {"_row": [2, 3, 4], "名称": ["立川駅北口トイレ", "昭和記念公園トイレ", "立川市役所トイレ"],
             "設置者": ["立川市", "山田太郎", "立川市"], "緯度": [35.6987, 35.7040, 35.7140], "経度": [139.4137, 139.4020, 139.4080]}
POPULATION = {"_row": [2, 3, 4], "地域": ["千代田区", "中央区", "港区"], "人口": [66680, 174074, 261615]}
TODAY = date.today()
TARGETS = [{"publisher": p, "key": k, "title": t, "category": c} for p in ("t131083", "t131172", "t132021")
           for k, t, c in (("public_toilet", "公衆トイレ一覧", "c006"), ("aed", "AED設置箇所一覧", "c005"),
                           ("evacuation_space", "指定緊急避難場所一覧", "c001"))]
TARGETS += [{"publisher": "t000003", "kind": "need", "key": "population-estimates", "title": "東京都の人口（推計）",
             "category": "c004", "weight": 3.0}]
FILLER = 22   # more than a page of search results (20)


@dataclass(frozen=True)
class Seeded:
    home: Path
    site_url: str
    admin_token: str
    member: str                  # a member of 江東区 (sees its internal dataset)
    member_token: str
    outsider: str                # signed in, no role anywhere
    outsider_token: str


def seed(home: Path, site_url: str) -> Seeded:
    users.ensure_user(home, "admin", sysadmin=True)
    api = LocalCatalog(home, user="admin", site_url=site_url)
    for oid, name, name_en, ptype, code in ORGS:
        extras = [{"key": "publisher_type", "value": ptype}, {"key": "name_en", "value": name_en}]
        extras += [{"key": "code", "value": code}] if code else []
        api.call_action("organization_create", {"name": oid, "title": name, "description": name_en, "extras": extras})
    for gid, (title, title_en) in GROUPS.items():
        api.call_action("group_create", {"name": gid, "title": title, "description": title_en})
    _datasets(api, home)
    _snapshots(api, home)
    users.ensure_user(home, "koto_staff")
    users.set_membership(home, "koto_staff", "t131083", "member")
    users.ensure_user(home, "visitor")
    return Seeded(home, site_url, users.create_token(home, "admin", "web-tests"), "koto_staff",
                  users.create_token(home, "koto_staff", "web-tests"), "visitor",
                  users.create_token(home, "visitor", "web-tests"))


def _extras(**values) -> list[dict]:
    return [{"key": k, "value": str(v)} for k, v in values.items()]


def _datasets(api: LocalCatalog, home: Path) -> None:
    _publish(api, home, "koto-public-toilets", "t131083", TOILETS, "v2", title="公衆トイレ一覧",
             notes="江東区内の公園・駅前等の公衆トイレの一覧です。", groups=["c006"], tags=["トイレ", "バリアフリー"],
             formats=("CSV", "Parquet", "GeoJSON"),
             extras=_extras(standard="public_toilet", quality_status="valid", quality_errors=0, quality_warnings=1,
                            standard_conformant="true", update_frequency="yearly", data_modified=TODAY - timedelta(days=30),
                            title_en="Public toilets", notes_en="Public toilets in parks and at stations in Koto City.",
                            publisher_code="131083"),
             findings=[_finding("invalid-phone", "warning", "format", "電話番号", [4], "電話番号の形式が正しくありません",
                                "The phone number is malformed", ["0336479"])])
    _publish(api, home, "tachikawa-public-toilets", "t132021", TACHIKAWA, "v1", title="公衆トイレ（立川市）",
             notes="立川市の公衆トイレ", groups=["c006"], tags=["トイレ"], formats=("CSV", "GeoJSON"),
             extras=_extras(standard="public_toilet", quality_status="invalid", quality_errors=1, quality_warnings=0,
                            standard_conformant="false", update_frequency="monthly",
                            data_modified=TODAY - timedelta(days=200)),
             findings=[_finding("personal-name", "error", "personal-data", "設置者", [3], "個人名の可能性があります",
                                "Possibly the name of an individual", ["山田**"])])
    _publish(api, home, "tokyo-population", "t000003", POPULATION, "v1", title="東京都の人口（推計）",
             notes="区市町村別の推計人口", groups=["c004"], tags=["人口", "統計"], formats=("CSV", "Parquet"),
             extras=_extras(fulfils="population-estimates", quality_status="valid", update_frequency="monthly",
                            data_modified=TODAY - timedelta(days=3), title_en="Population of Tokyo (estimates)"))
    _publish(api, home, "koto-staff-contacts", "t131083", {"_row": [2], "課名": ["防災課"], "内線": ["1234"]}, "v1",
             title="庁内連絡先一覧（内部）", notes="庁内限定の連絡先", groups=["c001"], tags=["庁内"], formats=("CSV",),
             private=True, extras=_extras(quality_status="valid"))
    for i in range(FILLER):
        api.call_action("package_create", {"name": f"kita-stat-{i:02d}", "owner_org": "t131172",
                                           "title": f"北区統計データ {i:02d}", "groups": [{"name": "c001"}],
                                           "license_id": "CC-BY-4.0", "extras": _extras(quality_status="valid")})


def _publish(api: LocalCatalog, home: Path, name: str, org: str, columns: dict, version: str, *, title: str,
             notes: str, groups: list[str], tags: list[str], formats: tuple, extras: list[dict],
             private: bool = False, findings: list[dict] = ()) -> None:
    api.call_action("package_create", {
        "name": name, "owner_org": org, "title": title, "notes": notes, "license_id": "CC-BY-4.0",
        "private": private, "groups": [{"name": g} for g in groups], "tags": [{"name": t} for t in tags],
        "extras": extras + _extras(table_version=version)})
    std = home / "std" / name / f"{version}.parquet"
    std.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), std)
    _report(home, name, version, list(findings), rows=len(columns["_row"]))
    _upload(api, name, {k: v for k, v in columns.items() if k != "_row"}, formats)


def _upload(api: LocalCatalog, name: str, columns: dict, wanted: tuple) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / f"{name}.parquet"
        pq.write_table(pa.table(columns), parquet)
        writers = {"CSV": (".csv", formats.write_csv), "GeoJSON": (".geojson", formats.write_geojson),
                   "Parquet": (".parquet", None)}
        for fmt in wanted:
            suffix, writer = writers[fmt]
            out = Path(tmp) / f"{name}{suffix}"
            if writer:
                writer(parquet, out)
            with out.open("rb") as f:
                api.call_action("resource_create", {"package_id": name, "format": fmt, "name": f"{name} ({fmt})",
                                                    "upload": (out.name, f)})


def _finding(type_, severity, family, column, rows, ja, en, examples) -> dict:
    return {"type": type_, "severity": severity, "family": family, "message_ja": ja, "message_en": en,
            "column": column, "rows": rows, "count": len(rows), "examples": examples}


def _report(home: Path, name: str, version: str, findings: list[dict], rows: int) -> None:
    errors = sum(f["count"] for f in findings if f["severity"] == "error")
    report = {"valid": errors == 0, "partial": False, "stats": {"rows": rows, "conformant": True},
              "error_count": errors, "warning_count": sum(f["count"] for f in findings if f["severity"] == "warning"),
              "findings": findings}
    path = home / "reports" / name / f"{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False), "utf-8")


def _snapshots(api: LocalCatalog, home: Path) -> None:
    """Four days of history: 90 days ago nothing was published yet, then the bureau's dataset, then 江東区's
    toilets too, today what the catalog holds."""
    packages = api.call_action("package_search", {"rows": 1000, "include_private": True})["results"]
    publishers = [{"id": oid, "name": name, "type": ptype} for oid, name, _, ptype, _ in ORGS]
    by_name = {p["name"]: p for p in packages}
    history = ((TODAY - timedelta(days=90), []), (TODAY - timedelta(days=60), [by_name["tokyo-population"]]),
               (TODAY - timedelta(days=30), [by_name["tokyo-population"], by_name["koto-public-toilets"]]),
               (TODAY, packages))
    for day, pkgs in history:
        write_snapshot(compute_publication_rates(pkgs, TARGETS, publishers, day, breakdown=True), home, day)
