"""The data home (``OPENDATA_HOME``): one folder for everything the platform writes (layout in docs/INTERFACES.md)."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = REPO_ROOT / "datasets"


def resolve_home(value: str | os.PathLike | None = None) -> Path:
    """``value``, else ``$OPENDATA_HOME``, else ``./var`` — resolved to an absolute path."""
    return Path(value or os.environ.get("OPENDATA_HOME") or "var").resolve()


def relative_to_home(path: str | os.PathLike, home: Path) -> str:
    """``path`` relative to the data home (POSIX separators) when it lies inside it, else unchanged: nothing under
    the home stores an absolute path, so a home can be moved or copied to another machine."""
    try:
        return Path(path).resolve().relative_to(Path(home).resolve()).as_posix()
    except ValueError:
        return str(path)


PG_URL_ENV = "OPENDATA_DAGSTER_PG_URL"
# Dagster's run, event-log and schedule storage on PostgreSQL (dagster-postgres). The URL (with its password)
# stays in the environment: the file only names the variable.
PG_STORAGE = f"""
storage:
  postgres:
    postgres_url:
      env: {PG_URL_ENV}
"""


# SQLite (the default): Dagster's own per-run event-log files, written through pipelines.dagster_storage
# (pooled connections, synchronous=NORMAL, one transaction per event or batch). Relative base_dir: the home moves.
SQLITE_EVENT_LOG = """
event_log_storage:
  module: pipelines.dagster_storage
  class: FastSqliteEventLogStorage
  config:
    base_dir: history/runs
"""
BATCH_ENV = "DAGSTER_EVENT_BATCH_SIZE"


def ensure_dagster_home(home: Path) -> Path:
    """Create ``home/dagster`` holding the repo's ``dagster.yaml`` and return it (the value for DAGSTER_HOME).

    With ``OPENDATA_DAGSTER_PG_URL`` set, Dagster's storage is that PostgreSQL database instead of SQLite files
    under ``home/dagster``: the one setting that lets webserver, daemon and run workers live on different hosts."""
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    target = dagster_home / "dagster.yaml"
    src = (REPO_ROOT / "dagster.yaml").read_text("utf-8")
    src += PG_STORAGE if os.environ.get(PG_URL_ENV) else SQLITE_EVENT_LOG
    # Dagster writes the planned events of a run (and partitioned steps' events) through store_event_batch
    # only when this is > 0: one transaction for a run's thousands of *_PLANNED events.
    os.environ.setdefault(BATCH_ENV, "1000")
    if not target.exists() or target.read_text("utf-8") != src:
        atomic_write_text(target, src)
    return dagster_home


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_json(path: Path, obj: object) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def read_json(path: Path, default: object = None) -> object:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return default

