"""Helpers for tests that run real servers on 127.0.0.1."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def catalog_server(home: Path, url: str | None = None) -> Iterator[str]:
    """The catalog app for ``home`` served by uvicorn on 127.0.0.1 in a thread; yields its URL."""
    import uvicorn

    from catalog.app import create_app

    url = url or f"http://127.0.0.1:{free_port()}"
    config = uvicorn.Config(create_app(home, url), host="127.0.0.1", port=int(url.rsplit(":", 1)[1]),
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        assert time.time() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class ServerProcess:
    """``opendata serve`` on 127.0.0.1 in its own process (so its memory can be measured), stopped by its pid."""

    def __init__(self, home, *args: str, port: int | None = None, env: dict | None = None):
        import os
        import subprocess
        import sys
        from pathlib import Path

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cli = str(Path(sys.executable).with_name("opendata"))
        environment = {**os.environ, "OPENDATA_HOME": str(home), **(env or {})}
        if "OPENDATA_SITE_URL" not in (env or {}):
            environment.pop("OPENDATA_SITE_URL", None)  # the site URL is http://127.0.0.1:<port> unless given
        self.process = subprocess.Popen([cli, "serve", "--host", "127.0.0.1", "--port", str(self.port), *args],
                                        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait()

    def _wait(self, seconds: float = 60) -> None:
        import time

        import requests

        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                if requests.get(f"{self.url}/api/3", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def peak_rss_mb(self) -> float:
        """The server's peak resident memory so far (VmHWM), in MB."""
        for line in open(f"/proc/{self.process.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a server that ignores SIGTERM is killed
            self.process.kill()
            self.process.wait(timeout=10)


class Postgres:
    """A throwaway PostgreSQL cluster from Debian's ``postgresql`` package: ``initdb`` in a temp folder, started
    on a free port as the ``postgres`` user (PostgreSQL refuses root), stopped by the postmaster's pid."""

    def __init__(self):
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            raise FileNotFoundError("PostgreSQL binaries not installed (Debian package postgresql; ./dev setup)")
        self.bin = found[-1].parent
        # its own folder under /tmp: the postgres user must reach it (pytest's tmp_path is private to root)
        self.dir = Path(tempfile.mkdtemp(prefix="opendata-pg-"))
        self.port = free_port()
        self.pid: int | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        """SQLAlchemy URL (2.1 defaults to the psycopg 3 driver; dagster-postgres brings psycopg2)."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *cmd], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> "Postgres":
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        self.pid = int((data / "postmaster.pid").read_text().split()[0])
        return self

    def stop(self) -> None:
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)               # "fast" shutdown
            _wait_gone(self.pid)
            self.pid = None
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """Debian's ``redis-server`` on a free port, no persistence, stopped by its pid."""

    def __init__(self, root: Path):
        self.exe = shutil.which("redis-server")
        if not self.exe:
            raise FileNotFoundError("redis-server not installed (Debian package redis-server; ./dev setup)")
        self.dir, self.port, self.proc = root, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
            self.proc = None


def _wait_gone(pid: int, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
