"""Big tables take the fast path (categorical text columns, row numbers as the GX index): same findings as small."""
import numpy as np
import pyarrow as pa

from quality import validate_table
from quality.gx_runtime import ROW_LIMIT
from quality.validate import CATEGORICAL_MIN_ROWS, _frame
from tests.quality.test_quality_rules import STD

N = CATEGORICAL_MIN_ROWS + 2_000


def _table(n: int) -> pa.Table:
    i = np.arange(n)
    vocab = np.where(i % 97 == 5, "○", np.where(i % 2, "有", "無")).astype(object)
    vocab[i % 101 == 7] = "  "                      # blank = missing, not a vocabulary error
    kana = np.where(i % 89 == 3, "ｺｳｴﾝ", "コウエン").astype(object)
    times = np.full(n, "9時", dtype=object)          # wrong on every row
    return pa.table({
        "名称": np.char.add("施設", i.astype(str)).astype(object).tolist(),
        "ID": i.astype(str).tolist(),
        "有無": vocab.tolist(), "名称_カナ": kana.tolist(), "開始時間": times.tolist(),
        "_row": (i * 2 + 5).tolist(),                # source lines are not the DataFrame index
    })


def _by_type(report):
    return {(f.type, f.column): f for f in report.findings}


def test_repetitive_columns_become_categorical_and_blanks_missing():
    df, profile, assumed = _frame(_table(N), "_row")
    assert not assumed and df.index[0] == 5 and df.index[-1] == (N - 1) * 2 + 5
    assert str(df["有無"].dtype) == "category" and str(df["開始時間"].dtype) == "category"
    assert str(df["ID"].dtype) != "category"        # unique: stays text
    assert df["有無"].isna().sum() == sum(1 for k in range(N) if k % 101 == 7)
    assert profile.text >= {"名称", "有無"} and "有無" not in profile.empty


def test_big_table_findings_match_the_rules_row_by_row():
    n = N
    r = validate_table(_table(n), STD)
    found = _by_type(r)
    line = lambda k: k * 2 + 5  # noqa: E731
    vocab_bad = [line(k) for k in range(n) if k % 97 == 5 and k % 101 != 7]
    f = found[("not-in-vocabulary", "有無")]
    assert f.count == len(vocab_bad) and list(f.rows) == vocab_bad[:ROW_LIMIT] and f.examples == ("○",)
    kana_bad = [line(k) for k in range(n) if k % 89 == 3]
    f = found[("not-katakana", "名称_カナ")]
    assert f.count == len(kana_bad) and list(f.rows) == kana_bad[:ROW_LIMIT]
    f = found[("invalid-time", "開始時間")]      # every row fails: exact count, first ROW_LIMIT lines kept
    assert f.count == n and list(f.rows) == [line(k) for k in range(ROW_LIMIT)] and f.examples == ("9時",)
    assert ("missing-required-value", "名称") not in found
    assert r.valid and {f.severity for f in r.findings} == {"warning"}   # format findings do not block


def test_small_and_big_tables_agree():
    """The same 200 rows give the same findings whether validated alone or as the head of a big table."""
    big = validate_table(_table(N), STD)
    small = validate_table(_table(200), STD)
    for f in small.findings:
        g = _by_type(big)[(f.type, f.column)]
        assert list(g.rows[:len(f.rows)]) == list(f.rows)
        assert g.examples == f.examples
