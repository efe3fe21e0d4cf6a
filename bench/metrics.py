"""Benchmark: one publisher's 5-year daily publication-rate history, 1,800 publishers × 14 targets.

Generates the snapshot rows directly (vectorised numpy/pyarrow; compute_publication_rates is not the thing timed)
in the schema ``write_snapshot`` writes: per day one row per publisher × measure (5 target measures + adoption)
with their missing lists, plus type, category and overall rollups (whose missing lists hold every publisher's
missing targets) — ~10.9k rows/day, ~20M rows in 5 years.  Two layouts of the same rows:

- ``daily``: one file per day (1,826 files), as generated — the naive layout, for comparison;
- ``folded``: what ``write_snapshot`` keeps, made by running the real ``compact`` over a copy: day files for
  the newest month, month files for the rest of its year, one file per earlier year.

Then times ``publication_rate_show`` (the action the app serves) for random publishers' whole history, wall
clock and CPU (the machine is shared and noisy, so the CPU time of this process is the steadier number).
Usage: ``.venv/bin/python bench/metrics.py [--years 5] [--publishers 1800] [--runs 20] [--keep DIR]``
(``--keep DIR`` keeps the files; run again with the same DIR to re-fold and re-time without regenerating).
"""
from __future__ import annotations

import argparse
import os
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


def generate(root: Path, publishers: int, years: float, end: date) -> dict:
    """Write one day file per day under root/daily/metrics (the naive layout); return counts and timing."""
    rng = np.random.default_rng(42)
    pubs = Publishers(publishers, rng)
    days = [end - timedelta(days=i) for i in range(int(round(365.25 * years)))][::-1]
    daily = root / "daily" / "metrics"
    daily.mkdir(parents=True)
    t0, rows = time.perf_counter(), 0
    for i, day in enumerate(days):
        table = day_table(day, rng, pubs, i / len(days)).sort_by(history.DAY_SORT)
        rows += table.num_rows
        history._write_atomic(table, daily / f"{day.isoformat()}.parquet")
    return {"days": len(days), "rows": rows, "seconds": time.perf_counter() - t0, "pubs": pubs,
            "first": days[0], "last": days[-1]}


def fold(root: Path) -> float:
    """Copy the day files to root/compacted and fold them with the real ``compact`` (what write_snapshot
    keeps doing day by day, here all at once); returns the seconds the folding took.  A folded copy kept
    from an earlier run (--keep) is only brought up to date."""
    target = root / "compacted" / "metrics"
    if not target.is_dir():
        shutil.copytree(root / "daily" / "metrics", target)
    t0 = time.perf_counter()
    history.compact(target.parent)
    return time.perf_counter() - t0


def folder_stats(folder: Path) -> tuple[int, float]:
    files = list(folder.glob("*.parquet"))
    return len(files), sum(f.stat().st_size for f in files) / 1e6


def timed(fn) -> tuple[float, float]:
    """(wall ms, CPU ms of this process, all threads): CPU time shows the work when the machine is busy."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def ms(t: tuple[float, float]) -> str:
    return f"{t[0]:.0f} ms (CPU {t[1]:.0f} ms)"


def time_history(home: Path, pubs: Publishers, first: date, last: date, runs: int) -> list[tuple[float, float]]:
    context = SimpleNamespace(home=home)
    span = {"date_from": first.isoformat(), "date_to": last.isoformat()}
    times = []
    for pid in random.Random(7).sample(list(pubs.ids), runs):
        result = {}
        times.append(timed(lambda: result.update(publication_rate_show(context, {"publisher": pid, **span}))))
        assert result["count"] == M * ((last - first).days + 1), result["count"]
    return times


def summary(times: list[tuple[float, float]]) -> str:
    wall, cpu = [t[0] for t in times], [t[1] for t in times]
    return (f"{statistics.median(wall):.0f} / {np.percentile(wall, 90):.0f} / {max(wall):.0f} ms "
            f"(CPU median {statistics.median(cpu):.0f} ms)")


def report(args, gen: dict, root: Path) -> list[tuple[str, str]]:
    pubs, first, last = gen["pubs"], gen["first"], gen["last"]
    out = [("publishers × targets × days", f"{len(pubs.ids)} × {K} × {gen['days']}"),
           ("snapshot rows", f"{gen['rows']:,}" if gen["rows"] else "(reused --keep folder)"),
           ("generate the day files", f"{gen['seconds']:.0f} s"),
           ("fold them (compact: days→months→years)", f"{fold(root):.0f} s")]
    for layout, runs in (("folded", args.runs), ("daily", max(3, args.runs // 4))):
        home = root / ("compacted" if layout == "folded" else "daily")
        files, mb = folder_stats(home / "metrics")
        times = time_history(home, pubs, first, last, runs)
        out += [(f"{layout}: files / size", f"{files} / {mb:,.0f} MB"),
                (f"{layout}: one publisher's 5-year history, 1st call", ms(times[0])),
                (f"{layout}: … median / p90 / max of {runs}", summary(times))]
    return out + other_timings(root / "compacted", pubs, first, last)


def other_timings(home: Path, pubs: Publishers, first: date, last: date) -> list[tuple[str, str]]:
    context = SimpleNamespace(home=home)
    span = {"date_from": first.isoformat(), "date_to": last.isoformat()}

    def show(**params) -> str:
        return ms(timed(lambda: publication_rate_show(context, params)))

    out = [
        ("folded: the same with missing lists", show(publisher=pubs.ids[9], include_missing=True, **span)),
        ("folded: overall 'published' 5-year history", show(scope="overall", measure="published", **span)),
        ("latest snapshot, one publisher", show(publisher=pubs.ids[5])),
        ("latest snapshot, all rows + missing lists", show()),
        ("prometheus_text (latest snapshot)", ms(timed(lambda: prometheus_text(context)))),
    ]
    rows = publication_rate_show(context, {})["results"]
    history.rows_to_table(rows[:1], last)       # warm-up: pyarrow imports pandas on its first conversion (~2 s)
    scratch = Path(tempfile.mkdtemp(prefix="bench-metrics-month-"))
    try:      # a copy of this month's day files: writing next month's first day folds them into a month
        shutil.copytree(home / "metrics", scratch / "metrics",
                        ignore=lambda d, names: [n for n in names if len(n) != len("2026-01-01.parquet")])
        next_month = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
        out += [("write_snapshot, same day again", ms(timed(lambda: history.write_snapshot(rows, scratch, last)))),
                (f"write_snapshot {next_month} (folds {last.isoformat()[:7]})",
                 ms(timed(lambda: history.write_snapshot(rows, scratch, next_month))))]
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
        load = os.getloadavg()[0]
        rows = report(args, gen, root)
        rows.append(("load average (1 min) before / after", f"{load:.1f} / {os.getloadavg()[0]:.1f} on "
                     f"{os.cpu_count()} CPUs"))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
