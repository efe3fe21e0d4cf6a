"""Imported once by the multiprocess executor's forkserver (``PRELOAD`` in ``pipelines.definitions``): builds the
run's definitions there, so every step process forked from it finds them built (``defs`` caches per input)
instead of rebuilding them (seconds at 1,000 datasets)."""
import os

if os.environ.get("OPENDATA_DATASETS"):
    from pipelines.definitions import defs

    try:
        defs()
    except Exception:  # noqa: BLE001 - a step builds (and reports) them itself
        pass
