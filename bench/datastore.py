"""DataStore benchmark: our datastore_search / datastore_search_sql (DuckDB, in memory) against PostgreSQL
loaded and queried the way CKAN's DataStore does it (reference/baselines.md §2).

    uv run --group bench python bench/datastore.py [--rows 1000000] [--runs 7]

One run: generate a seeded Parquet (1M rows: 団体コード, 名称, 住所, 日付, 定員, 緯度, 経度, 備考), publish it
through the action layer, and time three calls, ours and PostgreSQL's interleaved round by round:
  i   filters {団体コード} + sort 定員 desc + limit 100 + total    (datastore_search)
  ii  q=千代田区 + limit 100 + total                               (datastore_search, Japanese full text)
  iii GROUP BY 団体コード: count, avg(定員)                         (datastore_search_sql)
PostgreSQL: a throwaway cluster (initdb as the postgres user under a temp dir; installed with apt-get if
missing), a table built as ``datastore_create`` builds it (``_id`` serial key, ``_full_text`` tsvector
filled by CKAN's ``populate_full_text_trigger``, GIN index), queried with CKAN 2.11's SQL over TCP. Only
PostgreSQL's SQL is timed, not CKAN's Python around it, so the ratios flatter CKAN. Ours is timed through
the action layer (auth, resource lookup, JSON-ready rows) and, for i, also through HTTP in-process.
The cluster is stopped and removed at the end. Prints a Markdown table; numbers go to bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

WARDS = {"131016": "千代田区", "131024": "中央区", "131032": "港区", "131041": "新宿区", "131059": "文京区",
         "131067": "台東区", "131075": "墨田区", "131083": "江東区", "131091": "品川区", "131105": "目黒区",
         "131113": "大田区", "131121": "世田谷区", "131130": "渋谷区", "131148": "中野区", "131156": "杉並区",
         "131164": "豊島区", "131172": "北区", "131181": "荒川区", "131199": "板橋区", "131202": "練馬区",
         "131211": "足立区", "131229": "葛飾区", "131237": "江戸川区", "132012": "八王子市", "132021": "立川市",
         "132039": "武蔵野市", "132047": "三鷹市", "132055": "青梅市", "132063": "府中市", "132071": "昭島市",
         "132080": "調布市", "132098": "町田市", "132101": "小金井市", "132110": "小平市", "132128": "日野市",
         "132136": "東村山市", "132144": "国分寺市", "132152": "国立市", "132187": "福生市", "132195": "狛江市",
         "132209": "東大和市", "132217": "清瀬市", "132225": "東久留米市", "132233": "武蔵村山市", "132241": "多摩市",
         "132250": "稲城市", "132276": "羽村市", "132284": "あきる野市", "132292": "西東京市", "133035": "瑞穂町",
         "133051": "日の出町", "133078": "檜原村", "133086": "奥多摩町", "133612": "大島町", "133621": "利島村",
         "133639": "新島村", "133647": "神津島村", "133817": "三宅村", "133825": "御蔵島村", "134015": "八丈町",
         "134023": "青ヶ島村", "134210": "小笠原村"}
TOWNS = ["丸の内", "大手町", "霞が関", "永田町", "本町", "栄町", "緑町", "旭町", "幸町", "中町"]
KINDS = ["公衆トイレ", "避難所", "AED設置施設", "図書館", "保育園", "公園", "体育館", "集会所"]
NOTES = ["車椅子対応", "wheelchair accessible", "AED設置あり", "授乳室あり", "24時間利用可", "駐車場なし", "",
         "オストメイト対応"]
COLUMNS = [("団体コード", "text"), ("名称", "text"), ("住所", "text"), ("日付", "date"), ("定員", "int4"),
           ("緯度", "float8"), ("経度", "float8"), ("備考", "text")]
CODE, Q = "131016", "千代田区"
GROUP_SQL = 'SELECT "団体コード", count(*), avg("定員") FROM "{rid}" GROUP BY "団体コード" ORDER BY "団体コード"'


def generate(rows: int, path: Path, seed: int = 20241122) -> None:
    """A seeded table like a 自治体標準 facility list: 62 municipalities, ~16k rows each for 1M rows."""
    rng = np.random.default_rng(seed)
    codes, names = np.array(list(WARDS)), np.array(list(WARDS.values()))
    w = rng.integers(0, len(codes), rows)
    address = np.char.add(np.char.add(np.char.add("東京都", names[w]), np.array(TOWNS)[rng.integers(0, 10, rows)]),
                          np.char.add(np.char.add(rng.integers(1, 6, rows).astype(str), "丁目"),
                                      np.char.add(rng.integers(1, 30, rows).astype(str), "番")))
    name = np.char.add(np.char.add(names[w], np.array(KINDS)[rng.integers(0, len(KINDS), rows)]),
                       np.arange(rows).astype(str))
    days = np.datetime64("2000-01-01") + rng.integers(0, 9000, rows).astype("timedelta64[D]")
    table = pa.table({"団体コード": codes[w], "名称": name, "住所": address, "日付": pa.array(days, pa.date32()),
                      "定員": pa.array(rng.integers(0, 500, rows), pa.int32()), "緯度": 35.5 + rng.random(rows) * 0.4,
                      "経度": 139.3 + rng.random(rows) * 0.6,
                      "備考": np.array(NOTES)[rng.integers(0, len(NOTES), rows)]})
    pq.write_table(table, path)


# -- ours ---------------------------------------------------------------------------------------------

class Ours:
    """The catalog in-process: publish through the actions, query as an anonymous caller."""

    def __init__(self, home: Path, parquet: Path):
        from catalog.actions import get_action
        from catalog.context import Context
        from catalog.local import LocalCatalog
        from catalog.store import open_store

        admin = LocalCatalog(home)
        admin.call_action("organization_create", {"name": "t000029", "title": "デジタルサービス局"})
        admin.call_action("package_create", {"name": "bench", "title": "施設一覧", "owner_org": "t000029"})
        with open(parquet, "rb") as fh:
            self.rid = admin.call_action("resource_create", {"package_id": "bench", "name": "施設一覧",
                                                             "upload": ("facilities.parquet", fh)})["id"]
        self.context = Context(store=open_store(home), site_url="http://bench.test", home=home, user=None)
        self.get_action = get_action
        self.home = home

    def call(self, name: str, data: dict) -> dict:
        return self.get_action(name)(self.context, data)

    def filter_sort(self) -> int:
        return self.call("datastore_search", {"resource_id": self.rid, "filters": {"団体コード": CODE},
                                              "sort": "定員 desc", "limit": 100})["total"]

    def japanese_q(self) -> int:
        return self.call("datastore_search", {"resource_id": self.rid, "q": Q, "limit": 100})["total"]

    def group_by(self) -> int:
        return len(self.call("datastore_search_sql", {"sql": GROUP_SQL.format(rid=self.rid)})["records"])

    def http_client(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient
        from catalog.app import create_app

        return TestClient(create_app(self.home, "http://bench.test"), base_url="http://bench.test")

    def filter_sort_http(self, client) -> int:
        params = {"resource_id": self.rid, "filters": json.dumps({"団体コード": CODE}), "sort": "定員 desc",
                  "limit": "100"}
        return client.get("/api/3/action/datastore_search", params=params).json()["result"]["total"]


# -- PostgreSQL as CKAN's DataStore -------------------------------------------------------------------

FULL_TEXT_TRIGGER = r"""
CREATE OR REPLACE FUNCTION populate_full_text_trigger() RETURNS trigger
AS $body$
    BEGIN
        IF NEW._full_text IS NOT NULL THEN
            RETURN NEW;
        END IF;
        NEW._full_text := (
            SELECT to_tsvector(string_agg(value, ' '))
            FROM json_each_text(row_to_json(NEW.*))
            WHERE key NOT LIKE '\_%');
        RETURN NEW;
    END;
$body$ LANGUAGE plpgsql;
"""


class Postgres:
    """A throwaway PostgreSQL cluster: ``start()``, ``load()``, queries, ``stop()``."""

    def __init__(self):
        self.bin = _postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))  # its own folder: the postgres user must own it
        self.port = _free_port()
        self.conn = None

    def start(self) -> None:
        shutil.chown(self.dir, "postgres", "postgres")
        _as_postgres([str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres",
                      "-E", "UTF8", "--locale=C.UTF-8"])
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-o", options,
                      "-l", str(self.dir / "log"), "-w", "start"])
        import psycopg2

        self.conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        self.conn.autocommit = True

    def stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if (self.dir / "data" / "postmaster.pid").exists():
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)

    def load(self, rid: str, parquet: Path, workdir: Path) -> dict:
        csv = workdir / "rows.csv"
        with duckdb.connect() as con:
            con.execute(f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{csv}' (HEADER)")
        columns = ", ".join(f'"{n}" {t}' for n, t in COLUMNS)
        cur = self.conn.cursor()
        cur.execute(FULL_TEXT_TRIGGER)
        cur.execute(f'CREATE TABLE "{rid}" (_id serial PRIMARY KEY, _full_text tsvector, {columns})')
        cur.execute(f'CREATE TRIGGER zfulltext BEFORE INSERT OR UPDATE ON "{rid}" FOR EACH ROW '
                    "EXECUTE PROCEDURE populate_full_text_trigger()")
        timings = {}
        start = time.perf_counter()
        with open(csv, encoding="utf-8") as fh:
            names = ", ".join(f'"{n}"' for n, _ in COLUMNS)
            cur.copy_expert(f'COPY "{rid}" ({names}) FROM STDIN WITH (FORMAT csv, HEADER true)', fh)
        timings["copy_s"] = time.perf_counter() - start
        start = time.perf_counter()
        cur.execute(f'CREATE INDEX ON "{rid}" USING gin (_full_text)')
        timings["gin_s"] = time.perf_counter() - start
        cur.execute(f'VACUUM ANALYZE "{rid}"')
        cur.execute("SELECT pg_total_relation_size(%s)", (f'"{rid}"',))
        timings["size_mb"] = cur.fetchone()[0] / 1e6
        return timings

    def _one(self, sql: str, params=()) -> object:
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur.fetchone()[0]

    def filter_sort(self, rid: str) -> int:
        """CKAN 2.11 ``search_data``: the page as one JSON text, then ``count(*)`` (include_total)."""
        cols = ", ".join(f'"{n}"' for n in ["_id", *(n for n, _ in COLUMNS)])
        where = 'WHERE "団体コード" = %s'
        self._one(f'SELECT array_to_json(array_agg(j))::text FROM (SELECT {cols} FROM (SELECT * FROM "{rid}" '
                  f'{where} ORDER BY "定員" desc LIMIT 100 OFFSET 0) as z) AS j', (CODE,))
        return self._one(f'SELECT count(*) FROM (SELECT {cols} FROM "{rid}" {where}) as t;', (CODE,))

    def japanese_q(self, rid: str) -> int:
        """CKAN's q: english ``plainto_tsquery`` on ``_full_text``, ordered by ``ts_rank``; then the count."""
        cols = ", ".join(f'"{n}"' for n in ["_id", *(n for n, _ in COLUMNS)])
        rank = "ts_rank(_full_text, query, 32) AS rank"
        ts = f"\"{rid}\", plainto_tsquery('english', %s) query WHERE _full_text @@ query"
        self._one(f"SELECT array_to_json(array_agg(j))::text FROM (SELECT {cols}, {rank} FROM (SELECT * FROM {ts} "
                  f"ORDER BY ts_rank(_full_text, query, 32) DESC LIMIT 100 OFFSET 0) as z) AS j", (Q,))
        return self._one(f"SELECT count(*) FROM (SELECT {cols}, {rank} FROM {ts}) as t;", (Q,))

    def substring(self, rid: str) -> int:
        """Not CKAN: what PostgreSQL pays for our q's semantics (ILIKE over the text columns), for context."""
        text = "concat_ws(' ', \"団体コード\", \"名称\", \"住所\", \"日付\", \"定員\", \"備考\")"
        self._one(f'SELECT array_to_json(array_agg(z))::text FROM (SELECT * FROM "{rid}" WHERE {text} ILIKE %s '
                  "ORDER BY _id LIMIT 100) z", (f"%{Q}%",))
        return self._one(f'SELECT count(*) FROM "{rid}" WHERE {text} ILIKE %s', (f"%{Q}%",))

    def group_by(self, rid: str) -> int:
        """CKAN's ``search_sql``: EXPLAIN to find tables and functions, then the wrapped query."""
        sql = f"SELECT * FROM ({GROUP_SQL.format(rid=rid)}) AS blah LIMIT 32001 ;"
        self._one(f"EXPLAIN (VERBOSE, FORMAT JSON) {sql}")
        cur = self.conn.cursor()
        cur.execute(sql)
        return len(cur.fetchall())


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        subprocess.run(["apt-get", "install", "-y", "postgresql"], check=True)
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent


def _as_postgres(cmd: list[str]) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, stdout=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- timing and report --------------------------------------------------------------------------------

def interleaved(runs: int, **calls) -> dict[str, dict]:
    """One warm-up each, then ``runs`` rounds calling every function once per round (noise hits all alike)."""
    results = {name: {"value": fn(), "ms": []} for name, fn in calls.items()}
    for _ in range(runs):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            results[name]["ms"].append((time.perf_counter() - start) * 1000)
    for r in results.values():
        r["median"], r["min"] = statistics.median(r["ms"]), min(r["ms"])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-datastore-"))
    pg = Postgres()
    try:
        report = run(args, work, pg)
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1))


def run(args, work: Path, pg: Postgres) -> dict:
    parquet = work / "facilities.parquet"
    generate(args.rows, parquet)
    ours = Ours(work / "home", parquet)
    start = time.perf_counter()
    ours.filter_sort()  # first call loads the table and its text index
    report = {"rows": args.rows, "runs": args.runs, "parquet_mb": parquet.stat().st_size / 1e6,
              "ours_first_call_s": time.perf_counter() - start, "load_avg": os.getloadavg()}
    pg.start()
    report["pg_load"] = pg.load(ours.rid, parquet, work)
    rid = ours.rid
    client = ours.http_client()
    report["i"] = interleaved(args.runs, ours=ours.filter_sort, http=lambda: ours.filter_sort_http(client),
                              pg=lambda: pg.filter_sort(rid))
    report["ii"] = interleaved(args.runs, ours=ours.japanese_q, pg=lambda: pg.japanese_q(rid),
                               pg_ilike=lambda: pg.substring(rid))
    report["iii"] = interleaved(args.runs, ours=ours.group_by, pg=lambda: pg.group_by(rid))
    report["load_avg_end"] = os.getloadavg()
    return report


def print_report(r: dict) -> None:
    def ms(q, k):
        return f"{r[q][k]['median']:.1f}"

    def ratio(q):
        return f"{r[q]['pg']['median'] / r[q]['ours']['median']:.1f}x"

    print(f"\n{r['rows']:,} rows, median of {r['runs']} interleaved runs (ms); load average "
          f"{r['load_avg'][0]:.1f} -> {r['load_avg_end'][0]:.1f} on this 2-core machine\n")
    print("| query | ours, actions | ours, HTTP | PostgreSQL as CKAN | PG / ours | result (ours / PG) |")
    print("|---|---|---|---|---|---|")
    print(f"| i filters + sort + limit 100 + total | {ms('i', 'ours')} | {ms('i', 'http')} | {ms('i', 'pg')} | "
          f"{ratio('i')} | total {r['i']['ours']['value']:,} / {r['i']['pg']['value']:,} |")
    print(f"| ii q={Q} + limit 100 + total | {ms('ii', 'ours')} | – | {ms('ii', 'pg')} | {ratio('ii')} | "
          f"total {r['ii']['ours']['value']:,} / {r['ii']['pg']['value']:,} |")
    print(f"| ii' PG ILIKE '%{Q}%' (not CKAN) | – | – | {ms('ii', 'pg_ilike')} | "
          f"{r['ii']['pg_ilike']['median'] / r['ii']['ours']['median']:.1f}x | total – / "
          f"{r['ii']['pg_ilike']['value']:,} |")
    print(f"| iii SQL GROUP BY 団体コード | {ms('iii', 'ours')} | – | {ms('iii', 'pg')} | {ratio('iii')} | "
          f"{r['iii']['ours']['value']} / {r['iii']['pg']['value']} groups |")
    load = r["pg_load"]
    print(f"\nLoad: ours {r['ours_first_call_s']:.1f} s on first call (Parquet {r['parquet_mb']:.1f} MB -> "
          f"memory + text index); PostgreSQL COPY through the full-text trigger {load['copy_s']:.1f} s + "
          f"GIN {load['gin_s']:.1f} s, table {load['size_mb']:.0f} MB.")
    print(f"Targets: i >= 3x: {ratio('i')}; iii >= 10x: {ratio('iii')}; ii < 50 ms with rows: "
          f"{ms('ii', 'ours')} ms, {r['ii']['ours']['value']:,} rows (PG: {r['ii']['pg']['value']}).")


if __name__ == "__main__":
    main()
