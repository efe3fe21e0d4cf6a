"""Helpers for tests that run real servers on 127.0.0.1."""
from __future__ import annotations

import contextlib
import socket
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
