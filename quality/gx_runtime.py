"""The one ephemeral GX context of this process (importing GX costs seconds; pay it once) and suite runs."""
from __future__ import annotations

import threading
from functools import cache

import pandas as pd

# Rows kept per finding: GX returns at most this many failing rows/values (counts are always exact).
ROW_LIMIT = 1000
_lock = threading.Lock()   # GX contexts are not thread-safe; Dagster may run checks in threads


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    import quality.expectations  # noqa: F401  (registers the custom expectations)

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = ctx.data_sources.add_pandas("opendata").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("whole")


def result_format(row_column: str) -> dict:
    return {"result_format": "SUMMARY", "unexpected_index_column_names": [row_column],
            "partial_unexpected_count": ROW_LIMIT}


def run_suite(df: pd.DataFrame, expectations: list, name: str, row_column: str):
    """Validate ``df`` against ``expectations`` with GX; returns the ExpectationSuiteValidationResult."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=name, expectations=expectations)
    with _lock:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": df})
        return batch.validate(suite, result_format=result_format(row_column))
