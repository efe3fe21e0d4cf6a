"""Helpers for tests that run real servers on 127.0.0.1."""
from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
