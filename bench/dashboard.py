"""The dashboard at Tokyo's scale: 90 publishers (the 62 区市町村 with their real 団体コード + 28 bureaus) × the 14
standard datasets, several monthly snapshots with the publisher × category breakdown.

    .venv/bin/python bench/dashboard.py [--requests 40] [--snapshots 6] [--home DIR]

Seeds organizations and ~400 packages through the actions (``LocalCatalog``), writes the snapshots with the real
``compute_publication_rates(..., breakdown=True)`` + ``write_snapshot``, serves the home with uvicorn in its own
process and fetches each page over HTTP on 127.0.0.1 (keep-alive, ``Accept-Encoding: gzip``): the times are what
a client on the same machine sees, an upper bound of the server time. Every URL is fetched once first (its cold
time is printed: vl-convert renders its charts then), then ``--requests`` times. The baseline, measured in the
same run, is the home page ``/``. Target: dashboard p95 < 100 ms, with and without filters.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import catalog_search as cs  # noqa: E402  (bench/catalog_search.py: serve())

from catalog.local import LocalCatalog  # noqa: E402
from catalog.metrics import compute_publication_rates, write_snapshot  # noqa: E402
from catalog.store import users  # noqa: E402
from catalog.web.i18n import STANDARDS  # noqa: E402

BOUNDARIES = ROOT / "catalog" / "web" / "boundaries" / "tokyo-municipalities.geojson"
CATEGORY = {"aed": "c005", "care_service": "c005", "medical_institution": "c005", "cultural_property": "c010",
            "tourism": "c008", "event": "c008", "public_wireless_lan": "c006", "public_toilet": "c006",
            "fire_hydrant": "c001", "evacuation_space": "c001", "population": "c004", "public_facility": "c003",
            "preschool": "c004", "open_data_list": "c014"}
TODAY = date(2026, 12, 1)


def publishers() -> list[dict]:
    features = json.loads(BOUNDARIES.read_text("utf-8"))["features"]
    out = []
    for f in features:
        code, name = f["properties"]["code"], f["properties"]["name"]
        ptype = name[-1] if name[-1] in "区市町村" else "市"
        out.append({"id": f"t{code}", "name": name, "type": ptype})
    out += [{"id": f"t0000{10 + i:02d}", "name": f"東京都第{i + 1}局", "type": "局"} for i in range(28)]
    return out


def seed(home: Path, months: int) -> dict:
    rnd = random.Random(17)
    users.ensure_user(home, "bench", sysadmin=True)
    api = LocalCatalog(home, user="bench")
    pubs = publishers()
    for p in pubs:
        api.call_action("organization_create", {"name": p["id"], "title": p["name"], "description": p["name"],
                                                "extras": [{"key": "publisher_type", "value": p["type"]}]})
    targets = [{"publisher": p["id"], "key": slug, "title": STANDARDS[slug][0], "category": CATEGORY[slug]}
               for p in pubs if p["type"] != "局" for slug in sorted(STANDARDS)]
    targets += [{"publisher": p["id"], "kind": "need", "key": f"need-{k}", "title": f"必要データ{k}",
                 "category": f"c{rnd.randint(1, 14):03d}"} for p in pubs if p["type"] == "局" for k in range(3)]
    packages, published_on = [], {}
    start = time.perf_counter()
    for t in targets:
        if rnd.random() > 0.45:
            continue
        name = f"{t['publisher']}-{t['key']}".replace("_", "-")
        extras = {"quality_status": rnd.choices(["valid", "invalid"], [4, 1])[0], "update_frequency": "yearly",
                  "data_modified": (TODAY - timedelta(days=rnd.randint(0, 500))).isoformat()}
        extras.update({"standard": t["key"], "standard_conformant": rnd.choice(["true", "false"])}
                      if t.get("kind") != "need" else {"fulfils": t["key"]})
        pkg = api.call_action("package_create", {
            "name": name, "owner_org": t["publisher"], "title": t["title"], "license_id": "CC-BY-4.0",
            "extras": [{"key": k, "value": v} for k, v in extras.items()],
            "resources": [{"url": f"http://example.org/{name}.csv", "format": "CSV"}]})
        packages.append(pkg)
        published_on[name] = rnd.randint(0, months - 1)          # the snapshot from which it counts
    seeded = time.perf_counter() - start
    start = time.perf_counter()
    for m in range(months):
        day = TODAY - timedelta(days=30 * (months - 1 - m))
        visible = [p for p in packages if published_on[p["name"]] <= m]
        write_snapshot(compute_publication_rates(visible, targets, pubs, day, breakdown=True), home, day)
    return {"publishers": len(pubs), "targets": len(targets), "packages": len(packages), "snapshots": months,
            "seed_s": round(seeded, 1), "snapshots_s": round(time.perf_counter() - start, 1)}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


URLS = {
    "baseline: home `/`": "/",
    "dashboard, no filter": "/dashboard",
    "dashboard, type=区": "/dashboard?type=%E5%8C%BA",
    "dashboard, category=c006": "/dashboard?category=c006",
    "dashboard, type=市 AND category=c005, measure=valid": "/dashboard?type=%E5%B8%82&category=c005&measure=valid",
    "dashboard, one publisher (江東区)": "/dashboard?publisher=t131083",
    "dashboard in English, no filter": "/en/dashboard",
    "dashboard as `.json`, category=c001": "/dashboard.json?category=c001",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--snapshots", type=int, default=6)
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    marker = home / "bench-dashboard.json"
    if not marker.exists():
        marker.write_text(json.dumps(seed(home, args.snapshots)))
    print(json.loads(marker.read_text()), flush=True)
    proc, url = cs.serve(home)
    rows = []
    try:
        with httpx.Client(base_url=url, timeout=120, headers={"Accept-Encoding": "gzip"}) as client:
            cold = {}
            for name, path in URLS.items():
                start = time.perf_counter()
                r = client.get(path)
                cold[name] = (time.perf_counter() - start) * 1000
                assert r.status_code == 200, (path, r.status_code)
                assert r.headers.get("content-encoding") == "gzip", path
            samples = {name: [] for name in URLS}
            built = {name: [] for name in URLS}                  # a cache-busting `_=` each time: always built
            for i in range(args.requests):                       # round robin: every URL sees the same load
                for name, path in URLS.items():
                    start = time.perf_counter()
                    r = client.get(path)
                    samples[name].append((time.perf_counter() - start) * 1000)
                    assert r.status_code == 200
                    start = time.perf_counter()
                    r = client.get(path + ("&" if "?" in path else "?") + f"_={i}")
                    built[name].append((time.perf_counter() - start) * 1000)
                    assert r.status_code == 200 and r.headers.get("x-cache") != "hit"
            sizes = {name: (len(client.get(p).content), int(client.get(p).headers.get("content-length", 0)))
                     for name, p in URLS.items()}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print("\nserved = as clients see it (repeated anonymous requests come from the answer cache); built = the same page "
          "with a cache-busting `_=` parameter, so it is built every time")
    print("\n| page | cold ms | served p50 / p95 ms | built p50 / p95 ms | built p95 ÷ home built p95 | bytes (gzip on the wire) "
          "| served p95 < 100 ms | built p95 < 100 ms |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    base = percentile(built["baseline: home `/`"], 0.95)
    for name in URLS:
        p50, p95 = percentile(samples[name], 0.5), percentile(samples[name], 0.95)
        b50, b95 = percentile(built[name], 0.5), percentile(built[name], 0.95)
        verdict = ["–" if name.startswith("baseline") else ("met" if v < 100 else "**not met**") for v in (p95, b95)]
        print(f"| {name} | {cold[name]:.0f} | {p50:.1f} / {p95:.1f} | {b50:.1f} / {b95:.1f} | {b95 / base:.2f} | "
              f"{sizes[name][0]:,} ({sizes[name][1]:,}) | {verdict[0]} | {verdict[1]} |")


if __name__ == "__main__":
    main()
