"""Check digits: published examples, and generate→validate round trips (hypothesis)."""
import pandas as pd
from hypothesis import given, settings, strategies as st

from quality.codes import (corp_check_digit, corporate_number_valid, lg_check_digit, lg_code_valid,
                           mynumber_check_digit, mynumber_valid, with_lg_check_digit)
from quality.personal import mynumber_free


def test_lg_check_digit_known_codes():
    # 東京都, 千代田区, 江東区, 北区, 立川市 (r = 0 → 1), 札幌市 (jp_standards.md §1b)
    assert [with_lg_check_digit(c) for c in ["13000", "13101", "13108", "13117", "13202", "01100"]] == \
        ["130001", "131016", "131083", "131172", "132021", "011002"]


def test_lg_code_valid_vectorised():
    s = pd.Series(["131016", "131017", "13101", "１３１０１６", None, "1310160"])
    assert lg_code_valid(s).tolist() == [True, False, False, False, False, False]


def test_mynumber_known_values():
    assert mynumber_check_digit("12345678901") == 8
    assert mynumber_check_digit("98765432109") == 3
    assert mynumber_valid(pd.Series(["123456789018", "123456789017"])).tolist() == [True, False]


def test_corporate_number_known_values():
    assert corp_check_digit("000012050002") == 7            # 国税庁 7000012050002
    assert corp_check_digit("000020130001") == 8            # 東京都 8000020130001
    assert corp_check_digit("000020131083") == 6            # 江東区 6000020131083
    s = pd.Series(["7000012050002", "8000020130001", "1000020131083", "0000020131083", "800002013000"])
    assert corporate_number_valid(s).tolist() == [True, True, False, False, False]


@settings(deadline=None)     # shared, loaded machine: no per-example time limit
@given(st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_lg_round_trip(base):
    code = base + str(lg_check_digit(base))
    wrong = base + str((lg_check_digit(base) + 1) % 10)
    assert lg_code_valid(pd.Series([code, wrong])).tolist() == [True, False]


@settings(deadline=None)     # shared, loaded machine: no per-example time limit
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_mynumber_round_trip(base):
    number = base + str(mynumber_check_digit(base))
    wrong = base + str((mynumber_check_digit(base) + 1) % 10)
    assert mynumber_valid(pd.Series([number, wrong])).tolist() == [True, False]
    grouped = f"{number[:4]} {number[4:8]} {number[8:]}"
    assert mynumber_free(pd.Series([grouped, number]), context=False).tolist() == [False, True]


@settings(deadline=None)     # shared, loaded machine: no per-example time limit
@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_corporate_round_trip(base):
    number = str(corp_check_digit(base)) + base
    wrong = str(corp_check_digit(base) % 9 + 1) + base
    assert corporate_number_valid(pd.Series([number, wrong])).tolist() == [True, False]
