"""The one ephemeral GX context of this process (importing GX costs seconds; pay it once) and suite runs.

Two GX defaults cost more than the rules themselves on big tables, and both are switched off here:
- GX fingerprints every pandas batch by hashing the whole frame, twice per validation (~1 s per million
  rows each time); nothing here reads the fingerprint, so the size threshold below which it hashes is set to 0.
- ``unexpected_index_column_names`` makes GX look up the named column once per failing row in Python (and
  for every failing row, before truncating to ``partial_unexpected_count``): a column that is wrong on every
  row of a 1 M-row table took minutes. Instead the frame's index *is* the source line number, which GX
  returns as ``partial_unexpected_index_list`` with one vectorised call.
"""
from __future__ import annotations

import threading
from functools import cache

import pandas as pd

# Rows kept per finding: GX returns at most this many failing rows/values (counts are always exact).
ROW_LIMIT = 1000
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": ROW_LIMIT}
_lock = threading.Lock()   # GX contexts are not thread-safe; Dagster may run checks in threads


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    import quality.expectations  # noqa: F401  (registers the custom expectations)

    pandas_execution_engine.HASH_THRESHOLD = 0     # no batch fingerprint (see the module docstring)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = ctx.data_sources.add_pandas("opendata").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("whole")


def run_suite(df: pd.DataFrame, expectations: list, name: str):
    """Validate ``df`` (indexed by source line number) against ``expectations`` with GX.

    Returns the ExpectationSuiteValidationResult; ``partial_unexpected_index_list`` holds line numbers.
    """
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=name, expectations=expectations)
    with _lock:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": df})
        return batch.validate(suite, result_format=RESULT_FORMAT)
