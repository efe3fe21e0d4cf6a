"""Check digits of Japanese public codes: 全国地方公共団体コード, 個人番号 (My Number), 法人番号.

Scalar functions are the readable definitions (and what the property tests round-trip); the ``*_valid``
functions apply the same arithmetic to a whole pandas Series at once (numpy over a digit matrix), because
the rules run on million-row tables.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

LG_WEIGHTS = (6, 5, 4, 3, 2)
MYNUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# 法人番号: weights 1,2,1,2… counted from the RIGHT of the 12-digit base; written left to right below.
CORP_WEIGHTS = tuple(2 if (12 - i) % 2 == 0 else 1 for i in range(12))


def lg_check_digit(code5: str) -> int:
    """総務省: weights 6,5,4,3,2; check = (11 - S mod 11) mod 10 (r=0 → 1, r=1 → 0)."""
    s = sum(int(d) * w for d, w in zip(code5, LG_WEIGHTS))
    return (11 - s % 11) % 10


def mynumber_check_digit(base11: str) -> int:
    """番号法施行令: weights 6,5,4,3,2,7,6,5,4,3,2; r = S mod 11; check = 0 if r <= 1 else 11 - r."""
    r = sum(int(d) * w for d, w in zip(base11, MYNUMBER_WEIGHTS)) % 11
    return 0 if r <= 1 else 11 - r


def corp_check_digit(base12: str) -> int:
    """国税庁: check = 9 - (Σ Pn·Qn mod 9), Qn = 1 for odd n, 2 for even n, n counted from the right."""
    s = sum(int(d) * w for d, w in zip(base12, CORP_WEIGHTS))
    return 9 - s % 9


def with_lg_check_digit(code5: str) -> str:
    return code5 + str(lg_check_digit(code5))


def _digit_matrix(values: pd.Series, width: int) -> np.ndarray:
    """Rows of ``width`` ASCII digits → (n, width) int matrix. Callers guarantee the shape by regex first."""
    if values.empty:
        return np.zeros((0, width), dtype=np.int64)
    buf = "".join(values.astype(str).tolist()).encode("ascii")
    return np.frombuffer(buf, dtype=np.uint8).reshape(-1, width).astype(np.int64) - 48


def _lg_checks(m: np.ndarray) -> np.ndarray:
    return (11 - (m[:, :5] @ np.array(LG_WEIGHTS)) % 11) % 10


def lg_check_digits(code5: pd.Series) -> np.ndarray:
    """``lg_check_digit`` of every value (input must be 5 ASCII digits each)."""
    return _lg_checks(_digit_matrix(code5, 5))


def lg_code_valid(values: pd.Series) -> pd.Series:
    """True where the value is 6 half-width digits whose last digit is the check digit."""
    s = values.astype("string")
    ok = s.str.fullmatch(r"[0-9]{6}").fillna(False).astype(bool)
    m = _digit_matrix(s[ok], 6)
    out = pd.Series(False, index=values.index)
    out[ok] = _lg_checks(m) == m[:, 5]
    return out


def mynumber_valid(digits12: pd.Series) -> pd.Series:
    """True where a 12-digit string carries a valid My Number check digit (input must be 12 ASCII digits)."""
    m = _digit_matrix(digits12, 12)
    r = (m[:, :11] @ np.array(MYNUMBER_WEIGHTS)) % 11
    check = np.where(r <= 1, 0, 11 - r)
    return pd.Series(check == m[:, 11], index=digits12.index)


def corporate_number_valid(values: pd.Series) -> pd.Series:
    """True where the value is 13 half-width digits with a valid LEADING check digit."""
    s = values.astype("string")
    ok = s.str.fullmatch(r"[1-9][0-9]{12}").fillna(False).astype(bool)
    m = _digit_matrix(s[ok], 13)
    check = 9 - (m[:, 1:] @ np.array(CORP_WEIGHTS)) % 9
    out = pd.Series(False, index=values.index)
    out[ok] = check == m[:, 0]
    return out


def is_municipality(code: str) -> bool:
    """A 6-digit code names a prefecture when its JIS X 0402 part is 000 (e.g. 130001 東京都)."""
    return code[2:5] != "000"
