"""Catalog search at 100,000 datasets: our indexes over HTTP (real uvicorn on 127.0.0.1) versus a naive full scan.

    .venv/bin/python bench/catalog_search.py [--datasets 100000] [--queries 200] [--home DIR] [--append-readme]

Generates Japanese datasets (30 topics, 90 organizations, tags, formats, licences, categories) straight into the
store through ``catalog.search.index.write`` (the code path of ``package_create``, minus validation), starts the server
in a separate process, and times ``package_search`` for: Japanese ``q`` terms of 2+ characters; the same plus an
``fq`` on one organization and five facet fields; the organization filter and facets alone; deep paging
(start=90000). The naive baseline answers the same questions in-process with ``LIKE`` over the stored JSON
(count + page + facets through ``json_each``), so it pays no HTTP cost — the comparison favours it.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from catalog.search import index
from catalog.store import timestamps  # noqa: E402
from catalog.store import Store  # noqa: E402

TOPICS = ["人口統計", "公衆トイレ", "避難所", "AED設置場所", "観光施設", "保育園", "公園", "防災拠点", "地価公示",
          "医療機関", "予算", "図書館", "Wi-Fiスポット", "バリアフリー情報", "ごみ収集日", "子育て支援施設",
          "介護サービス事業所", "文化財", "指定緊急避難場所", "消防水利", "バス停留所", "駐輪場", "投票所",
          "小中学校", "公民館", "イベント情報", "人口動態", "財政状況", "水道使用量", "道路工事"]
TAGS = ["人口", "統計", "防災", "観光", "子育て", "福祉", "医療", "教育", "環境", "交通", "財政", "施設", "地図",
        "イベント", "文化", "安全", "健康", "まちづくり", "オープンデータ", "バリアフリー", "AED"]
FORMATS = ["CSV", "XLSX", "JSON", "GeoJSON", "PDF", "Parquet"]
LICENSES = ["CC-BY-4.0", "CC-BY-4.0", "CC-BY-4.0", "PDL-1.0", "CC0-1.0", "cc-by"]
WARDS = ["千代田区", "中央区", "港区", "新宿区", "文京区", "台東区", "墨田区", "江東区", "品川区", "目黒区", "大田区",
         "世田谷区", "渋谷区", "中野区", "杉並区", "豊島区", "北区", "荒川区", "板橋区", "練馬区", "足立区", "葛飾区",
         "江戸川区"]
TERMS = ["人口", "観光", "公園", "防災", "統計", "予算", "地価", "医療", "公衆トイレ", "避難所", "AED", "千代田区",
         "Wi-Fi", "バリアフリー", "保育園", "図書館", "ごみ収集", "子育て", "介護", "文化財", "消防水利", "バス停",
         "駐輪場", "投票所", "小中学校", "公民館", "イベント", "財政", "水道", "道路工事"]
FACETS = json.dumps(["organization", "tags", "res_format", "license_id", "groups"])


def organizations() -> list[tuple[str, str]]:
    municipal = [(f"t13{1001 + i:04d}", WARDS[i % len(WARDS)] if i < len(WARDS) else f"第{i}市町村") for i in range(62)]
    bureaus = [(f"t0000{10 + i:02d}", f"東京都第{i + 1}局") for i in range(28)]
    return municipal + bureaus


def generate(home: Path, n: int, seed: int = 7) -> None:
    """Write ``n`` datasets into a fresh store (one transaction; about a minute for 100k)."""
    rnd = random.Random(seed)
    store = Store(home)
    orgs = organizations()
    oldest = datetime(2026, 11, 1) - timedelta(minutes=n)
    with store.transaction() as conn:
        for name, title in orgs:
            conn.execute("INSERT INTO grp VALUES (?, ?, 1, ?, '', '', ?, 'active', 'approved', '[]')",
                         (str(uuid.uuid4()), name, title, timestamps.now()))
        for i in range(1, 15):
            conn.execute("INSERT INTO grp VALUES (?, ?, 0, ?, '', '', ?, 'active', 'approved', '[]')",
                         (str(uuid.uuid4()), f"c{i:03d}", f"分類{i}", timestamps.now()))
        org_ids = [r[0] for r in conn.execute("SELECT id FROM grp WHERE is_organization = 1 ORDER BY name")]
        group_ids = [r[0] for r in conn.execute("SELECT id FROM grp WHERE is_organization = 0")]
        tag_ids = {t: str(uuid.uuid4()) for t in TAGS}
        conn.executemany("INSERT INTO tag (id, name) VALUES (?, ?)", [(v, k) for k, v in tag_ids.items()])
        for i in range(n):
            index.write(store, _doc(rnd, i, org_ids, orgs, group_ids, tag_ids, oldest + timedelta(minutes=i)))


def _doc(rnd, i, org_ids, orgs, group_ids, tag_ids, modified) -> dict:
    k = rnd.randrange(len(org_ids))
    topic, other = rnd.choice(TOPICS), rnd.choice(TOPICS)
    ward = orgs[k][1]
    pkg_id = str(uuid.uuid4())
    stamp = modified.strftime(timestamps.FORMAT)
    resources = [{"id": str(uuid.uuid4()), "package_id": pkg_id, "position": p, "name": f"{topic} {fmt}",
                  "format": fmt, "url": f"http://example.jp/{i}/{p}.{fmt.lower()}", "url_type": None,
                  "description": None, "created": stamp, "metadata_modified": stamp, "datastore_active": False}
                 for p, fmt in enumerate(rnd.sample(FORMATS, rnd.randint(1, 3)))]
    return {"id": pkg_id, "name": f"ds-{i:06d}", "title": f"{ward}の{topic}（令和{rnd.randint(1, 7)}年度）",
            "notes": f"{ward}が公開する{topic}のデータです。{other}との関連情報も含みます。",
            "owner_org": org_ids[k], "private": rnd.random() < 0.02, "state": "active", "type": "dataset",
            "license_id": rnd.choice(LICENSES), "author": None, "author_email": None, "maintainer": None,
            "maintainer_email": None, "url": None, "version": None, "creator_user_id": None,
            "metadata_created": stamp, "metadata_modified": stamp,
            "tags": [{"id": tag_ids[t], "name": t} for t in sorted(rnd.sample(TAGS, rnd.randint(3, 6)))],
            "groups": rnd.sample(group_ids, rnd.randint(0, 2)), "resources": resources,
            "extras": [{"key": "publisher_code", "value": orgs[k][0][1:]}, {"key": "rows", "value": str(i % 5000)}]}


# -- workloads -------------------------------------------------------------------------------------------------

def workloads(n_queries: int, seed: int = 11) -> dict[str, list[dict]]:
    rnd = random.Random(seed)
    orgs = [name for name, _ in organizations()]
    terms = [rnd.choice(TERMS) for _ in range(n_queries)]
    return {
        "q (Japanese terms)": [{"q": t} for t in terms],
        "q + fq org + 5 facets": [{"q": t, "fq": f"organization:{rnd.choice(orgs)}", "facet.field": FACETS}
                                  for t in terms],
        "fq org + 5 facets": [{"fq": f"organization:{rnd.choice(orgs)}", "facet.field": FACETS} for _ in terms],
        "deep paging start=90000": [{"start": 90000 + rnd.randrange(1000)} for _ in terms],
    }


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


# -- ours: over HTTP -------------------------------------------------------------------------------------------

def serve(home: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    code = ("import uvicorn; from pathlib import Path; from catalog.app import create_app; "
            f"uvicorn.run(create_app(Path({str(home)!r}), {url!r}), host='127.0.0.1', port={port}, "
            "log_level='warning', access_log=False)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    for _ in range(200):
        try:
            httpx.get(f"{url}/api/3", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def time_http(url: str, queries: list[dict]) -> tuple[list[float], list[int]]:
    times, counts = [], []
    with httpx.Client(base_url=url, timeout=60) as client:
        for params in queries[:5]:  # warm-up: page cache, prepared statements, connections
            client.get("/api/3/action/package_search", params=params)
        for params in queries:
            start = time.perf_counter()
            r = client.get("/api/3/action/package_search", params=params)
            times.append((time.perf_counter() - start) * 1000)
            counts.append(r.json()["result"]["count"])
    return times, counts


# -- naive: LIKE over the stored JSON ------------------------------------------------------------------------

_NAIVE_FACETS = {
    "organization": "SELECT data ->> '$.owner_org' AS v FROM hits",
    "license_id": "SELECT data ->> '$.license_id' AS v FROM hits",
    "tags": "SELECT j.value ->> '$.name' AS v FROM hits, json_each(hits.data, '$.tags') j",
    "groups": "SELECT j.value AS v FROM hits, json_each(hits.data, '$.groups') j",
    "res_format": "SELECT DISTINCT hits.rowid, j.value ->> '$.format' AS v FROM hits, json_each(hits.data, '$.resources') j",
}


def naive(conn: sqlite3.Connection, params: dict, org_ids: dict[str, str]) -> int:
    """The same answer with no index: LIKE over the JSON first (cheapest test first), JSON fields after."""
    where, args = [], []
    if params.get("q"):
        where.append("data LIKE ?")
        args.append(f"%{params['q']}%")
    if params.get("fq"):
        where.append("data LIKE ?")
        args.append(f'%"owner_org":"{org_ids[params["fq"].split(":", 1)[1]]}"%')
    where += ["data ->> '$.state' = 'active'", "data ->> '$.private' = 0"]
    hits = f"WITH hits AS (SELECT rowid, data FROM pkg_doc WHERE {' AND '.join(where)}) "
    count = conn.execute(hits + "SELECT count(*) FROM hits", args).fetchone()[0]
    conn.execute(hits + "SELECT data FROM hits ORDER BY data ->> '$.metadata_modified' DESC LIMIT 10 OFFSET ?",
                 args + [params.get("start", 0)]).fetchall()
    if params.get("facet.field"):
        for sql in _NAIVE_FACETS.values():
            conn.execute(hits + f"SELECT v, count(*) AS n FROM ({sql}) GROUP BY v ORDER BY n DESC LIMIT 50",
                         args).fetchall()
    return count


def time_naive(home: Path, queries: list[dict]) -> list[float]:
    conn = sqlite3.connect(home / "catalog" / "catalog.sqlite")
    org_ids = dict(conn.execute("SELECT name, id FROM grp"))
    times = []
    for params in queries:
        start = time.perf_counter()
        naive(conn, params, org_ids)
        times.append((time.perf_counter() - start) * 1000)
    return times


# -- report ----------------------------------------------------------------------------------------------------

def report(rows: list[tuple], n: int, queries: int, n_naive: int, build_s: float, db_mib: float) -> str:
    head = (f"package_search over HTTP (uvicorn on 127.0.0.1, separate process, rows=10) at {n:,} datasets; "
            f"{queries} queries per workload for ours, the first {n_naive} of them for the naive scan (in-process, "
            f"no HTTP); generating + indexing took {build_s:.0f} s, database {db_mib:.0f} MiB.\n\n"
            "| workload | ours p50 ms | ours p99 ms | naive p50 ms | naive p99 ms | p50 speed-up | p99 speed-up |\n"
            "|---|---|---|---|---|---|---|\n")
    lines = [f"| {name} | {o50:.1f} | {o99:.1f} | {n50:.1f} | {n99:.1f} | {n50 / o50:.0f}× | {n99 / o99:.0f}× |"
             for name, o50, o99, n50, n99 in rows]
    return head + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--naive-queries", type=int, default=20, help="the naive scan is slow; fewer samples")
    parser.add_argument("--home", type=Path, help="reuse/keep the generated data home here")
    parser.add_argument("--append-readme", action="store_true", help="append the table to bench/README.md")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-catalog-"))
    db = home / "catalog" / "catalog.sqlite"
    build_file = home / "bench-build.json"  # remembers how long generating this home took
    if not db.exists():
        start = time.perf_counter()
        generate(home, args.datasets)
        build_file.write_text(json.dumps({"datasets": args.datasets, "seconds": time.perf_counter() - start}))
    build = json.loads(build_file.read_text()) if build_file.exists() else {"datasets": args.datasets, "seconds": 0}
    build_s = build["seconds"]
    print(f"{build['datasets']:,} datasets generated in {build_s:.0f} s", flush=True)
    proc, url = serve(home)
    rows = []
    try:
        for name, queries in workloads(args.queries).items():
            ours, _ = time_http(url, queries)
            slow = time_naive(home, queries[:args.naive_queries])
            rows.append((name, *_percentiles(ours), *_percentiles(slow)))
            print(f"{name}: ours p50 {rows[-1][1]:.1f} ms p99 {rows[-1][2]:.1f} ms; "
                  f"naive p50 {rows[-1][3]:.1f} ms p99 {rows[-1][4]:.1f} ms", flush=True)
            if name.startswith("q ("):
                rows += _by_length(url, home, queries, args.naive_queries)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    table = report(rows, build["datasets"], args.queries, args.naive_queries, build_s, db.stat().st_size / 2**20)
    print("\n" + table)
    if args.append_readme:
        _append_readme(table)


def _by_length(url: str, home: Path, queries: list[dict], n_naive: int) -> list[tuple]:
    """The 2-character terms (人口, 観光 …) separately: the case FTS5 trigram cannot answer at all."""
    rows = []
    for label, pick in (("  2-char terms only", lambda q: len(q["q"]) == 2),
                        ("  3+-char terms only", lambda q: len(q["q"]) > 2)):
        subset = [q for q in queries if pick(q)]
        ours, _ = time_http(url, subset)
        slow = time_naive(home, subset[:n_naive])
        rows.append((label, *_percentiles(ours), *_percentiles(slow)))
    return rows


def _append_readme(table: str) -> None:
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    section = (f"\n## catalog_search — {stamp}\n\n`.venv/bin/python bench/catalog_search.py` "
               f"(2 cores shared with other work: numbers are noisy).\n\n{table}")
    readme.write_text(text.rstrip("\n") + "\n" + section)


if __name__ == "__main__":
    main()
