"""Ingest benchmark: CP932 CSV → standardized Parquet.

    .venv/bin/python bench/ingest.py [--rows 1000000] [--rounds 3] [--gb 1.0] [--keep]

Generates a seeded 1,000,000-row CP932 CSV (13 columns: 和暦 dates, full-width digits, lat/lon, ①㈱髙﨑),
then runs each approach in its own child process, interleaved round-robin:
  ours      pipelines.ingest.build_table (streamed, 2 threads, normalises only the standard's typed columns)
  pandas    read_csv(encoding="cp932", dtype=str) + per-cell .apply normalisation → Parquet
  floor     pyarrow.csv.read_csv(encoding="cp932") → Parquet, no normalisation
Work time is measured inside the child after imports (this environment sets PYTHONDONTWRITEBYTECODE, so
imports compile from source and cost seconds of noise); whole-process wall and peak RSS (ru_maxrss from
os.wait4) are reported too. Then ours runs once on a ~1 GB file made of copies of the body, deleted after.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLUMNS = ["全国地方公共団体コード", "ID", "名称", "名称_カナ", "所在地_連結表記", "開設日", "開始時間", "終了時間",
           "電話番号", "緯度", "経度", "定員", "備考"]
STANDARD = {
    "slug": "bench_facility", "title": "施設一覧", "title_en": "Facilities", "source": "bench",
    "columns": [
        {"name": "全国地方公共団体コード", "type": "lg_code", "halfwidth": True}, {"name": "ID", "halfwidth": True},
        {"name": "名称"}, {"name": "名称_カナ", "kana": True}, {"name": "所在地_連結表記"},
        {"name": "開設日", "type": "date"}, {"name": "開始時間", "type": "time"}, {"name": "終了時間", "type": "time"},
        {"name": "電話番号", "type": "phone", "halfwidth": True}, {"name": "緯度", "type": "latitude"},
        {"name": "経度", "type": "longitude"}, {"name": "定員", "type": "integer"}, {"name": "備考"},
    ],
}
FW = str.maketrans("0123456789-:", "０１２３４５６７８９－：")
NAMES = ["㈱髙島屋①号館", "﨑山公園", "德川記念館", "中央図書館", "区民センター", "スポーツ施設②", "保育園", "公衆トイレ"]
KANA = ["タカシマヤ", "サキヤマコウエン", "トクガワキネンカン", "ﾁｭｳｵｳﾄｼｮｶﾝ", "クミンセンター"]
TOWNS = ["千代田区丸の内", "江東区清澄", "台東区上野公園", "中野区中野", "目黒区駒場"]
ERAS = [("令和", 2018, 2019), ("平成", 1988, 1989)]


def wareki(rng: random.Random) -> str:
    y, m, d = rng.randint(1989, 2025), rng.randint(1, 12), rng.randint(1, 28)
    era, off = ("令和", 2018) if (y, m) >= (2019, 5) else ("平成", 1988) if (y, m, d) >= (1989, 1, 8) else ("昭和", 1925)
    ey = y - off
    form = rng.random()
    if form < 0.35:
        return f"{era}{'元' if ey == 1 else ey}年{m}月{d}日"
    if form < 0.55:
        return f"{'RHS'['令平昭'.index(era[0])]}{ey}.{m}.{d}"
    if form < 0.7:
        return f"{era}{ey}年{m}月{d}日".translate(FW)
    if form < 0.85:
        return f"{y}/{m}/{d}"
    return f"{m}/{d}/{y}"


def row(i: int, rng: random.Random) -> list[str]:
    code = rng.choice(["131016", "131083", "131067", "131148", "131105"])
    h = rng.randint(6, 10)
    phone = f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    lat, lon = (0, 0) if rng.random() < 0.01 else (round(35.5 + rng.random() * 0.3, 6), round(139.5 + rng.random() * 0.4, 6))
    note = rng.choice(["", "毎週月曜日休館", '"駐車場あり, 10台"', "Wi-Fi available", "年末年始（12/29～1/3）は休み"])
    return [code.translate(FW) if rng.random() < 0.2 else code, f"{code}F{i:07d}", rng.choice(NAMES) + str(i % 97),
            rng.choice(KANA), f"東京都{rng.choice(TOWNS)}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}－{rng.randint(1, 20)}",
            wareki(rng), rng.choice([f"{h}時", f"{h}:30", f"{h}時30分", f"{h}:00".translate(FW)]),
            rng.choice(["17時", "18:30", "２１：００", "22:00:00"]), phone.translate(FW) if rng.random() < 0.8 else phone,
            str(lat), str(lon), str(rng.randint(1, 500)).translate(FW) if rng.random() < 0.1 else str(rng.randint(1, 500)),
            note]


def generate(path: Path, rows: int, seed: int = 20240401) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="cp932", newline="") as f:
        f.write(",".join(COLUMNS) + "\r\n")
        for start in range(0, rows, 10_000):
            f.write("".join(",".join(row(i, rng)) + "\r\n" for i in range(start, min(rows, start + 10_000))))


def replicate(src: Path, dest: Path, target_bytes: int) -> None:
    """~target_bytes of CSV: the header once, then the body of ``src`` repeated."""
    with open(src, "rb") as f:
        header, body = f.readline(), f.read()
    with open(dest, "wb") as out:
        out.write(header)
        for _ in range(max(1, round(target_bytes / len(body)))):
            out.write(body)


# ---------------------------------------------------------------- the approaches (run in child processes)

def run_ours(src: Path, out: Path) -> dict:
    from pipelines.declarations import Dataset
    from pipelines.ingest import build_table
    from quality.standards import Standard

    std = Standard.model_validate(STANDARD)
    ds = Dataset.model_validate({"id": "bench", "publisher": "t130001", "title": {"ja": "bench"},
                                 "source": {"kind": "file", "path": str(src)}})
    t = time.perf_counter()
    res = build_table(src, ds, std, out)
    return {"work_s": time.perf_counter() - t, "rows": res.rows, "findings": sum(f.count for f in res.findings)}


def run_floor(src: Path, out: Path) -> dict:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    t = time.perf_counter()
    table = pacsv.read_csv(src, read_options=pacsv.ReadOptions(encoding="cp932"))
    pq.write_table(table, out, compression="zstd")
    return {"work_s": time.perf_counter() - t, "rows": table.num_rows}


def run_pandas(src: Path, out: Path) -> dict:
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_csv(src, encoding="cp932", dtype=str, keep_default_na=False)
    df = normalise_frame(df)
    df.to_parquet(out, compression="zstd", index=False)
    return {"work_s": time.perf_counter() - t, "rows": len(df)}


def _py_date(s: str):
    """Per-cell 和暦/western/US date parsing, the way a straightforward script does it."""
    import datetime as dt
    import re
    import unicodedata

    s = unicodedata.normalize("NFKC", s).strip()
    m = re.fullmatch(r"(令和|平成|昭和|R|H|S)(元|\d{1,2})[年.](\d{1,2})[月.](\d{1,2})日?", s)
    try:
        if m:
            era = {"R": "令和", "H": "平成", "S": "昭和"}.get(m[1], m[1])
            year = {"令和": 2018, "平成": 1988, "昭和": 1925}[era] + (1 if m[2] == "元" else int(m[2]))
            return dt.date(year, int(m[3]), int(m[4]))
        if m := re.fullmatch(r"(\d{4})[/\-年](\d{1,2})[/\-月](\d{1,2})日?", s):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s):
            return dt.date(int(m[3]), int(m[1]), int(m[2]))
    except ValueError:
        return None
    return None


def _py_time(s: str):
    import re
    import unicodedata

    m = re.fullmatch(r"(\d{1,2})(?:[:時](\d{1,2})?分?(?::\d{2})?)", unicodedata.normalize("NFKC", s).strip())
    return f"{int(m[1]):02d}:{int(m[2] or 0):02d}" if m else None


def normalise_frame(df):
    """The pandas baseline's normalisation: Python functions applied cell by cell."""
    import unicodedata

    import pandas as pd

    def nfkc(s):
        return unicodedata.normalize("NFKC", s).replace("\u2212", "-")

    for col in ("全国地方公共団体コード", "ID", "電話番号", "名称_カナ"):
        df[col] = df[col].apply(nfkc)
    df["開設日"] = df["開設日"].apply(_py_date)
    for col in ("開始時間", "終了時間"):
        df[col] = df[col].apply(_py_time)
    for col in ("緯度", "経度", "定員"):
        df[col] = pd.to_numeric(df[col].apply(nfkc), errors="coerce")
    for col in ("緯度", "経度"):
        df.loc[df[col] == 0, col] = None
    df["定員"] = df["定員"].astype("Int64")
    return df


APPROACHES = {"ours": run_ours, "pandas": run_pandas, "floor": run_floor}


def child(name: str, src: str, out: str) -> None:
    import pandas  # noqa: F401  -- pyarrow imports pandas lazily on first use; keep that out of every timing
    import polars  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    cpu = time.process_time()
    result = APPROACHES[name](Path(src), Path(out))
    print(json.dumps({**result, "cpu_s": time.process_time() - cpu}))


def measure(name: str, src: Path, workdir: Path) -> dict:
    out = workdir / f"{name}.parquet"
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", name, str(src), str(out)], stdout=subprocess.PIPE,
                            cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    result = json.loads(proc.stdout.read())
    if status != 0:
        raise SystemExit(f"{name} failed with status {status}")
    size = out.stat().st_size / 1e6
    out.unlink()
    return {**result, "wall_s": wall, "rss_mib": usage.ru_maxrss / 1024, "parquet_mb": size}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=3)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--only", default="ours,pandas,floor")
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        report(Path(tmp), args)


def report(workdir: Path, args) -> None:
    src = workdir / "bench_1m_cp932.csv"
    t = time.perf_counter()
    generate(src, args.rows)
    print(f"generated {args.rows:,} rows, {src.stat().st_size / 1e6:.1f} MB CP932 in {time.perf_counter() - t:.1f} s")
    names = args.only.split(",")
    runs = {n: [] for n in names}
    for r in range(args.rounds):
        for n in names:
            runs[n].append(measure(n, src, workdir))
            print(f"  round {r + 1} {n:7s} work {runs[n][-1]['work_s']:6.2f} s  wall {runs[n][-1]['wall_s']:6.2f} s  "
                  f"rss {runs[n][-1]['rss_mib']:6.0f} MiB", flush=True)
    print_table(runs, names, args.rounds)
    if args.gb > 0 and "ours" in names:
        big = workdir / "bench_1g_cp932.csv"
        replicate(src, big, int(args.gb * 1e9))
        src.unlink()
        res = measure("ours", big, workdir)
        print(f"\n~1 GB ({big.stat().st_size / 1e6:.0f} MB, {res['rows']:,} rows): ours work {res['work_s']:.2f} s, "
              f"wall {res['wall_s']:.2f} s, peak RSS {res['rss_mib']:.0f} MiB (target < 600 MB)")
        big.unlink()


def print_table(runs: dict, names: list[str], rounds: int) -> None:
    keys = ("work_s", "cpu_s", "wall_s", "rss_mib", "parquet_mb")
    med = {n: {k: statistics.median(r[k] for r in runs[n]) for k in keys} for n in names}

    def ratio(a: str, b: str, key: str = "work_s") -> str:
        if a not in runs or b not in runs:
            return "-"
        return f"{statistics.median(x[key] / y[key] for x, y in zip(runs[a], runs[b])):.2f}"

    print("\n| approach | median work s | median CPU s | median process wall s | peak RSS MiB | Parquet MB |"
          " work / ours | CPU / ours |")
    print("|---|---|---|---|---|---|---|---|")
    for n in names:
        m = med[n]
        print(f"| {n} | {m['work_s']:.2f} | {m['cpu_s']:.2f} | {m['wall_s']:.2f} | {m['rss_mib']:.0f} | "
              f"{m['parquet_mb']:.1f} | {ratio(n, 'ours')} | {ratio(n, 'ours', 'cpu_s')} |")
    print(f"\npandas / ours = {ratio('pandas', 'ours')} (target ≥ 4)   ours / floor = {ratio('ours', 'floor')} "
          f"(target ≤ 1.2)   — medians of per-round ratios of work time, {rounds} interleaved rounds")
    print(f"CPU seconds: pandas / ours = {ratio('pandas', 'ours', 'cpu_s')}   ours / floor = "
          f"{ratio('ours', 'floor', 'cpu_s')}   (CPU time is steadier than wall time on a shared machine)")


if __name__ == "__main__":
    main()
