"""Rows that are not records: blank and all-separator rows (``,,,,,``), and notes rows below the data.

Both are dropped from the table and accounted for: blank rows as the ``blank-rows`` finding (count and source
lines), notes (``※…``, ``出典：…``, ``注1 …`` — one filled cell in the first column) as the resource's notes
(``FindingLog.notes``) and the ``notes-rows`` finding. Vectorised: a column is looked at only while some row
is still a candidate, so a table whose first column is always filled costs one pass over that column.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.normalize.findings import FindingLog

ROW = "_row"
NOTE = r"^\s*(?:[※＊*]|[(（]?注[0-9０-９一二三四五六七八九]*[)）:：\s]|出典|資料|備考[:：]|更新日|作成日|時点|単位[:：]|（?注記|注意[:：]|問い?合わ?せ)"


def _empty(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.fill_null(pc.or_kleene(pc.is_null(col), pc.utf8_is_space(col)), True)


def drop_non_records(table: pa.Table, log: FindingLog) -> pa.Table:
    """``table`` (all-string columns + ``_row``) without its blank and notes rows, both logged."""
    names = [n for n in table.column_names if n != ROW]
    if not names or table.num_rows == 0:
        return table
    rest = None                                  # rows whose columns 2.. are all empty
    for name in names[1:]:
        e = _empty(table.column(name))
        rest = e if rest is None else pc.and_(rest, e)
        if not pc.any(rest).as_py():
            return table
    first = table.column(names[0])
    rest = rest if rest is not None else pa.array([True] * table.num_rows)
    blank = pc.and_(rest, _empty(first))
    note = pc.and_(pc.and_(rest, pc.invert(_empty(first))),
                   pc.fill_null(pc.match_substring_regex(first, NOTE), False))
    drop = pc.or_(blank, note)
    if not pc.any(drop).as_py():
        return table
    rows = table.column(ROW)
    if pc.any(blank).as_py():
        log.add("blank-rows", None, pc.filter(rows, blank).slice(0, 50).to_pylist(), count=pc.sum(blank).as_py())
    if pc.any(note).as_py():
        lines, texts = pc.filter(rows, note).to_pylist(), pc.filter(first, note).to_pylist()
        log.add("notes-rows", None, lines, [t.strip() for t in texts], count=len(lines))
        log.notes.extend(zip(lines, (t.strip() for t in texts)))
    return table.filter(pc.invert(drop))
