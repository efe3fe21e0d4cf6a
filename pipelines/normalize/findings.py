"""Findings raised while reading and normalising, accumulated over streamed batches into ``Finding``s."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from quality.findings import Finding

MAX_ROWS, MAX_EXAMPLES = 50, 5

# type: (family, severity, message_ja, message_en)
KINDS = {
    "invalid-date": ("conversion", "warning", "日付として解釈できない値を空欄にしました", "values that are not dates were set to null"),
    "era-overflow": ("conversion", "warning", "元号の終了後の和暦日付を西暦に換算しました",
                     "和暦 dates after the end of their era were converted"),
    "invalid-time": ("conversion", "warning", "時刻（HH:MM）として解釈できない値を空欄にしました",
                     "values that are not times (HH:MM) were set to null"),
    "invalid-datetime": ("conversion", "warning", "日時として解釈できない値を空欄にしました",
                         "values that are not date-times were set to null"),
    "invalid-integer": ("conversion", "warning", "整数として解釈できない値を空欄にしました",
                        "values that are not integers were set to null"),
    "invalid-number": ("conversion", "warning", "数値として解釈できない値を空欄にしました",
                       "values that are not numbers were set to null"),
    "invalid-coordinate": ("conversion", "warning", "緯度・経度として解釈できない値を空欄にしました",
                           "values that are not coordinates were set to null"),
    "zero-coordinate": ("conversion", "warning", "緯度・経度の 0（仮の値）を空欄にしました",
                        "latitude/longitude 0 (a placeholder) was set to null"),
    "swapped-lat-lon": ("conversion", "warning", "緯度と経度が入れ替わっていたため入れ替えました",
                        "latitude and longitude were swapped and have been exchanged"),
    "time-range-split": ("conversion", "warning", "時刻の範囲（開始～終了）を開始時刻と終了時刻に分けました",
                         "time ranges (start–end) were split into start and end times"),
    "lg-code-repaired": ("codes", "warning", "5桁の全国地方公共団体コードを6桁に補完しました（検査数字の付加、または表計算ソフトで失われた先頭の0）",
                         "5-digit 団体コード were completed to 6 digits (check digit appended, or the leading 0 a "
                         "spreadsheet dropped restored)"),
    "short-row": ("structure", "warning", "列数が足りない行を空欄で補いました", "rows with too few fields were padded"),
    "long-row": ("structure", "error", "列数が多すぎる行の余分な値を切り捨てました",
                 "rows with too many fields lost their extra values"),
    "values-in-unnamed-column": ("structure", "warning", "見出しのない列に値があります",
                                 "a column without a header holds values"),
    "row-numbers-approximate": ("structure", "warning", "行番号を正確に特定できませんでした",
                                "source line numbers could not be determined exactly"),
    "duplicate-column": ("structure", "warning", "同じ標準項目に対応する列が複数あります。最初の列を使いました",
                         "several source columns map to the same standard column; the first was used"),
    "no-header": ("structure", "error", "見出し行が見つかりません。宣言の read.names で列名を与えてください",
                  "no header row was found; give the column names with read.names in the declaration"),
    "unreadable-source": ("structure", "error", "ファイルを読み取れません（理由は例を参照）。隔離し、前の版の公開を続けます",
                          "the file cannot be read (the reason is in the examples); it was quarantined and the "
                          "previous version stays published"),
    "no-data-rows": ("structure", "error", "データ行が1行もありません。隔離し、前の版の公開を続けます",
                     "the file has no data rows; it was quarantined and the previous version stays published"),
    "unmapped-required-column": ("structure", "error",
                                 "標準の必須列に対応する列が見つかりません（例は近い列と類似度）。宣言の columns: で対応付けてください",
                                 "no source column maps to this required standard column (examples: the nearest "
                                 "columns and their similarity); map one with columns: in the declaration"),
    "mojibake-repaired": ("conversion", "warning", "文字化け（Shift_JIS/UTF-8 の取り違え）を修復しました（例: 修復前 → 修復後）",
                          "garbled text (Shift_JIS/UTF-8 mix-up) was repaired (examples: before → after)"),
    "mojibake": ("conversion", "error", "文字化けした値があり、確実には修復できません。元のファイルを確認してください",
                 "values are garbled (文字化け) and cannot be repaired with certainty; check the source file"),
    "halfwidth-kana-repaired": ("format", "warning", "全角カナの列の半角カナを全角に変換しました（例: 公開時の値 → 変換後）",
                                "half-width kana in a full-width katakana column were converted (examples: as "
                                "published → converted)"),
    "dates-normalised": ("conversion", "warning", "標準で型の決まっていない列の日付（和暦・米国式など）を ISO 形式（YYYY-MM-DD）に揃えました（例: 元の値 → 変換後）",
                         "dates in a column the standard does not type (和暦, US order …) were written as ISO "
                         "YYYY-MM-DD (examples: as published → converted)"),
    "dates-not-normalised": ("conversion", "warning", "日付の列と見られますが、日付として解釈できない値があるため、その値は公開時のまま残しました（例: 解釈できない値）",
                             "a column that looks like dates holds values that are not dates; those were left as "
                             "published (examples: the values not understood)"),
    "blank-rows": ("structure", "warning", "空行（区切り文字だけの行を含む）を取り除きました。レコードとしては公開しません",
                   "blank rows (including rows of separators only) were dropped; they are not published as records"),
    "notes-rows": ("structure", "warning", "データの下の注記・出典の行をデータから外し、リソースの注記として残しました",
                   "notes rows below the data (注記, 出典) were taken out of the data and kept as the resource's notes"),
}


@dataclass
class _Acc:
    count: int = 0
    rows: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


class FindingLog:
    """Collects offending rows/values per (type, column) across batches; ``findings()`` builds the result."""

    def __init__(self) -> None:
        self._acc: dict[tuple[str, str | None], _Acc] = {}
        self.notes: list[tuple[int | None, str]] = []   # (source line, text) of notes rows below the data
        self._lock = threading.Lock()        # the reader thread logs ragged rows while the main thread converts

    def add(self, type_: str, column: str | None, rows=(), examples=(), count: int | None = None) -> None:
        if type_ not in KINDS:
            raise KeyError(f"unknown finding type {type_!r}")
        rows = [int(r) for r in rows if r is not None]
        with self._lock:
            acc = self._acc.setdefault((type_, column), _Acc())
            acc.count += count if count is not None else max(len(rows), 1)
            acc.rows.extend(rows[: MAX_ROWS - len(acc.rows)])
            for ex in examples:
                if len(acc.examples) >= MAX_EXAMPLES:
                    break
                if ex is not None and str(ex) not in acc.examples:
                    acc.examples.append(str(ex))

    def findings(self) -> list[Finding]:
        out = []
        for (type_, column), acc in self._acc.items():
            family, severity, ja, en = KINDS[type_]
            out.append(Finding(type=type_, severity=severity, family=family, message_ja=ja, message_en=en,
                               column=column, rows=tuple(sorted(acc.rows)), count=acc.count,
                               examples=tuple(acc.examples)))
        return out
