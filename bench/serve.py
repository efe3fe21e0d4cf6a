"""Serving under concurrency: 16 and 64 clients mixing API calls and web pages against ``opendata serve``.

    .venv/bin/python bench/serve.py [--home DIR] [--workers 1,2] [--clients 16,64] [--seconds 20]

Without ``--home`` it builds the demo home once (``opendata ingest --all`` of the bundled datasets, in a temp
folder). For each worker count it starts ``opendata serve --workers N`` as a separate process on 127.0.0.1, and for
each client count runs that many concurrent keep-alive clients for ``--seconds``, each sending the mix below one
request at a time: with Debian's ``wrk`` installed (``apt-get install wrk``) it drives them (``--driver wrk``, C, two
threads), else Python threads with ``requests`` sessions, which at 64 clients spend more CPU than the server and time
their own GIL waits. Prints requests/s, p50/p99 latency and errors (status >= 400 or transport
errors). Target (issue 14): 64 clients, p99 < 300 ms, 0 errors on 2 cores. The client runs on the same machine
and takes CPU from the server; numbers are from one run.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402


def demo_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="bench-serve-")) / "home"
    env = {**os.environ, "OPENDATA_HOME": str(home)}
    subprocess.run([str(Path(sys.executable).with_name("opendata")), "ingest", "--all"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return home


def start(home: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "OPENDATA_HOME": str(home)}
    env.pop("OPENDATA_SITE_URL", None)
    proc = subprocess.Popen([str(Path(sys.executable).with_name("opendata")), "serve", "--port", str(port),
                             "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/api/3", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("server did not start")


def request_mix(url: str) -> list[str]:
    api = f"{url}/api/3/action"
    names = httpx.get(f"{api}/package_list", timeout=30).json()["result"]
    tables = []
    for name in names:
        pkg = httpx.get(f"{api}/package_show", params={"id": name}, timeout=30).json()["result"]
        tables += [r["id"] for r in pkg["resources"] if r.get("datastore_active")]
    mix = [f"{api}/package_search?q=トイレ", f"{api}/package_search?q=&rows=20&facet.field=[\"organization\",\"tags\"]",
           f"{api}/package_search?fq=organization:t131083", f"{url}/", f"{url}/dataset?q=避難"]
    mix += [f"{api}/package_show?id={n}" for n in names] + [f"{url}/dataset/{n}" for n in names]
    mix += [f"{api}/datastore_search?resource_id={t}&limit=20" for t in tables]
    mix += [f"{api}/datastore_search?resource_id={t}&q=区&limit=10" for t in tables[:3]]
    return mix


def kind(url: str) -> str:
    path = url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
    return path.rsplit("/", 1)[-1] if path.startswith("api/") else ("page " + path.split("/")[0] if path else "page /")


def drive(mix: list[str], clients: int, seconds: float) -> tuple[list[float], int, float]:
    """``clients`` threads, each a keep-alive ``requests`` session sending one request at a time (urllib3 costs the
    client far less CPU per request than an asyncio client with a 64-connection pool, which the server shares)."""
    latencies: list[float] = []
    errors = [0]
    by_kind.clear()
    stop = time.perf_counter() + seconds

    def one_client(seed: int) -> None:
        rnd = random.Random(seed)
        with requests.Session() as session:
            session.headers["Accept-Encoding"] = "gzip"
            while time.perf_counter() < stop:
                url = rnd.choice(mix)
                started = time.perf_counter()
                try:
                    response = session.get(url, timeout=30)
                    failed = response.status_code >= 400
                except requests.RequestException:
                    failed = True
                latencies.append(time.perf_counter() - started)  # list.append is atomic under the GIL
                by_kind.setdefault(kind(url), []).append(latencies[-1])
                errors[0] += failed

    began = time.perf_counter()
    threads = [threading.Thread(target=one_client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - began


by_kind: dict[str, list[float]] = {}

WRK = shutil.which("wrk")   # Debian's wrk: a C load generator (one event loop per thread), far lighter than threads


def drive_wrk(mix: list[str], clients: int, seconds: float, bust: bool = False) -> tuple[int, float, float, float, int]:
    """The same mix, round robin, from ``wrk -t2 -c<clients>`` (a Lua script holds the paths): returns requests,
    req/s, p50 ms, p99 ms and errors (non-2xx answers + socket errors), as wrk's ``--latency`` reports them."""
    base = mix[0].split("/api/", 1)[0] if "/api/" in mix[0] else mix[0].rsplit("/", 1)[0]
    paths = [quote(u[len(base):], safe="/?=&:,[]\"%") for u in mix]
    script = Path(tempfile.mkdtemp(prefix="wrk-")) / "mix.lua"
    script.write_text("local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
                      "local i = 0\n"
                      "request = function()\n  i = i + 1\n  local path = paths[(i % #paths) + 1]\n"
                      + ("  path = path .. (string.find(path, '?', 1, true) and '&' or '?') .. '_=' .. i\n" if bust else "")
                      + "  return wrk.format('GET', path, {['Accept-Encoding'] = 'gzip'})\nend\n")
    out = subprocess.run([WRK, "-t2", f"-c{clients}", f"-d{seconds:g}s", "--latency", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        value = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        number, unit = float(value.group(1)), value.group(2)
        return number / 1000 if unit == "us" else number * 1000 if unit == "s" else number

    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    return requests_done, rate, ms("50%"), ms("99%"), errors


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--clients", default="16,64")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--by-kind", action="store_true", help="also p50/p99 per kind of request")
    parser.add_argument("--driver", choices=["wrk", "threads"], default="wrk" if WRK else "threads",
                        help="wrk (Debian's wrk, default when installed) or Python threads (requests sessions)")
    args = parser.parse_args()
    home = args.home or demo_home()
    print(f"home {home}; load average before: {os.getloadavg()[0]:.1f}; cores: {os.cpu_count()}")
    print(f"{'workers':>7} {'clients':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for workers in (int(w) for w in args.workers.split(",")):
        proc, url = start(home, workers)
        try:
            mix = request_mix(url)
            drive(mix, 4, 3)  # warm every worker's tables and caches
            for clients in (int(c) for c in args.clients.split(",")):
                if args.driver == "wrk":
                    for bust in (False, True):    # as served (answer cache), then each request unique (built)
                        done, rate, p50, p99, errors = drive_wrk(mix, clients, args.seconds, bust)
                        print(f"{workers:>7} {clients:>7} {done:>8} {rate:>7.0f} {p50:>7.0f} {p99:>7.0f} {errors:>6}"
                              f"  (wrk, {'every request built: _=<n>' if bust else 'served'})", flush=True)
                    continue
                latencies, errors, wall = drive(mix, clients, args.seconds)
                print(f"{workers:>7} {clients:>7} {len(latencies):>8} {len(latencies) / wall:>7.0f} "
                      f"{statistics.median(latencies) * 1000:>7.0f} {percentile(latencies, 99) * 1000:>7.0f} "
                      f"{errors:>6}", flush=True)
                if args.by_kind:
                    for name, values in sorted(by_kind.items()):
                        print(f"{'':>16} {name:<28} n={len(values):<5} p50 {statistics.median(values) * 1000:>5.0f} ms"
                              f"  p99 {percentile(values, 99) * 1000:>5.0f} ms")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
