"""Ingest runs started from the browser: a new version dropped into the inbox the inbox sensor watches
(``<home>/inbox/<dataset>/``), then the same ``opendata ingest`` the CLI runs (``--inbox``, or ``<dataset>`` to
re-run), in a background process of its own — never in a request thread.

Each run has a folder ``<home>/catalog/web_runs/<run id>/``: ``run.json`` (who, what, when, the process id),
``log.txt`` (the command's output) and ``rc`` (its exit status, written by the wrapping shell when it ends), so
any server worker can answer for any run and a run outlives a server restart. The catalog never imports the
pipeline: the command is ``OPENDATA_INGEST_COMMAND`` (words split as a shell does), else the ``opendata`` next
to this Python, with ``--datasets $OPENDATA_DATASETS`` when that is set.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from catalog.store import files, timestamps

EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xls")
MAX_UPLOAD_MB = 8                      # below the app's 10 MB body cap, so a too-large file gets a clear answer
SETTLED_AGE = 10.0                     # seconds back an upload's mtime is set (the sensor skips files < 5 s old)
_RUN_ID = re.compile(r"[0-9a-f]{32}")
OUTCOMES = {"公開 published": "published", "差止 blocked": "blocked", "変更なし unchanged": "unchanged",
            "失敗 failed": "failed"}


def max_upload_bytes() -> int:
    try:
        return int(float(os.environ.get("OPENDATA_UPLOAD_MAX_MB") or MAX_UPLOAD_MB) * (1 << 20))
    except ValueError:
        return MAX_UPLOAD_MB << 20


def runs_dir(home: Path) -> Path:
    return Path(home) / "catalog" / "web_runs"


def command(*args: str) -> list[str]:
    configured = os.environ.get("OPENDATA_INGEST_COMMAND")
    base = shlex.split(configured) if configured else [str(Path(sys.executable).with_name("opendata"))]
    declared = os.environ.get("OPENDATA_DATASETS")     # the declarations the serving deployment uses
    return [*base, "ingest", *(["--datasets", declared] if declared else []), *args]


def drop_in_inbox(home: Path, dataset: str, filename: str, fileobj, limit: int) -> tuple[Path | None, str]:
    """Write the upload into ``inbox/<dataset>/`` (atomically: a dot file renamed when complete, so the sensor
    never sees half a file). (path, "") or (None, an error key: ``upload_too_large``, ``upload_empty``)."""
    folder = Path(home) / "inbox" / dataset
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".upload-{uuid.uuid4().hex}"
    size = 0
    try:
        with open(tmp, "wb") as out:
            while chunk := fileobj.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise OverflowError
                out.write(chunk)
    except OverflowError:
        tmp.unlink(missing_ok=True)
        return None, "upload_too_large"
    if size == 0:
        tmp.unlink(missing_ok=True)
        return None, "upload_empty"
    target = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{files.safe_filename(filename)}"
    os.replace(tmp, target)
    settled = time.time() - SETTLED_AGE      # complete now: the inbox's "still being copied" wait does not apply
    os.utime(target, (settled, settled))
    return target, ""


@dataclass(frozen=True)
class Run:
    id: str
    dataset: str
    kind: str                           # upload / rerun
    user: str
    started: str
    file: str
    state: str                          # running / succeeded / failed / unknown
    finished: str
    outcome: str                        # published / blocked / unchanged / failed / ""
    log: str


def start(home: Path, dataset: str, kind: str, user: str, site_url: str, file: str = "") -> str:
    """Start ``opendata ingest`` in its own session (it outlives the request and the worker); the run id."""
    run_id = uuid.uuid4().hex
    folder = runs_dir(home) / run_id
    folder.mkdir(parents=True)
    args = ["--inbox"] if kind == "upload" else [dataset]
    env = {**os.environ, "OPENDATA_HOME": str(Path(home).resolve()), "OPENDATA_SITE_URL": site_url}
    meta = {"id": run_id, "dataset": dataset, "kind": kind, "user": user, "started": timestamps.now(), "file": file,
            "command": command(*args)}
    # the shell writes the exit status when the command ends, whoever is serving then
    script = '"$@" > "$0/log.txt" 2>&1; echo $? > "$0/rc.tmp"; mv "$0/rc.tmp" "$0/rc"'
    proc = subprocess.Popen(["/bin/sh", "-c", script, str(folder), *meta["command"]], env=env, cwd=str(home),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    meta["pid"] = proc.pid
    (folder / "run.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    _reap_later(proc)
    return run_id


def _reap_later(proc: subprocess.Popen) -> None:
    """Collect the child's exit status in a thread so it never lingers as a zombie of the server."""
    import threading
    threading.Thread(target=proc.wait, daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def get(home: Path, run_id: str) -> Run | None:
    if not _RUN_ID.fullmatch(run_id or ""):
        return None
    folder = runs_dir(home) / run_id
    try:
        meta = json.loads((folder / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    log_path = folder / "log.txt"
    log = log_path.read_text("utf-8", errors="replace")[-20_000:] if log_path.is_file() else ""
    rc_path = folder / "rc"
    finished, outcome = "", ""
    if rc_path.is_file():
        rc = rc_path.read_text().strip()
        finished = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(rc_path.stat().st_mtime))
        outcome = _outcome(log, meta["dataset"]) or ("" if rc == "0" else "failed")
        # the CLI exits 1 when the gate blocks a version: the run itself worked, its result says "blocked"
        state = "succeeded" if rc == "0" or outcome in ("published", "blocked", "unchanged") else "failed"
    else:
        state = "running" if _alive(int(meta.get("pid") or 0)) else "unknown"
    return Run(id=run_id, dataset=meta["dataset"], kind=meta["kind"], user=meta.get("user", ""),
               started=meta["started"], file=meta.get("file", ""), state=state, finished=finished, outcome=outcome,
               log=log)


def _outcome(log: str, dataset: str) -> str:
    """The dataset's status in the CLI's summary table (``公開 published``, ``差止 blocked`` …)."""
    for line in log.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line)]
        if dataset in cells:
            for word, outcome in OUTCOMES.items():
                if word in cells:
                    return outcome
    return ""


def recent(home: Path, dataset: str, limit: int = 5) -> list[Run]:
    folder = runs_dir(home)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*/run.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:200]:
        try:
            if json.loads(path.read_text("utf-8")).get("dataset") == dataset:
                run = get(home, path.parent.name)
                if run:
                    found.append(run)
        except (OSError, ValueError):
            continue
        if len(found) >= limit:
            break
    return found


def busy(home: Path, dataset: str) -> bool:
    return any(r.state == "running" for r in recent(home, dataset, limit=3))
