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
