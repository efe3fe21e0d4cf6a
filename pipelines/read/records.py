"""Where each CSV record starts and ends, found with numpy on the UTF-8 bytes handed to the Arrow parser.

Arrow's CSV reader gives no line numbers, but findings must name source lines (`_row`). Scanning the same bytes
for line terminators outside quotes is a few vectorised passes per 1 MiB chunk. Quote parity (doubled quotes
inside a field toggle twice) tells a record end from a newline inside a quoted field. Blank lines are skipped,
as Arrow skips them. Field counts (to spot the rows Arrow rejects) are computed only for blocks that had any.
"""
from __future__ import annotations

import threading

import numpy as np

LF, CR = 10, 13


class RecordScanner:
    """Feed UTF-8 chunks in order; ``take_until(offset)`` returns start lines and end offsets of the records
    that end before ``offset``."""

    def __init__(self, first_line: int, delimiter: str, quote: str | None):
        self.line = first_line              # 1-based number of the line being read
        self.record_start = first_line
        self.parity = 0                     # 1 while inside a quoted field
        self.empty = True                   # the unfinished record has no content yet
        self.delim, self.quote = ord(delimiter), (ord(quote) if quote else None)
        self._held = b""                    # a trailing CR waits for the next chunk: it may start a CRLF
        self.offset = 0                     # stream position of the next byte scanned
        self.last_end = -1                  # stream position of the last record terminator seen
        self.records = 0
        self.blank_count = 0                # empty lines between records (Arrow skips them; we count them)
        self.blank_lines: list[int] = []    # the first 50 of them
        self._lock = threading.Lock()
        self._starts: list[np.ndarray] = []
        self._ends: list[np.ndarray] = []
        self._quoted_newlines: list[np.ndarray] = []    # stream positions of newlines inside quoted fields

    def feed(self, chunk: bytes) -> None:
        data = self._held + chunk
        self._held = b""
        if data.endswith(b"\r"):
            data, self._held = data[:-1], b"\r"
        if data:
            self._scan(np.frombuffer(data, np.uint8))
            self.offset += len(data)

    def finish(self) -> None:
        if self._held:
            held, self._held = self._held, b""
            self._scan(np.frombuffer(held, np.uint8))
            self.offset += len(held)
        if not self.empty:                  # a last record without a line terminator
            self._emit(np.array([self.record_start]), np.array([self.offset - 1]))
            self.empty = True

    def _scan(self, b: np.ndarray) -> None:
        terms = _terminators(b)
        if self.quote is not None and (quotes := np.flatnonzero(b == self.quote)).size:
            outside = (np.searchsorted(quotes, terms) + self.parity) % 2 == 0
            self.parity = int((self.parity + quotes.size) % 2)
            ends, end_lines = terms[outside], self.line + np.flatnonzero(outside)
            if not outside.all():
                self._quoted_newlines.append(self.offset + terms[~outside])
        elif self.parity:                   # inside a quoted field and no quote in this chunk
            ends, end_lines = terms[:0], terms[:0]
            self._quoted_newlines.append(self.offset + terms)
        else:
            ends, end_lines = terms, self.line + np.arange(terms.size)
        starts = np.concatenate(([self.record_start], end_lines[:-1] + 1))
        content = _content_lengths(b, ends)
        content[0] += 0 if self.empty else 1                # the record carried over from the last chunk
        keep = content[:-1] > 0                             # Arrow skips blank lines; so do we (counted)
        if not keep.all():
            self.blank_count += int((~keep).sum())
            self.blank_lines.extend(int(x) for x in starts[~keep][: 50 - len(self.blank_lines)])
        self._emit(starts[keep], (self.offset + ends)[keep])
        if ends.size:
            self.record_start = int(end_lines[-1]) + 1
            self.last_end = self.offset + int(ends[-1])
        self.empty = bool(content[-1] == 0)
        self.line += int(terms.size)

    def _emit(self, starts: np.ndarray, ends: np.ndarray) -> None:
        with self._lock:
            self._starts.append(starts.astype(np.int64))
            self._ends.append(ends.astype(np.int64))
            self.records += int(starts.size)

    @property
    def pending(self) -> int:
        """Records scanned but not yet taken."""
        with self._lock:
            return sum(a.size for a in self._starts)

    def take_until(self, offset: int) -> tuple[np.ndarray, np.ndarray, bool]:
        """(start lines, end offsets) of the pending records whose terminator lies before ``offset``, and
        whether any of them holds a newline inside a quoted field (Arrow parses faster when none does)."""
        with self._lock:
            starts = np.concatenate(self._starts) if self._starts else np.empty(0, np.int64)
            ends = np.concatenate(self._ends) if self._ends else np.empty(0, np.int64)
            n = int(np.searchsorted(ends, offset))
            self._starts, self._ends = [starts[n:]], [ends[n:]]
            quoted = np.concatenate(self._quoted_newlines) if self._quoted_newlines else np.empty(0, np.int64)
            k = int(np.searchsorted(quoted, offset))
            self._quoted_newlines = [quoted[k:]]
        return starts[:n], ends[:n], k > 0


def field_counts(block: bytes, ends: np.ndarray, delimiter: str, quote: str | None) -> np.ndarray:
    """Fields of each record in ``block`` (which starts at a record boundary); ``ends`` are block offsets."""
    b = np.frombuffer(block, np.uint8)
    delims = np.flatnonzero(b == ord(delimiter))
    if quote is not None:
        quotes = np.flatnonzero(b == ord(quote))
        delims = delims[np.searchsorted(quotes, delims) % 2 == 0]
    return np.bincount(np.searchsorted(ends, delims), minlength=ends.size + 1)[: ends.size] + 1


def _terminators(b: np.ndarray) -> np.ndarray:
    """Positions of LF, and of CR not followed by LF (a CR-only file); sorted."""
    lf = np.flatnonzero(b == LF)
    cr = np.flatnonzero(b == CR)
    if cr.size and not (cr.size <= lf.size and cr[-1] + 1 < b.size and (b[cr + 1] == LF).all()):
        nxt = np.minimum(cr + 1, b.size - 1)
        cr = cr[(b[nxt] != LF) | (cr + 1 >= b.size)]
        return np.sort(np.concatenate((lf, cr))) if cr.size else lf
    return lf


def _content_lengths(b: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Bytes of content before each record end (CR of a CRLF excluded), plus the unfinished tail."""
    prev = np.concatenate(([-1], ends))
    crlf = (b[ends] == LF) & (b[np.maximum(ends - 1, 0)] == CR) & (ends > 0)
    lengths = ends - prev[:-1] - 1 - crlf.astype(np.int64)
    tail = b.size - 1 - prev[-1]
    return np.concatenate((lengths, [tail])).astype(np.int64)
