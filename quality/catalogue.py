"""The catalogue of finding types: type → severity, family and the Japanese/English message templates.

Kept free of GX imports so ``quality.license`` and report readers stay cheap to import.
"""
from __future__ import annotations

# Catalogue: type → (severity, family, message_ja, message_en). {column} / {column_en} / {extra} are filled in.
FINDING_TYPES: dict[str, tuple[str, str, str, str]] = {
    "missing-required-column": ("error", "structure", "必須列「{column}」がありません", "required column '{column_en}' is missing"),
    "missing-required-value": ("error", "structure", "必須列「{column}」が空です", "required column '{column_en}' is empty"),
    "duplicate-id": ("error", "structure", "「{column}」が重複しています", "'{column_en}' has duplicate values"),
    "not-in-vocabulary": ("warning", "format", "「{column}」の値が統制語彙（{extra}）にありません",
                          "'{column_en}' is not in the vocabulary ({extra})"),
    "invalid-number": ("warning", "format", "「{column}」が半角数字ではありません", "'{column_en}' is not a half-width number"),
    "invalid-lg-code": ("error", "codes", "「{column}」が全国地方公共団体コード（6桁・検査数字付き）ではありません",
                        "'{column_en}' is not a valid local government code (6 digits with check digit)"),
    "lg-code-without-check-digit": ("warning", "codes", "「{column}」が5桁です（検査数字なし・補完可能）",
                                    "'{column_en}' has 5 digits (no check digit; repairable)"),
    "lg-code-not-publisher": ("warning", "codes", "「{column}」が公開団体（{extra}）のコードと一致しません",
                              "'{column_en}' is not the publisher's code ({extra})"),
    "location-outside-publisher-area": ("warning", "codes", "「{column}」が公開団体（{extra}）の区域外です",
                                        "'{column_en}' is outside the publisher's area ({extra})"),
    "invalid-corporate-number": ("error", "codes", "「{column}」が法人番号（13桁・検査数字付き）ではありません",
                                 "'{column_en}' is not a valid corporate number (13 digits with check digit)"),
    "invalid-coordinate": ("error", "geo", "{column}が数値ではありません", "{column_en} is not a number"),
    "coordinate-zero": ("warning", "geo", "{column}が0です（座標未設定）", "{column_en} is 0 (missing coordinate)"),
    "coordinate-outside-japan": ("error", "geo", "{column}が日本の範囲外です（{extra}）", "{column_en} is outside Japan ({extra})"),
    "coordinate-outside-municipality": ("warning", "geo", "{column}が公開団体の区域（概略範囲 {extra}）外です",
                                        "{column_en} is outside the publisher's municipality (approx. {extra})"),
    "invalid-phone": ("warning", "format", "「{column}」が電話番号の形式（GIF DS-445）ではありません",
                      "'{column_en}' is not a phone number in GIF DS-445 form"),
    "invalid-postal-code": ("warning", "format", "「{column}」が郵便番号（NNN-NNNN）ではありません",
                            "'{column_en}' is not a postal code (NNN-NNNN)"),
    "invalid-date": ("warning", "format", "「{column}」が日付（YYYY-MM-DD）ではありません", "'{column_en}' is not a date (YYYY-MM-DD)"),
    "invalid-time": ("warning", "format", "「{column}」が時刻（HH:MM）ではありません", "'{column_en}' is not a time (HH:MM)"),
    "invalid-url": ("warning", "format", "「{column}」がURLではありません", "'{column_en}' is not a URL"),
    "invalid-email": ("warning", "format", "「{column}」がメールアドレスではありません", "'{column_en}' is not an e-mail address"),
    "not-katakana": ("warning", "format", "「{column}」が全角カナではありません", "'{column_en}' is not full-width katakana"),
    "personal-my-number": ("error", "personal-data", "「{column}」に個人番号（マイナンバー）があります",
                           "'{column_en}' contains an Individual Number (My Number)"),
    "personal-email": ("error", "personal-data", "「{column}」に個人のメールアドレスがあります",
                       "'{column_en}' contains a personal e-mail address"),
    "personal-name": ("error", "personal-data", "「{column}」に個人の氏名があります", "'{column_en}' contains a person's name"),
    "non-open-license": ("error", "license", "ライセンス「{extra}」はオープンではありません（非営利・改変禁止）",
                         "licence '{extra}' is not open (non-commercial / no-derivatives)"),
    "check-not-run": ("warning", "structure", "検査「{extra}」を実行できませんでした（{column}）",
                      "check '{extra}' could not run ({column_en})"),
}
COLUMN_EN = {"緯度": "latitude", "経度": "longitude", "全国地方公共団体コード": "local government code",
             "所在地_全国地方公共団体コード": "location local government code", "ID": "ID", "名称": "name",
             "電話番号": "telephone number", "法人番号": "corporate number"}

def message(ftype: str, column: str | None, extra: str = "") -> tuple[str, str]:
    _, _, ja, en = FINDING_TYPES[ftype]
    col = column or ""
    return ja.format(column=col, column_en=COLUMN_EN.get(col, col), extra=extra), \
        en.format(column=col, column_en=COLUMN_EN.get(col, col), extra=extra)
