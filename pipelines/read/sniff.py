"""The layout of a CSV file, from its head only: encoding, dialect, ``#`` metadata rows, header, data start.

Takamatsu's FIWARE-style files open with ``#LINK``, ``#lang``, ``#license`` … rows; their ``#property`` row is
the header and the rows after it (``#object_type_xsd``, ``#property_context``) are metadata too. Spreadsheet
exports open with title rows (one filled cell). Files without a header (Taitō) take ``read.names``.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.declarations import ReadOptions
from pipelines.normalize.text import WHITESPACE, unique_names
from pipelines.read.encoding import HEAD_BYTES, detect_encoding, iter_decoded
from quality.headers import is_known_header

DELIMITERS = (",", "\t", ";", "|")
NUMERIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)*$")
DATE_LIKE = re.compile(r"^(?:\d{1,4}[/.\-年]\d{1,2}[/.\-月]\d{1,4}日?|[RHSrhs]\d{1,2}\.\d{1,2}\.\d{1,2}|(?:令和|平成|昭和)\S*\d+年.*)$")
SAMPLE_ROWS = 200
HEADER_CANDIDATES = 100                # records scored as the header (a notes block above it may be this long)
HEADER_MIN = 0.35                      # below this no record is a header: the file has none
HEADER_TIE = 0.05                      # the earliest record this close to the best wins (data rows come later)


@dataclass
class CsvLayout:
    encoding: str
    delimiter: str
    quote: str | None
    names: list[str]                       # cleaned, unique output names of the source columns
    header: list[str] | None               # the header cells as written (None: no header row)
    header_line: int | None                # 1-based physical line of the header
    data_line: int                         # 1-based physical line where the data starts
    data_offset: int                       # UTF-8 bytes of text before data_line (BOM excluded)
    comments: dict[str, list[str]] = field(default_factory=dict)   # '#key' rows: key → values
    preamble: list[str] = field(default_factory=list)               # title lines above the header
    sample: list[list[str]] = field(default_factory=list)           # first data rows (for plans and inspect)
    complete: bool = False                 # the head holds the whole file
    newline: str = "\n"


def read_head(path: Path, encoding: str) -> tuple[str, bool]:
    """Decoded text of the first ~256 KiB (whole lines only) and whether that is the whole file."""
    chunks, size = [], 0
    for text, raw in iter_decoded(path, encoding, HEAD_BYTES):
        chunks.append(text)
        size += len(raw)
        if not raw:
            return "".join(chunks), True
        if size >= HEAD_BYTES:
            break
    head = "".join(chunks)
    cut = max(head.rfind("\n"), head.rfind("\r"))
    return (head[: cut + 1] if cut >= 0 else head), False


def records(head: str, delimiter: str, quote: str | None) -> list[tuple[int, int, list[str]]]:
    """(start line, end line, cells) of each non-blank record in ``head``, lines 1-based."""
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter,
                        quotechar=quote or '"', quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE, strict=False)
    out, prev = [], 0
    try:
        for row in reader:
            if row:
                out.append((prev + 1, reader.line_num, row))
            prev = reader.line_num
    except csv.Error:
        pass                                    # a quoted field cut at the end of the head
    return out


def sniff_delimiter(head: str) -> str:
    """The candidate giving the most rows with one consistent field count (> 1)."""
    lines = [ln for ln in head.splitlines()[:60] if ln and not ln.lstrip('"').startswith("#")]
    best, score = ",", 0.0
    for d in DELIMITERS:
        counts = Counter(len(r) for r in csv.reader(lines, delimiter=d))
        if not counts:
            continue
        width, n = counts.most_common(1)[0]
        s = n * (width > 1) + width / 1000
        if s > score:
            best, score = d, s
    return best


def sniff_csv(path: Path, read: ReadOptions | None = None) -> CsvLayout:
    """Detect everything needed to stream ``path``; reads only its head."""
    read = read or ReadOptions()
    encoding = detect_encoding(path, read.encoding)
    head, complete = read_head(path, encoding)
    delimiter = read.delimiter or sniff_delimiter(head)
    quote = '"'
    recs = records(head, delimiter, quote)
    if not complete and len(recs) > 1:
        recs = recs[:-1]                        # the last record may be cut by the head boundary
    layout = find_header(recs, read)
    layout.update(encoding=encoding, delimiter=delimiter, quote=quote, complete=complete,
                  newline=_newline(head))
    data_line = layout["data_line"]
    layout["data_offset"] = len(_text_before_line(head, data_line).encode("utf-8"))
    return CsvLayout(**layout)


def find_header(recs: list[tuple[int, int, list[str]]], read: ReadOptions) -> dict:
    """Metadata rows, title rows, header and data start among ``(first line, last line, cells)`` records."""
    comments, i = {}, 0
    header_idx = None
    while i < len(recs) and recs[i][2][0].lstrip(WHITESPACE).startswith("#"):
        cells = recs[i][2]
        key = cells[0].lstrip(WHITESPACE)[1:].strip()
        if key.lower() == "property" and read.header_row == "auto" and not read.names:
            header_idx = i
        comments[key] = _trim(cells[1:])
        i += 1
    body = recs[i:]
    width = Counter(len(r[2]) for r in body[:SAMPLE_ROWS]).most_common(1)[0][0] if body else 0
    preamble = []
    if header_idx is None and isinstance(read.header_row, int):
        header_idx = next((k for k, r in enumerate(recs) if r[0] <= read.header_row <= r[1]), None)
        if header_idx is None:
            raise ValueError(f"header_row {read.header_row} is beyond the sniffed head of the file")
        preamble = [",".join(_trim(r[2])) for r in recs[:header_idx] if not r[2][0].startswith("#")]
        body = recs[header_idx + 1:]
    elif header_idx is None and read.header_row == "auto" and not read.names:
        k = best_header(body, width)
        if k is not None:
            preamble = [",".join(_trim(r[2])) for r in body[:k] if any(c.strip(WHITESPACE) for c in r[2])]
            header_idx, body = recs.index(body[k]), body[k + 1:]
            if body and (joined := two_row_header(recs[header_idx][2], body[0][2], body[1][2] if len(body) > 1 else None)):
                recs = recs[:header_idx] + [(recs[header_idx][0], body[0][1], joined)] + recs[header_idx + 2:]
                body = body[1:]
    elif header_idx is not None:                    # #property: the #rows right after it are metadata too
        body = recs[header_idx + 1:]
        while body and body[0][2][0].lstrip(WHITESPACE).startswith("#"):
            body = body[1:]
    return _layout_fields(recs, header_idx, body, width, comments, preamble, read)


def _layout_fields(recs, header_idx, body, width, comments, preamble, read) -> dict:
    header = recs[header_idx][2] if header_idx is not None else None
    ncols = max(width, len(header or []))       # a few wider rows are reported (long-row), not made columns
    if header is None and read.names and len(read.names) > max(width, 1):
        raise ValueError(f"read.names has {len(read.names)} names but the file's rows have {width} fields")
    given = list(header) if header is not None else list(read.names or [])
    names = unique_names((given + [""] * ncols)[:ncols]) if ncols else unique_names(given)
    if header is not None and read.names:
        names = unique_names((list(read.names) + names[len(read.names):])[:ncols])
    consumed = recs[: header_idx + 1] if header_idx is not None else []
    data_line = body[0][0] if body else (max(r[1] for r in (consumed or recs)) + 1 if recs else 1)
    return dict(names=names, header=header, header_line=recs[header_idx][0] if header is not None else None,
                data_line=data_line, comments=comments, preamble=preamble,
                sample=[(r[2] + [""] * ncols)[:ncols] for r in body[:SAMPLE_ROWS]])


def best_header(body: list[tuple[int, int, list[str]]], width: int) -> int | None:
    """Index in ``body`` of the header row: the best-scoring of the first ``HEADER_CANDIDATES`` records (the
    earliest one within ``HEADER_TIE`` of the best), or None when no record looks like a header at all.
    Everything above it is a block of notes (title, 出典, 注記, 更新日 …), of any length."""
    scores = [header_score(r[2], body[k + 1][2] if k + 1 < len(body) else None, width)
              for k, r in enumerate(body[:HEADER_CANDIDATES])]
    if not scores or max(scores) < HEADER_MIN:
        return None
    top = max(scores)
    return next(k for k, sc in enumerate(scores) if sc >= top - HEADER_TIE)


def two_row_header(top: list[str], second: list[str], below: list[str] | None) -> list[str] | None:
    """A header written on two rows (a merged 男性トイレ over 総数 | 小便器 | 和式, or a group row over item
    names): the cells joined as ``top_second``, the top row's merged cells carried right over the empty ones
    below them. Only when the second row is text where the top row has gaps, and the row after it is data."""
    top = [c.strip(WHITESPACE) for c in top]
    second = [c.strip(WHITESPACE) for c in second]
    n = max(len(top), len(second))
    top, second = top + [""] * (n - len(top)), second + [""] * (n - len(second))
    filled = [c for c in second if c]
    if not filled or any(_data_like(c) for c in filled) or below is None:
        return None
    if not any(_data_like(c.strip(WHITESPACE)) for c in below if c.strip(WHITESPACE)):
        return None                                               # the row after it must be data (numbers, dates)
    if not any(not t and b for t, b in zip(top, second)):        # no gap in the top row over a second-row word
        return None
    if not any(t and not b for t, b in zip(top, second)):        # a data row fills what the header names
        return None
    out, carry = [], ""
    for t, b in zip(top, second):
        carry = t or (carry if b else "")
        out.append(f"{carry}_{b}" if carry and b and carry != b else (carry or b))
    return out


def header_score(cells: list[str], below: list[str] | None, width: int) -> float:
    """0–1: how much a record looks like the header of a table ``width`` fields wide.

    Filled share, text (not numbers or dates), cells that are known header words (any standard's names,
    aliases and synonyms, folded), distinct cells, and a row below that looks like data. A record with
    fewer than half its fields filled, or with numbers in more than a fifth of them, is never a header."""
    filled = [c.strip(WHITESPACE) for c in cells if c.strip(WHITESPACE)]
    if not filled or len(filled) * 2 < max(width, 2):
        return 0.0
    text = sum(1 for c in filled if not _data_like(c)) / len(filled)
    if text < 0.8:
        return 0.0
    known = sum(1 for c in filled if is_known_header(c)) / len(filled)
    if width <= 1 and not known:
        return 0.0                             # one column of text: a header only if it is a known header word
    unique = len(set(filled)) / len(filled)
    share = min(len(filled) / max(width, 1), 1.0)
    return round(0.25 * share + 0.15 * text + 0.35 * known + 0.1 * unique + 0.15 * _data_below(below, known), 4)


def _data_like(cell: str) -> bool:
    return bool(NUMERIC.match(cell) or DATE_LIKE.match(cell))


def _data_below(below: list[str] | None, known: float) -> float:
    """1 when the next record looks like data: numbers or dates in it, or fewer header words than this one."""
    if below is None:
        return 0.0
    filled = [c.strip(WHITESPACE) for c in below if c.strip(WHITESPACE)]
    if not filled:
        return 0.0
    if any(_data_like(c) for c in filled):
        return 1.0
    return 1.0 if sum(1 for c in filled if is_known_header(c)) / len(filled) < known else 0.5


def _trim(cells: list[str]) -> list[str]:
    out = list(cells)
    while out and not out[-1].strip(WHITESPACE):
        out.pop()
    return out


def _newline(head: str) -> str:
    return "\r\n" if "\r\n" in head else "\r" if "\r" in head else "\n"


def _text_before_line(head: str, line: int) -> str:
    """The text of lines 1 .. line-1 (line terminators \\r\\n, \\r or \\n)."""
    pos = 0
    for _ in range(line - 1):
        m = re.compile(r"\r\n|\r|\n").search(head, pos)
        if m is None:
            return head
        pos = m.end()
    return head[:pos]
