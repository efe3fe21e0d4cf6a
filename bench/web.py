"""Web pages at 100,000 datasets: how long the server takes to render home, search and dataset pages.

    .venv/bin/python bench/web.py [--datasets 100000] [--requests 200] [--home DIR] [--append-readme]

Seeds the store with ``bench/catalog_search.py``'s generator (Japanese titles, 90 organizations, tags, formats,
categories), adding the extras the pipeline writes (quality_status, standard, update_frequency, data_modified,
title_en) so the search page's seven facets have values; then publishes three real datasets through the actions
(2,000-row CSV + Parquet + GeoJSON with 緯度/経度, so their pages carry a DataStore preview and a map) and writes
six publication-rate snapshots computed from the generated packages. The server runs in its own process (uvicorn on
127.0.0.1); every page is fetched over HTTP as a browser would (HTML, keep-alive), after a short warm-up.
Target: p95 < 200 ms for home, search and dataset pages.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import catalog_search as cs  # noqa: E402  (bench/catalog_search.py: the shared generator)

from catalog.search import index
from catalog.store import users  # noqa: E402
from catalog.local import LocalCatalog  # noqa: E402
from catalog.metrics import compute_publication_rates, write_snapshot  # noqa: E402
from catalog.store import Store  # noqa: E402
from catalog.web.i18n import STANDARDS  # noqa: E402

REAL = 3                      # datasets with uploads (preview + map)
REAL_ROWS = 2000
SLUGS = sorted(STANDARDS)
TODAY = date(2026, 11, 1)


def generate(home: Path, n: int, seed: int = 7) -> list[dict]:
    """``n`` generated packages (as catalog_search does, plus pipeline extras); returns light dicts for metrics."""
    rnd = random.Random(seed)
    cs.generate(home, 0)                               # organizations, categories, tags
    store = Store(home)
    orgs = cs.organizations()
    org_ids = [r[0] for r in store.query("SELECT id FROM grp WHERE is_organization = 1 ORDER BY name")]
    names = {r["id"]: r["name"] for r in store.query("SELECT id, name FROM grp")}
    group_ids = [r[0] for r in store.query("SELECT id FROM grp WHERE is_organization = 0")]
    tag_ids = {r["name"]: r["id"] for r in store.query("SELECT id, name FROM tag")}
    oldest = datetime(2026, 11, 1) - timedelta(minutes=n)
    light = []
    with store.transaction():
        for i in range(n):
            doc = cs._doc(rnd, i, org_ids, orgs, group_ids, tag_ids, oldest + timedelta(minutes=i))
            doc["extras"] += _pipeline_extras(rnd, doc, names[doc["owner_org"]].startswith("t13"))
            index.write(store, doc)
            light.append({"organization": {"name": names[doc["owner_org"]]}, "private": doc["private"],
                          "state": "active", "extras": doc["extras"], "resources": doc["resources"],
                          "metadata_modified": doc["metadata_modified"]})
    return light


def _pipeline_extras(rnd: random.Random, doc: dict, municipal: bool) -> list[dict]:
    extras = {"quality_status": rnd.choices(["valid", "invalid", "partial"], [7, 2, 1])[0],
              "update_frequency": rnd.choice(["yearly", "monthly", "irregular"]),
              "data_modified": doc["metadata_modified"][:10], "title_en": f"Dataset {doc['name']}"}
    if municipal and rnd.random() < 0.3:
        extras.update(standard=rnd.choice(SLUGS), standard_conformant=rnd.choice(["true", "false"]))
    return [{"key": k, "value": v} for k, v in extras.items()]


def publish_real(home: Path) -> list[str]:
    """Three datasets published through the actions with CSV/Parquet/GeoJSON uploads."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from catalog.store import formats

    users.ensure_user(home, "bench", sysadmin=True)
    api = LocalCatalog(home, user="bench")
    rnd = random.Random(3)
    names = []
    for k in range(REAL):
        name = f"bench-toilets-{k}"
        api.call_action("package_create", {
            "name": name, "owner_org": "t131001", "title": f"公衆トイレ一覧 {k}", "license_id": "CC-BY-4.0",
            "groups": [{"name": "c006"}], "extras": [{"key": "standard", "value": "public_toilet"},
                                                     {"key": "quality_status", "value": "valid"}]})
        table = pa.table({"名称": [f"トイレ{i}" for i in range(REAL_ROWS)],
                          "緯度": [35.6 + rnd.random() / 10 for _ in range(REAL_ROWS)],
                          "経度": [139.7 + rnd.random() / 10 for _ in range(REAL_ROWS)],
                          "住所": [f"東京都千代田区{i}丁目" for i in range(REAL_ROWS)]})
        with tempfile.TemporaryDirectory() as tmp:
            parquet = Path(tmp) / f"{name}.parquet"
            pq.write_table(table, parquet)
            for fmt, suffix, writer in (("CSV", ".csv", formats.write_csv), ("Parquet", ".parquet", None),
                                        ("GeoJSON", ".geojson", formats.write_geojson)):
                out = Path(tmp) / f"{name}{suffix}"
                if writer:
                    writer(parquet, out)
                api.call_action("resource_create", {"package_id": name, "format": fmt,
                                                    "upload": (out.name, io.BytesIO(out.read_bytes()))})
        names.append(name)
    return names


def snapshots(home: Path, light: list[dict]) -> None:
    """Six monthly snapshots: each judges the packages modified by then against 14 standards × 62 municipalities."""
    orgs = cs.organizations()
    types = ["区"] * 23 + ["市"] * 26 + ["町"] * 5 + ["村"] * 8
    publishers = [{"id": oid, "name": title, "type": types[i] if i < 62 else "局"} for i, (oid, title) in enumerate(orgs)]
    targets = [{"publisher": p["id"], "key": slug, "title": STANDARDS[slug][0], "category": "c006"}
               for p in publishers[:62] for slug in SLUGS]
    for months in range(5, -1, -1):
        day = TODAY - timedelta(days=30 * months)
        cutoff = day.isoformat()
        write_snapshot(compute_publication_rates([p for p in light if p["metadata_modified"][:10] <= cutoff],
                                                 targets, publishers, day), home, day)


# -- workloads -------------------------------------------------------------------------------------------------

def workloads(public: list[str], requests: int, real: list[str], seed: int = 5) -> dict[str, tuple[list[str], bool]]:
    """{name: (paths, warm up first)}; the first one runs on the fresh server, so it sees cold caches."""
    rnd = random.Random(seed)
    orgs = [name for name, _ in cs.organizations()]
    tags = cs.TAGS
    terms = [rnd.choice(cs.TERMS) for _ in range(requests)]
    return {
        "search `?q=<term>`, first request of each of the 30 terms (cold)": (
            [f"/dataset?q={t}" for t in cs.TERMS], False),
        "home `/`": (["/"] * requests, True),
        "search `?q=<term>` (30 terms repeated: the core's facet cache is warm)": (
            [f"/dataset?q={t}" for t in terms], True),
        "search `?q=<term>&tags=<tag>` (mostly unseen combinations)": (
            [f"/dataset?q={t}&tags={rnd.choice(tags)}" for t in terms], True),
        "search q + organization + category facets": (
            [f"/dataset?q={t}&organization={rnd.choice(orgs)}&groups=c{rnd.randint(1, 14):03d}" for t in terms], True),
        "search, no q, page 1..50 (newest first)": ([f"/dataset?page={rnd.randint(1, 50)}" for _ in terms], True),
        "dataset page (generated: no DataStore)": ([f"/dataset/{rnd.choice(public)}" for _ in terms], True),
        "dataset page with preview + map (2,000 rows)": ([f"/dataset/{rnd.choice(real)}" for _ in terms], True),
        "search as `.json`": ([f"/dataset.json?q={t}" for t in terms], True),
        "organization page (not in the target)": ([f"/organization/{rnd.choice(orgs)}" for _ in range(requests // 4)],
                                                  True),
        "dashboard (not in the target; SVGs cached)": (["/dashboard"] * max(5, requests // 20), True),
    }


def time_pages(url: str, paths: list[str], warm: bool) -> list[float]:
    times = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for path in (sorted(set(paths))[:40] if warm else []):   # warm-up: caches, DuckDB tables, vl-convert
            client.get(path)
        for path in paths:
            start = time.perf_counter()
            r = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return times


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(rows: list[tuple], n: int, build_s: float) -> str:
    head = (f"Pages over HTTP (uvicorn on 127.0.0.1, separate process, keep-alive) at {n:,} datasets "
            f"(+{REAL} with uploads); generating + indexing took {build_s:.0f} s.\n\n"
            "| page | requests | p50 ms | p95 ms | p99 ms | target p95 < 200 ms |\n|---|---:|---:|---:|---:|---|\n")
    lines = []
    for name, count, p50, p95, p99 in rows:
        verdict = "–" if "not in the target" in name else ("met" if p95 < 200 else "**not met**")
        lines.append(f"| {name} | {count} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {verdict} |")
    return head + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--home", type=Path, help="reuse/keep the generated data home here")
    parser.add_argument("--append-readme", action="store_true", help="write the table into bench/README.md")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-web-"))
    marker = home / "bench-web.json"
    if not marker.exists():
        start = time.perf_counter()
        light = generate(home, args.datasets)
        real = publish_real(home)
        snapshots(home, light)
        marker.write_text(json.dumps({"datasets": args.datasets, "seconds": time.perf_counter() - start, "real": real}))
    build = json.loads(marker.read_text())
    print(f"{build['datasets']:,} datasets generated in {build['seconds']:.0f} s", flush=True)
    proc, url = cs.serve(home)
    rows = []
    try:
        public = [r["name"] for r in Store(home).query("SELECT name FROM pkg WHERE private = 0 AND name LIKE 'ds-%'")]
        for name, (paths, warm) in workloads(public, args.requests, build["real"]).items():
            times = time_pages(url, paths, warm)
            rows.append((name, len(times), percentile(times, 0.5), percentile(times, 0.95), percentile(times, 0.99)))
            print(f"{name}: p50 {rows[-1][2]:.1f} ms, p95 {rows[-1][3]:.1f} ms, p99 {rows[-1][4]:.1f} ms", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    table = report(rows, build["datasets"], build["seconds"])
    print("\n" + table)
    if args.append_readme:
        _write_readme(table)


def _write_readme(table: str) -> None:
    """Replace this script's section of bench/README.md (other scripts' sections stay as they are)."""
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    section = (f"## web\n\n`.venv/bin/python bench/web.py [--datasets 100000] [--requests 200]` — measured {stamp} on "
               "the shared 2-vCPU machine while other engineers' tests and benchmarks ran, so numbers are noisy "
               f"(rerun on a quiet machine before reading small differences).\n\n{table}")
    start = text.find("\n## web\n")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + "\n" + section + (text[end:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text)


if __name__ == "__main__":
    main()
