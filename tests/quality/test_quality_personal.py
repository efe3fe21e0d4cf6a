"""Personal-data detectors: My Number (check digit + context), personal e-mail, names of individuals; masking."""
import pandas as pd
import pyarrow as pa
import pytest

from quality import validate_table
from quality.personal import (mask_digits, mask_email, mask_name, mynumber_free, person_name_free,
                              personal_email_free)

VALID_MN = "123456789018"     # synthetic: base 12345678901 + check digit 8
INVALID_MN = "123456789017"


@pytest.mark.parametrize("value, context, personal", [
    ("1234 5678 9018", False, True),          # grouped with spaces
    ("1234-5678-9018", False, True),          # grouped with hyphens
    ("番号：１２３４ ５６７８ ９０１８", False, True),   # full-width digits (NFKC)
    (VALID_MN, False, False),                 # bare 12 digits without context: 1 in 10 random numbers pass
    (VALID_MN, True, True),                   # …but in a column named 個人番号 it counts
    ("1234 5678 9017", False, False),         # wrong check digit
    ("1234-5678-9018-2", False, False),       # inside a longer digit run
    ("91234 5678 9018", False, False),
    ("8000020130001", True, False),           # 法人番号 (13 digits) is not a My Number
])
def test_my_number(value, context, personal):
    assert mynumber_free(pd.Series([value]), context=context).tolist() == [not personal]


def test_random_twelve_digit_numbers_do_not_trip_without_context():
    import random
    rng = random.Random(7)
    values = pd.Series(["".join(rng.choice("0123456789") for _ in range(12)) for _ in range(2000)])
    assert mynumber_free(values, context=False).all()


@pytest.mark.parametrize("value, personal", [
    ("taro.yamada@gmail.com", True), ("連絡先 hanako@yahoo.co.jp まで", True), ("x@i.softbank.jp", True),
    ("abc@ezweb.ne.jp", True), ("a@ICLOUD.com", True), ("k@docomo.ne.jp", True),
    ("opendata@city.koto.lg.jp", False), ("info@digital.go.jp", False), ("info@example.org", False),
    ("a@gmail.com.example.org", False), ("gmail.com", False),
])
def test_personal_email(value, personal):
    assert personal_email_free(pd.Series([value])).tolist() == [not personal]


@pytest.mark.parametrize("value, personal", [
    ("理事長　山田　太郎", True), ("代表取締役　佐藤　花子", True), ("院長 鈴木 一郎", True),
    ("園長\u3000高橋\u3000みどり", True), ("山田　太郎", True), ("森　信博", True), ("山田太郎", True),
    ("株式会社テスト　代表取締役　中村　次郎", True), ("社会福祉法人　ひかり会　理事長　田中　一", True),
    ("テスト小児科医院　飛田　董", True), ("株式会社X　代表取締役　スミス　ジョン", True),
    ("山田　太郎、佐藤　花子", True), ("理事長　村上　景子（溝渕　景子）", True),
    ("香川県知事", False), ("高松市長", False), ("厚生労働大臣", False), ("医療法人和光会", False),
    ("医療法人 和光会", False), ("社会福祉法人 柊会", False), ("日本赤十字社", False), ("高松市", False),
    ("独立行政法人国立病院機構", False), ("株式会社クラブキッズ", False), ("水任流保存会", False),
    ("高松市 中央公園", False), ("理事長", False), ("香川県", False),
])
def test_person_name(value, personal):
    assert person_name_free(pd.Series([value])).tolist() == [not personal]


def test_masks_never_echo_the_name_or_number():
    assert mask_name("理事長　山田　太郎") == "理事長　山**　**"
    assert mask_name("山田　太郎、佐藤　花子") == "山**　**、佐**　**"
    assert mask_name("株式会社テスト　代表取締役　中村　次郎") == "株式会社テスト　代表取締役　中**　**"
    assert mask_name("山田太郎") == "山**"
    assert mask_digits("1234 5678 9012") == "********9012"
    assert mask_email("連絡先 taro.yamada@gmail.com") == "t***@gmail.com"


def test_personal_findings_in_a_table_are_errors_with_masked_examples():
    table = pa.table({
        "代表者": ["理事長　山田　太郎", "株式会社テスト", None],
        "備考": ["担当 taro@gmail.com", "opendata@city.koto.lg.jp", "番号 1234 5678 9018"],
        "個人番号": [None, VALID_MN, INVALID_MN],
        "法人番号": ["8000020130001", None, None],
        "電話番号": ["090-1234-5678", None, None],
        "_row": [5, 6, 9],
    })
    r = validate_table(table, None)
    assert r.flatten(["type", "column", "rows", "examples", "severity", "family"]) == [
        ["personal-name", "代表者", (5,), ("理事長　山**　**",), "error", "personal-data"],
        ["personal-my-number", "備考", (9,), ("********9018",), "error", "personal-data"],
        ["personal-email", "備考", (5,), ("t***@gmail.com",), "error", "personal-data"],
        ["personal-my-number", "個人番号", (6,), ("********9018",), "error", "personal-data"],
    ]
    assert not r.valid
    text = str(r.to_dict())
    assert "山田" not in text and "taro@" not in text and VALID_MN not in text
