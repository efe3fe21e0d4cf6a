"""Explorer benchmark: the resource page's data explorer over a 1M-row DataStore table, server-side.

    .venv/bin/python bench/explorer.py [--rows 1000000] [--runs 30]

Builds a seeded 1M-row Parquet (``bench/datastore.py``'s generator, vectorised numpy/Arrow: 団体コード, 名称, 住所,
日付, 定員, 緯度, 経度, 備考), publishes it through the actions, and times the HTML resource page
``/dataset/<id>/resource/<rid>?…`` through the ASGI app in-process (routing, auth, package_show, datastore_info,
datastore_search, the template: the server's whole work for a page, no network) for: the first page, a deep
page (the middle of the table), a sort, a sort + deep page, a column filter, a full-text search, and the CSV
of a filtered view (streamed). Every request carries a distinct ``_=`` parameter, so the page is built each time
(anonymous repeats would otherwise come from the answer cache in a few ms). Baseline, measured in the same run, round by round: a plain DuckDB query of the
same page (same WHERE / ORDER BY / LIMIT / OFFSET) plus its count(*) over the Parquet file, as a
DataFrame-free fetch. Prints p50/p95 per workload and the ratio explorer/baseline (p50), as Markdown.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
import datastore as _gen  # noqa: E402  (bench/datastore.py: the seeded 1M-row facility table)

SIZE = 50
TARGET_MS = 200


def workloads(rows: int) -> list[tuple[str, dict, str, list]]:
    """(label, explorer query, baseline SQL over ``{p}`` without LIMIT, its parameters)."""
    middle = rows // SIZE // 2
    return [
        ("first page", {}, "FROM read_parquet('{p}') ORDER BY _id", []),
        (f"deep page ({middle:,} of {rows // SIZE:,})", {"page": middle}, "FROM read_parquet('{p}') ORDER BY _id", []),
        ("sort 定員 desc", {"sort": "定員", "dir": "desc"}, "FROM read_parquet('{p}') ORDER BY 定員 DESC, _id", []),
        ("sort 定員 desc + deep page", {"sort": "定員", "dir": "desc", "page": middle},
         "FROM read_parquet('{p}') ORDER BY 定員 DESC, _id", []),
        ("filter 団体コード ⊃ 131016", {"f.団体コード": "131016"},
         "FROM read_parquet('{p}') WHERE contains(lower(団体コード), ?) ORDER BY _id", ["131016"]),
        ("filter 定員 = 250 (exact, int)", {"f.定員": "250"},
         "FROM read_parquet('{p}') WHERE 定員 = ? ORDER BY _id", [250]),
        ("full text 千代田区", {"q": "千代田区"},
         "FROM read_parquet('{p}') WHERE contains(lower(concat_ws(' ', 団体コード, 名称, 住所, 日付, 定員, 備考)), ?) "
         "ORDER BY _id", ["千代田区"]),
        ("full text + filter + sort", {"q": "千代田区", "f.備考": "車椅子", "sort": "日付", "dir": "desc"},
         "FROM read_parquet('{p}') WHERE contains(lower(concat_ws(' ', 団体コード, 名称, 住所, 日付, 定員, 備考)), ?) "
         "AND contains(lower(備考), ?) ORDER BY 日付 DESC, _id", ["千代田区", "車椅子"]),
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-explorer-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        source = tmp / "facilities.parquet"
        _gen.generate(args.rows, source)
        # the baseline reads a file with the same _id the DataStore gives (row number, file order)
        base = tmp / "baseline.parquet"
        duckdb.execute(f"COPY (SELECT row_number() OVER () AS _id, * FROM read_parquet('{source}')) TO '{base}' "
                       "(FORMAT parquet)")
        generated = time.perf_counter() - t0
        home = tmp / "home"
        ours = _gen.Ours(home, source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient
        from catalog.app import create_app

        client = TestClient(create_app(home, "http://bench.test"), base_url="http://bench.test")
        path = f"/dataset/bench/resource/{ours.rid}"
        t0 = time.perf_counter()
        first = client.get(path)
        cold = time.perf_counter() - t0
        assert first.status_code == 200 and "explorer-table" in first.text, first.text[:500]
        baseline = duckdb.connect()
        rows_out = []
        for label, query, sql, params in workloads(args.rows):
            page = int(query.get("page", 1))
            sql = sql.format(p=base)
            page_sql = f"SELECT * {sql} LIMIT {SIZE} OFFSET {(page - 1) * SIZE}"
            count_sql = f"SELECT count(*) {sql.split(' ORDER BY ')[0]}"
            ours_ms, base_ms = [], []
            for run in range(args.runs + 2):                  # two warm-up rounds, then interleaved rounds
                t0 = time.perf_counter()
                r = client.get(path, params={**query, "_": f"{label}-{run}"})   # built every time, not cached
                a = (time.perf_counter() - t0) * 1000
                assert r.status_code == 200 and "explorer-table" in r.text and 'class="error"' not in r.text, label
                assert r.headers.get("x-cache") != "hit", label
                t0 = time.perf_counter()
                baseline.execute(page_sql, params).fetchall()
                baseline.execute(count_sql, params).fetchall()
                b = (time.perf_counter() - t0) * 1000
                if run >= 2:
                    ours_ms.append(a)
                    base_ms.append(b)
            rows_out.append((label, ours_ms, base_ms))
        # the CSV of a filtered view: every matching row, streamed
        csv_ms, csv_rows = [], 0
        for _ in range(5):
            t0 = time.perf_counter()
            r = client.get(path + ".csv", params={"f.団体コード": "131016", "sort": "定員", "dir": "desc"})
            csv_ms.append((time.perf_counter() - t0) * 1000)
            csv_rows = r.content.count(b"\n") - 1
        load = os.getloadavg()
        print(f"## explorer — {time.strftime('%Y-%m-%d %H:%M')} UTC, {args.rows:,} rows, {args.runs} runs, "
              f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n")
        print(f"table generated in {generated:.1f} s; first page (cold: loads the Parquet into the DataStore "
              f"engine and builds its text index) {cold * 1000:.0f} ms\n")
        print("| workload | explorer p50 ms | explorer p95 ms | baseline p50 ms | baseline p95 ms | ratio p50 | "
              f"p95 < {TARGET_MS} ms |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for label, a, b in rows_out:
            ratio = statistics.median(a) / statistics.median(b)
            print(f"| {label} | {statistics.median(a):.1f} | {percentile(a, .95):.1f} | {statistics.median(b):.1f} | "
                  f"{percentile(b, .95):.1f} | {ratio:.2f} | {'met' if percentile(a, .95) < TARGET_MS else 'MISSED'} |")
        print(f"\nCSV of a filtered + sorted view ({csv_rows:,} rows, streamed): p50 {statistics.median(csv_ms):.0f} ms, "
              f"max {max(csv_ms):.0f} ms (5 runs)")


if __name__ == "__main__":
    main()
