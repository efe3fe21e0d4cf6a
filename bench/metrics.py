"""Benchmark: one publisher's 5-year daily publication-rate history, 1,800 publishers × 14 targets.

Generates the snapshot rows directly (vectorised numpy/pyarrow; compute_publication_rates is not the thing timed)
in the schema ``write_snapshot`` writes: per day one row per publisher × measure (5 target measures + adoption)
with their missing lists, plus type, category and overall rollups (whose missing lists hold every publisher's
missing targets) — ~10.9k rows/day, ~20M rows in 5 years.  Two layouts of the same rows:

- ``compacted``: what ``write_snapshot`` keeps — one Parquet file per finished month + daily files this month;
- ``daily``: one file per day (1,826 files), the naive layout, for comparison.

Then times ``publication_rate_show`` (the action the app serves) for random publishers' whole history.
Usage: ``.venv/bin/python bench/metrics.py [--years 5] [--publishers 1800] [--runs 20] [--keep DIR]``.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from catalog.actions.metrics import publication_rate_show  # noqa: E402
from catalog.metrics import history, prometheus_text  # noqa: E402

K, M = 14, 6                                   # targets per publisher; 5 target measures + adoption
MEASURES = np.array(["published", "conformant", "valid", "fresh", "machine_readable", "adoption"], dtype=object)
KEYS = np.array([f"std_{j:02d}" for j in range(K)], dtype=object)
TITLES = np.array([f"標準データセット{j:02d}" for j in range(K)], dtype=object)
CAT_OF_KEY = np.array([j % 10 for j in range(K)])          # 10 categories, a few with two targets
CATS = np.array([f"c{c + 1:03d}" for c in range(10)], dtype=object)
CUM_W = np.concatenate([[0.0], np.cumsum([1.0 + (j % 3) for j in range(K)])])
TYPES = np.array(["区", "市", "町", "村"], dtype=object)


class Publishers:
    def __init__(self, n: int, rng: np.random.Generator):
        self.ids = np.array([f"t{100000 + i:06d}" for i in range(n)], dtype=object)
        self.names = np.array([f"自治体{i:04d}" for i in range(n)], dtype=object)
        self.type_idx = rng.choice(4, n, p=[0.02, 0.45, 0.41, 0.12])
        self.base = rng.uniform(0.0, 0.5, n)      # how far along each publisher starts


def day_counts(rng: np.random.Generator, pubs: Publishers, progress: float) -> np.ndarray:
    """(publishers, 6) met counts: published ≥ the other target measures; adoption 0/1."""
    level = np.clip(pubs.base + 0.5 * progress + rng.normal(0, 0.02, len(pubs.ids)), 0, 1)
    published = np.floor(level * K).astype(np.int64)
    others = np.floor(published[:, None] * rng.uniform(0.5, 1.0, (len(published), 4))).astype(np.int64)
    adopted = ((published > 0) | (pubs.base > 0.1)).astype(np.int64)[:, None]
    return np.concatenate([published[:, None], others, adopted], axis=1)


def entries(num: np.ndarray, pubs: Publishers) -> dict:
    """Every missing entry of the day, in (publisher, measure) order: the unmet targets are num..K-1."""
    den = np.tile([K] * 5 + [1], len(num))
    counts = den - num.reshape(-1)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    row = np.repeat(np.arange(len(counts)), counts)
    pos = np.arange(offsets[-1]) - offsets[row]
    p, m = row // M, row % M
    key = np.where(m < 5, num.reshape(-1)[row] + pos, -1)
    return {"offsets": offsets, "p": p, "m": m, "key": key}


def missing_array(e: dict, order: np.ndarray, offsets: np.ndarray, pubs: Publishers) -> pa.Array:
    p, key = e["p"][order], e["key"][order]
    adoption = key < 0
    keys = np.where(adoption, None, KEYS[np.maximum(key, 0)])
    titles = np.where(adoption, pubs.names[p], TITLES[np.maximum(key, 0)])
    struct = pa.StructArray.from_arrays([pa.array(pubs.ids[p], pa.string()), pa.array(keys, pa.string()),
                                         pa.array(titles, pa.string())], names=["publisher", "key", "title"])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), struct)


def group_missing(e: dict, group: np.ndarray, n_groups: int, mask: np.ndarray, pubs: Publishers) -> pa.Array:
    """Lists for rows (group, measure), group-major, from the entries selected by ``mask``."""
    idx = np.nonzero(mask)[0]
    slot = group[idx] * M + e["m"][idx]
    order = idx[np.argsort(slot, kind="stable")]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(slot, minlength=n_groups * M))])
    return missing_array(e, order, offsets, pubs)


def weighted(num: np.ndarray) -> np.ndarray:
    w = CUM_W[np.minimum(num, K)]
    w[..., 5] = num[..., 5]
    return w


def rollup_counts(num: np.ndarray, pubs: Publishers) -> dict[str, tuple]:
    """(num, den, wnum, wden) arrays shaped (groups, 6) for overall, type and category."""
    den1 = np.array([K] * 5 + [1.0])
    wden1 = np.array([CUM_W[K]] * 5 + [1.0])
    w = weighted(num)
    onehot = np.eye(4)[pubs.type_idx]                                   # (P, 4)
    out = {"overall": (num.sum(0)[None], den1[None] * len(num), w.sum(0)[None], wden1[None] * len(num))}
    sizes = onehot.sum(0)[:, None]
    out["type"] = (onehot.T @ num, sizes * den1, onehot.T @ w, sizes * wden1)
    met = num[:, None, :5] > np.arange(K)[None, :, None]                # (P, K, 5): target j met?
    by_key = met.sum(0)                                                 # (K, 5)
    cat = np.eye(10)[CAT_OF_KEY].T                                      # (10, K)
    wts = np.diff(CUM_W)
    pad = np.zeros((10, 1))
    out["category"] = (np.hstack([cat @ by_key, pad]), np.hstack([cat.sum(1, keepdims=True) * len(num)] * 5 + [pad]),
                       np.hstack([cat @ (by_key * wts[:, None]), pad]),
                       np.hstack([(cat @ wts)[:, None] * len(num)] * 5 + [pad]))
    return out


def scope_rows(scope: str, ids, names, ptypes, counts: tuple, missing: pa.Array, keep: np.ndarray) -> dict:
    num, den, wnum, wden = (np.asarray(a, dtype=float).reshape(-1)[keep] for a in counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate, wrate = num / den, wnum / wden
    n = len(num)
    return {"scope": np.full(n, scope, dtype=object), "scope_id": np.repeat(ids, M)[keep],
            "scope_name": np.repeat(names, M)[keep], "publisher_type": np.repeat(ptypes, M)[keep],
            "measure": np.tile(MEASURES, len(ids))[keep], "numerator": num.astype(np.int64),
            "denominator": den.astype(np.int64), "rate": np.where(den > 0, rate, np.nan),
            "weighted_numerator": wnum, "weighted_denominator": wden,
            "weighted_rate": np.where(wden > 0, wrate, np.nan), "missing": missing.take(pa.array(np.nonzero(keep)[0]))}


def day_table(day: date, rng: np.random.Generator, pubs: Publishers, progress: float) -> pa.Table:
    num = day_counts(rng, pubs, progress)
    e = entries(num, pubs)
    every = np.ones(len(e["p"]), bool)
    roll = rollup_counts(num, pubs)
    all6, no_adoption = np.ones(len(pubs.ids) * M, bool), np.tile(np.arange(M) < 5, 10)
    parts = [
        scope_rows("publisher", pubs.ids, pubs.names, TYPES[pubs.type_idx], (num, np.tile([K] * 5 + [1], (len(num), 1)),
                   weighted(num), np.tile([CUM_W[K]] * 5 + [1.0], (len(num), 1))),
                   missing_array(e, np.arange(len(e["p"])), e["offsets"], pubs), all6),
        scope_rows("overall", np.array(["all"], object), np.array(["全体"], object), np.array([None], object),
                   roll["overall"], group_missing(e, np.zeros_like(e["p"]), 1, every, pubs), np.ones(M, bool)),
        scope_rows("type", TYPES, TYPES, TYPES, roll["type"],
                   group_missing(e, pubs.type_idx[e["p"]], 4, every, pubs), np.ones(4 * M, bool)),
        scope_rows("category", CATS, CATS, np.full(10, None, object), roll["category"],
                   group_missing(e, CAT_OF_KEY[np.maximum(e["key"], 0)], 10, e["key"] >= 0, pubs), no_adoption),
    ]
    n = sum(len(p["scope"]) for p in parts)
    cols = {name: pa.concat_arrays([pa.array(p[name], history.SCHEMA.field(name).type, from_pandas=True)
                                    if name != "missing" else p[name] for p in parts])
            for name in history.SCHEMA.names if name != "as_of"}
    cols["as_of"] = pa.array([day] * n, pa.date32())
    return pa.table(cols, schema=history.SCHEMA)


# ---------------------------------------------------------------------------------------------------------


def generate(root: Path, publishers: int, years: int, end: date) -> dict:
    """Write both layouts under root/compacted/metrics and root/daily/metrics; return sizes and timings."""
    rng = np.random.default_rng(42)
    pubs = Publishers(publishers, rng)
    days = [end - timedelta(days=i) for i in range(int(round(365.25 * years)))][::-1]
    compacted, daily = root / "compacted" / "metrics", root / "daily" / "metrics"
    compacted.mkdir(parents=True), daily.mkdir(parents=True)
    t0, month_tables, rows = time.perf_counter(), [], 0
    for i, day in enumerate(days):
        table = day_table(day, rng, pubs, i / len(days)).sort_by(history.DAY_SORT)
        rows += table.num_rows
        history._write_atomic(table, daily / f"{day.isoformat()}.parquet")
        if history.month_of(day) == history.month_of(end):
            history._write_atomic(table, compacted / f"{day.isoformat()}.parquet")
        else:
            month_tables.append(table)
        if month_tables and (i + 1 == len(days) or history.month_of(days[i + 1]) != history.month_of(day)):
            history._write_month(compacted / f"{history.month_of(day)}.parquet", month_tables)
            month_tables = []
    return {"days": len(days), "rows": rows, "seconds": time.perf_counter() - t0, "pubs": pubs,
            "first": days[0], "last": days[-1]}


def folder_stats(folder: Path) -> tuple[int, float]:
    files = list(folder.glob("*.parquet"))
    return len(files), sum(f.stat().st_size for f in files) / 1e6


def time_history(home: Path, pubs: Publishers, first: date, last: date, runs: int) -> list[float]:
    context = SimpleNamespace(home=home)
    picks = random.Random(7).sample(list(pubs.ids), runs)
    times = []
    for pid in picks:
        t0 = time.perf_counter()
        result = publication_rate_show(context, {"publisher": pid, "date_from": first.isoformat(),
                                                 "date_to": last.isoformat()})
        times.append((time.perf_counter() - t0) * 1000)
        assert result["count"] == M * ((last - first).days + 1), result["count"]
    return times


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def report(args, gen: dict, root: Path) -> list[tuple[str, str]]:
    pubs, first, last = gen["pubs"], gen["first"], gen["last"]
    out = [("publishers × targets × days", f"{len(pubs.ids)} × {K} × {gen['days']}"),
           ("snapshot rows (all days)", f"{gen['rows']:,}" if gen["rows"] else "(reused --keep folder)"),
           ("generate both layouts", f"{gen['seconds']:.0f} s")]
    for layout in ("compacted", "daily"):
        files, mb = folder_stats(root / layout / "metrics")
        times = time_history(root / layout, pubs, first, last, args.runs)
        out += [(f"{layout}: files / size", f"{files} / {mb:,.0f} MB"),
                (f"{layout}: one publisher's history, first call", f"{times[0]:.0f} ms"),
                (f"{layout}: … median / p90 / max of {args.runs}",
                 f"{statistics.median(times):.0f} / {np.percentile(times, 90):.0f} / {max(times):.0f} ms")]
    return out + other_timings(root / "compacted", pubs, first, last)


def other_timings(home: Path, pubs: Publishers, first: date, last: date) -> list[tuple[str, str]]:
    context = SimpleNamespace(home=home)
    span = {"date_from": first.isoformat(), "date_to": last.isoformat()}

    def show(**params) -> str:
        return f"{timed(lambda: publication_rate_show(context, params)):.0f} ms"

    out = [
        ("compacted: one publisher's history + missing lists", show(publisher=pubs.ids[9], include_missing=True, **span)),
        ("compacted: overall 'published' history", show(scope="overall", measure="published", **span)),
        ("latest snapshot, one publisher", show(publisher=pubs.ids[5])),
        ("latest snapshot, all rows + missing lists", show()),
        ("prometheus_text (latest snapshot)", f"{timed(lambda: prometheus_text(context)):.0f} ms"),
    ]
    rows = publication_rate_show(context, {})["results"]
    scratch = Path(tempfile.mkdtemp(prefix="bench-metrics-month-"))
    try:      # a copy of this month's daily files: writing next month's first day compacts them
        (scratch / "metrics").mkdir()
        for day, path in history.snapshot_files(home)[0].items():
            shutil.copy(path, scratch / "metrics" / path.name)
        next_month = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
        out += [("write_snapshot, same day again", f"{timed(lambda: history.write_snapshot(rows, home, last)):.0f} ms"),
                (f"write_snapshot + compacting {history.month_of(last)}",
                 f"{timed(lambda: history.write_snapshot(rows, scratch, next_month)):.0f} ms")]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publishers", type=int, default=1800)
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 22))
    parser.add_argument("--keep", type=Path, 
                        help="generate into this folder and keep it (if it holds data: only re-time)")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    try:
        if args.keep and (root / "daily").exists():     # re-time an earlier --keep run without regenerating
            days = int(round(365.25 * args.years))
            pubs = Publishers(args.publishers, np.random.default_rng(42))
            gen = {"days": days, "rows": 0, "seconds": 0, "pubs": pubs,
                   "first": args.end - timedelta(days=days - 1), "last": args.end}
        else:
            gen = generate(root, args.publishers, args.years, args.end)
        rows = report(args, gen, root)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
