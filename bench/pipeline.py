"""The pipeline at Tokyo's scale: N generated declarations through the plain library loop and through Dagster.

    .venv/bin/python bench/pipeline.py [--n 100 1000] [--keep DIR] [--skip-plain] [--plain-sample K]
                                       [--shapes in_process]

For each N: generates N declarations (copies of the bundled ones under distinct ids and ~90 publishers, every
dataset with its own copy of its source file) covering every bundled shape, then measures in one run
  (a) the plain sequential loop over the same library calls (fetch -> read and normalise -> validate ->
      release, then warehouse + metrics), no Dagster, in a child process;
  (b) ``opendata ingest --all`` on a fresh home;  (c) the same again with nothing changed;
  (d) again after changing one source;  and ``dagster definitions validate`` on the declarations.
Wall time, time per dataset, peak memory of the whole process tree (sum of PSS, sampled from /proc every 0.2 s)
and the ratios are printed as a Markdown table, with the load average before and after each step.
``--plain-sample K`` times the plain loop on every (N/K)-th declaration only and scales its wall time to N (for
N > 100). Its fixed start-up (imports, first GX context: ~8 s) is scaled too, which inflates the estimate by
~8 × (N/K - 1) s and so favours Dagster's side of the ratio; the README states the corrected figure. ``--shapes in_process`` also times the first ingest with every step in the CLI's process.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BUNDLED = REPO / "datasets"
PUBLISHER_COPIES = 23          # 4 bundled publishers x 23 = 92 publishers, about Tokyo's 90


# ------------------------------------------------------------------------------------------------ generation


def _read_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw[:3] == b"\xef\xbb\xbf" else _decode(raw)
    return list(csv.reader(io.StringIO(text)))


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def _shapes(bundled: list[dict]) -> dict[str, tuple[dict, str, bytes]]:
    """Extra shapes made from bundled files: (declaration to copy, file suffix, bytes)."""
    from tests.pipelines.test_read_excel import write_xlsx

    toilets = next(d for d in bundled if d["id"] == "koto-public-toilets")
    rows = _read_rows(BUNDLED / toilets["source"]["path"])
    wifi = next(d for d in bundled if d["id"] == "tachikawa-wifi")          # 19 columns: the xlsx helper's A..Z
    tmp = Path(tempfile.mkdtemp()) / "t.xlsx"
    write_xlsx(tmp, {"一覧": [["立川市 公衆無線LAN一覧（令和6年4月1日現在）"], [],
                             *_read_rows(BUNDLED / wifi["source"]["path"])]})
    excel = tmp.read_bytes()
    shutil.rmtree(tmp.parent)
    meta = ("# 江東区 公衆トイレ一覧\r\n# 更新日: 2024-04-01\r\n" + _csv(rows)).encode("utf-8")
    name_col = rows[0].index("名称")                              # required column gone -> the gate blocks it
    blocked = _csv([r[:name_col] + r[name_col + 1:] for r in rows]).encode("utf-8-sig")
    return {"excel": (wifi, ".xlsx", excel), "meta_rows": (toilets, ".csv", meta),
            "blocked": (toilets, ".csv", blocked)}


def generate(n: int, root: Path) -> dict:
    """Write N declarations + sources under ``root``; returns counts per shape."""
    bundled = [yaml.safe_load(p.read_text("utf-8")) for p in sorted(BUNDLED.glob("t*/*.yaml"))]
    shapes = _shapes(bundled)
    pubs = yaml.safe_load((BUNDLED / "publishers.yaml").read_text("utf-8"))
    base_pubs = {p["id"]: p for p in pubs["publishers"]}
    used = sorted({d["publisher"] for d in bundled})
    for k in range(PUBLISHER_COPIES):
        for pid in used:
            p = dict(base_pubs[pid])
            p.update(id=f"{pid}_p{k:02d}", name=f"{p['name']}（複製{k:02d}）")
            pubs["publishers"].append(p)
    root.mkdir(parents=True, exist_ok=True)
    (root / "publishers.yaml").write_text(yaml.safe_dump(pubs, allow_unicode=True, sort_keys=False), "utf-8")
    shutil.copy(BUNDLED / "targets.yaml", root / "targets.yaml")
    counts: dict[str, int] = {}
    for i in range(n):
        shape = ("blocked" if i % 20 == 7 else "excel" if i % 10 == 3 else "meta_rows" if i % 10 == 5
                 else "bundled")
        if shape == "bundled":
            base = bundled[i % len(bundled)]
            data, suffix = (BUNDLED / base["source"]["path"]).read_bytes(), Path(base["source"]["path"]).suffix
        else:
            base, suffix, data = shapes[shape]
        decl = {k: v for k, v in base.items()}
        ds_id = f"{base['id'][:80]}-{i:05d}"
        pub = f"{base['publisher']}_p{(i // len(bundled)) % PUBLISHER_COPIES:02d}"
        src = f"sources/{pub}/{ds_id}{suffix}"
        (root / src).parent.mkdir(parents=True, exist_ok=True)
        (root / src).write_bytes(data)
        decl.update(id=ds_id, publisher=pub, source={"kind": "file", "path": src})
        if shape == "excel":
            decl["read"] = {"sheet": "一覧"}
        if i % 10 == 1:
            decl["visibility"] = "internal"
            counts["internal"] = counts.get("internal", 0) + 1
        (root / pub).mkdir(exist_ok=True)
        (root / pub / f"{ds_id}.yaml").write_text(yaml.safe_dump(decl, allow_unicode=True, sort_keys=False),
                                                  "utf-8")
        key = shape if shape != "bundled" else f"{base['id']}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def change_one_source(root: Path) -> str:
    """Append a row (a copy of row 2 with a new ID) to one plain UTF-8 toilet CSV; returns the dataset id."""
    for path in sorted(root.glob("sources/t131083_p*/koto-public-toilets-*.csv")):
        rows = _read_rows(path)
        if "名称" in rows[0]:                                 # not the '#'-metadata or the blocked variant
            new = list(rows[1])
            new[1] = new[1][:-3] + "999"
            path.write_bytes(_csv([*rows, new]).encode("utf-8-sig"))
            return path.stem
    raise SystemExit("no plain toilet CSV to change")


# ------------------------------------------------------------------------------------------------ measuring


def _tree_rss(pid: int) -> int:
    """Memory in bytes of ``pid`` and all its descendants: the sum of their PSS (proportional set size, from
    /proc/<pid>/smaps_rollup), so pages forked step processes share with the forkserver count once."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(d))
        rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _pss(p, rss.get(p, 0))
        todo += children.get(p, [])
    return total


def _pss(pid: int, fallback: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return fallback


def measure(cmd: list[str], env: dict, label: str) -> dict:
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            stop.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    output = proc.communicate()[0]
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    print(f"--- {label}: exit {proc.returncode}, {wall:.1f} s, peak RSS {peak[0] / 2**20:.0f} MiB", flush=True)
    tail = [ln for ln in output.splitlines() if ln.strip()][-6:]
    print("\n".join("    " + ln[:160] for ln in tail), flush=True)
    return {"label": label, "wall": wall, "rss": peak[0], "rc": proc.returncode, "load": (load0, os.getloadavg()[0]),
            "output": output}


def plain_loop(datasets: Path, home: Path, sample: int = 0) -> None:
    """(a) The same library calls as the assets, one dataset after the other, no Dagster."""
    from catalog import metrics
    from pipelines.assets import table_version
    from pipelines.declarations import load_declarations
    from pipelines.globals import expand_targets, publisher_dicts, write_warehouse
    from pipelines.ingest import build_table
    from pipelines.release import JST, publish
    from pipelines.resources import CatalogTarget, Home
    from pipelines.sources import fetch_source
    from quality import validate_table
    from quality.data_docs import record as record_gx
    from quality.license import check_license
    from quality.reports import save_report
    from quality.standards import load_standard
    import pyarrow.parquet as pq
    from datetime import datetime

    decls = load_declarations(datasets)
    if sample:   # every k-th declaration, so the sample keeps the shapes' mix
        step = max(1, len(decls.datasets) // sample)
        decls = decls.model_copy(update={"datasets": dict(list(decls.datasets.items())[::step][:sample])})
    res = Home(path=str(home), datasets=str(decls.root))
    client = CatalogTarget().client(home)
    released, outcome = {}, {"published": 0, "blocked": 0, "failed": 0}
    for ds in decls.datasets.values():
        try:
            src = fetch_source(ds, decls.root, home)
            ver = table_version(src.sha256, ds)
            out = home / "std" / ds.id / f"{ver}.parquet"
            standard = load_standard(ds.standard) if ds.standard else None
            t = build_table(src.path, ds, standard, out, filename=src.filename)
            report = validate_table(pq.read_table(out), standard, publisher_code=decls.publishers[ds.publisher].code,
                                    overrides=ds.quality.model_dump(),
                                    extra_findings=list(t.findings))
            lic = check_license(ds.license)
            if lic:
                report.findings.append(lic)
            report_path = home / "reports" / ds.id / f"{ver}.json"
            save_report(report, report_path)          # the report and its GX artifacts, as the table asset does
            record_gx(report_path, home / "reports")
            if not report.valid:
                outcome["blocked"] += 1
                continue
            tbl = {"version": ver, "path": str(out), "rows": t.rows, "source_sha256": src.sha256}
            publish(ds, decls, tbl, report, res, client, "http://127.0.0.1:8080")
            released[ds.id] = {"path": str(out), "version": ver, "standard": ds.standard,
                               "publisher": ds.publisher, "released_at": datetime.now(JST).isoformat()}
            outcome["published"] += 1
        except Exception as e:  # noqa: BLE001
            outcome["failed"] += 1
            print(f"{ds.id}: {type(e).__name__}: {e}")
    write_warehouse(home / "warehouse.duckdb", released, home / "metrics")
    rows = metrics.compute_publication_rates(metrics.compute_remote(client), expand_targets(decls),
                                             publisher_dicts(decls), datetime.now(JST).date())
    metrics.write_snapshot(rows, home, datetime.now(JST).date())
    print(f"plain loop: {outcome}")


def run_n(n: int, work: Path, skip_plain: bool, shapes: list[str], plain_sample: int | None = None) -> list[dict]:
    datasets, env = work / f"datasets-{n}", {**os.environ, "PYTHONWARNINGS": "ignore"}
    print(f"=== N = {n}: generating into {datasets}", flush=True)
    print("shapes:", generate(n, datasets), flush=True)
    py, opendata = sys.executable, [sys.executable, "-m", "pipelines.cli"]
    rows = []
    if not skip_plain:
        cmd = [py, __file__, "--plain", str(datasets), str(work / f"plain-{n}"), str(plain_sample or 0)]
        row = measure(cmd, env, "a plain loop" + (f" ({plain_sample} of {n} datasets, wall × {n / plain_sample:g})"
                                                  if plain_sample else ""))
        if plain_sample:           # time per dataset measured on the sample, scaled to N
            row["wall"] *= n / plain_sample
        rows.append(row)
    home = work / f"home-{n}"
    ingest = [*opendata, "--home", str(home), "ingest", "--all", "--datasets", str(datasets)]
    rows.append(measure(ingest, env, "b opendata ingest --all, fresh home"))
    for shape in shapes:
        other = [*opendata, "--home", str(work / f"home-{n}-{shape}"), "ingest", "--all", "--datasets", str(datasets)]
        rows.append(measure(other, {**env, "OPENDATA_EXECUTOR": shape}, f"b′ same, OPENDATA_EXECUTOR={shape}"))
    rows.append(measure(ingest, env, "c nothing changed"))
    changed = change_one_source(datasets)
    rows.append(measure(ingest, env, f"d one source changed ({changed})"))
    venv_bin = Path(sys.executable).parent
    # as `opendata ui` runs Dagster: DAGSTER_HOME is the home's instance (without it the CLI first creates and
    # migrates a temporary instance, ~1.6 s more)
    rows.append(measure([str(venv_bin / "dagster"), "definitions", "validate", "-m", "pipelines.definitions"],
                        {**env, "OPENDATA_DATASETS": str(datasets), "OPENDATA_HOME": str(home),
                         "DAGSTER_HOME": str(home / "dagster")},
                        "dagster definitions validate"))
    return rows


def table(results: dict[int, list[dict]]) -> str:
    lines = ["| N | step | wall s | s / dataset | peak PSS MiB | ÷ plain loop | exit | load avg before→after |",
             "|---:|---|---:|---:|---:|---:|---:|---|"]
    for n, rows in results.items():
        plain = next((r["wall"] for r in rows if r["label"].startswith("a")), None)
        for r in rows:
            ratio = f"{r['wall'] / plain:.2f}×" if plain else "–"
            lines.append(f"| {n} | {r['label']} | {r['wall']:.1f} | {r['wall'] / n:.3f} | {r['rss'] / 2**20:.0f} | "
                         f"{ratio} | {r['rc']} | {r['load'][0]:.1f}→{r['load'][1]:.1f} |")
    if len(results) >= 2:
        (n1, r1), (n2, r2) = list(results.items())[:2]
        b1 = next(r for r in r1 if r["label"].startswith("b"))["wall"] / n1
        b2 = next(r for r in r2 if r["label"].startswith("b"))["wall"] / n2
        lines.append(f"\nfirst-ingest time per dataset at {n2} ÷ at {n1}: {b2 / b1:.2f}×")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) >= 4 and sys.argv[1] == "--plain":
        return plain_loop(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temp folder)")
    ap.add_argument("--skip-plain", action="store_true")
    ap.add_argument("--plain-sample", type=int, default=None,
                    help="time the plain loop on this many of the N datasets and scale its wall time to N")
    ap.add_argument("--shapes", nargs="*", default=[], help="also time the first ingest with OPENDATA_EXECUTOR=…")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPUs, load {os.getloadavg()}", flush=True)
    try:
        results = {n: run_n(n, work, args.skip_plain, args.shapes, args.plain_sample if n > 100 else None)
                   for n in args.n}
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results))


if __name__ == "__main__":
    main()
