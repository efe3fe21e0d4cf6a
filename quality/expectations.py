"""Great Expectations custom expectations for the Japanese rules (importing this module registers them).

Each is a ColumnMapExpectation whose pandas metric calls a vectorised predicate from ``quality.checks`` or
``quality.personal``; the logic lives there so it can be unit-tested without GX. Only pandas is provided:
GX's SQL engine does not work with DuckDB here (see reference/dagster_duckdb_gx.md §3.4).
"""
from __future__ import annotations

from typing import Callable, ClassVar

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

from quality import checks, personal


def _metric(name: str, predicate: Callable, keys: tuple[str, ...] = ()) -> type:
    """Register a column-map metric ``column_values.jp_<name>`` computed by ``predicate(column, **params)``.

    Missing values pass (they are the not-null rule's business). GX would drop them by copying the whole
    frame twice per rule (``filter_column_isnull``); handling them here keeps every rule a column operation.
    On a categorical column the predicate runs once per distinct value and the answer is spread by code.
    """
    def _pandas(cls, column, **kwargs):
        params = {k: kwargs[k] for k in keys}
        if isinstance(column.dtype, pd.CategoricalDtype):
            ok = _passes(predicate(pd.Series(column.cat.categories), **params))
            ok = np.append(ok, True)                        # code -1 (missing) → the last slot → passes
            return pd.Series(ok[column.cat.codes.to_numpy()], index=column.index)
        return pd.Series(_passes(predicate(column, **params)) | column.isna().to_numpy(), index=column.index)

    body = {"condition_metric_name": f"column_values.jp_{name}", "condition_value_keys": keys,
            "filter_column_isnull": False,
            "_pandas": column_condition_partial(engine=PandasExecutionEngine, filter_column_isnull=False)(_pandas)}
    return type(f"JpMetric_{name}", (ColumnMapMetricProvider,), body)


def _passes(result) -> np.ndarray:
    """A predicate's answer as a plain bool array (undecidable = does not pass; missing inputs are handled above)."""
    return pd.Series(result).fillna(False).to_numpy(dtype=bool)


_metric("lg_code", checks.lg_code_ok)
_metric("lg_check_digit", checks.lg_code_has_check_digit)
_metric("lg_area", checks.lg_code_in_area, ("publisher_code",))
_metric("corporate_number", checks.corporate_number_ok)
_metric("coordinate_numeric", checks.coordinate_numeric)
_metric("coordinate_nonzero", checks.coordinate_nonzero)
_metric("coordinate_between", checks.coordinate_between, ("min_value", "max_value"))
_metric("coordinate_in_box", checks.coordinate_in_box, ("min_value", "max_value", "axis"))
_metric("phone", checks.phone_ok)
_metric("postal_code", checks.postal_code_ok)
_metric("iso_date", checks.date_ok)
_metric("hhmm_time", checks.time_ok)
_metric("url", checks.url_ok)
_metric("email", checks.email_ok)
_metric("katakana", checks.katakana_ok)
_metric("halfwidth_number", checks.number_ok, ("integer",))
_metric("no_my_number", personal.mynumber_free, ("context",))
_metric("no_personal_email", personal.personal_email_free)
_metric("no_person_name", personal.person_name_free)


class _JpExpectation(ColumnMapExpectation):
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


# Codes

class ExpectColumnValuesToBeValidLgCode(_JpExpectation):
    """全国地方公共団体コード: 6 half-width digits whose last digit is the 総務省 check digit (or 5 digits)."""
    map_metric = "column_values.jp_lg_code"


class ExpectColumnValuesToHaveLgCheckDigit(_JpExpectation):
    """A 5-digit 団体コード lacks its check digit (repairable: append it)."""
    map_metric = "column_values.jp_lg_check_digit"


class ExpectColumnValuesToBeInPublisherArea(_JpExpectation):
    """The code names the publisher's own municipality (or a municipality of the publishing prefecture)."""
    map_metric = "column_values.jp_lg_area"
    publisher_code: str
    success_keys = ("mostly", "publisher_code")


class ExpectColumnValuesToBeValidCorporateNumber(_JpExpectation):
    """法人番号: 13 digits with the leading 国税庁 check digit."""
    map_metric = "column_values.jp_corporate_number"


# Coordinates

class ExpectColumnValuesToBeNumericCoordinate(_JpExpectation):
    """緯度/経度 are decimal degrees."""
    map_metric = "column_values.jp_coordinate_numeric"


class ExpectColumnValuesToBeNonZeroCoordinate(_JpExpectation):
    """0 is a placeholder for a missing coordinate."""
    map_metric = "column_values.jp_coordinate_nonzero"


class ExpectColumnValuesToBeCoordinateBetween(_JpExpectation):
    """Inside Japan (lat 20–46, lon 122–154); 0 and non-numbers are other rules' findings."""
    map_metric = "column_values.jp_coordinate_between"
    min_value: float
    max_value: float
    success_keys = ("mostly", "min_value", "max_value")


class ExpectColumnValuesToBeInsideMunicipalityBox(_JpExpectation):
    """Inside the publisher's municipality bounding box (approximate, generous)."""
    map_metric = "column_values.jp_coordinate_in_box"
    min_value: float
    max_value: float
    axis: str
    success_keys = ("mostly", "min_value", "max_value", "axis")


# Formats

class ExpectColumnValuesToBeGifPhoneNumber(_JpExpectation):
    """GIF DS-445 phone: 03-1234-5678, (054)626-1139, +81 …, ' / ' lists, 内線."""
    map_metric = "column_values.jp_phone"


class ExpectColumnValuesToBePostalCode(_JpExpectation):
    """郵便番号 NNN-NNNN."""
    map_metric = "column_values.jp_postal_code"


class ExpectColumnValuesToBeIsoDate(_JpExpectation):
    """GIF DS-441 date YYYY-MM-DD (和暦 converted to 西暦)."""
    map_metric = "column_values.jp_iso_date"


class ExpectColumnValuesToBeHhmmTime(_JpExpectation):
    """時刻（hh:mm）, 24-hour clock."""
    map_metric = "column_values.jp_hhmm_time"


class ExpectColumnValuesToBeHttpUrl(_JpExpectation):
    """A well-formed http(s) URL."""
    map_metric = "column_values.jp_url"


class ExpectColumnValuesToBeEmailAddress(_JpExpectation):
    """A well-formed e-mail address."""
    map_metric = "column_values.jp_email"


class ExpectColumnValuesToBeFullwidthKatakana(_JpExpectation):
    """_カナ columns: 全角カナ."""
    map_metric = "column_values.jp_katakana"


class ExpectColumnValuesToBeHalfwidthNumber(_JpExpectation):
    """数値（半角数字）."""
    map_metric = "column_values.jp_halfwidth_number"
    integer: bool = False
    success_keys = ("mostly", "integer")


# Personal data

class ExpectColumnValuesToNotContainMyNumber(_JpExpectation):
    """No 個人番号: a check-digit-valid 12-digit number, grouped 4-4-4 or in a column named for it."""
    map_metric = "column_values.jp_no_my_number"
    context: bool = False
    success_keys = ("mostly", "context")


class ExpectColumnValuesToNotContainPersonalEmail(_JpExpectation):
    """No personal e-mail (free-mail / mobile-carrier domains)."""
    map_metric = "column_values.jp_no_personal_email"


class ExpectColumnValuesToNotBePersonName(_JpExpectation):
    """No individual's name in a representative/establisher/owner column."""
    map_metric = "column_values.jp_no_person_name"
