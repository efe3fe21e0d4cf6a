"""The full-text side of ``datastore_search``'s ``q``: substring search that works for Japanese.

PostgreSQL's english ``_full_text`` (CKAN's) keeps a run of Japanese as one token, so ``千代田区`` finds
nothing inside ``東京都千代田区丸の内1丁目`` (reference/baselines.md §2). We match substrings instead, on the
lowercased text of each row's searchable columns.

Scanning a million rows' text costs ~30 ms on a quiet core, more for Japanese (every character starts with
one of a few UTF-8 lead bytes, which defeats memchr-style skipping). So each row also gets a 256-bit
signature of the byte trigrams in its text (a per-row Bloom filter, like PostgreSQL's ``bloom`` index). A
query ORs its terms' trigram bits and keeps the rows whose signature has all of them — a few integer
operations per row — then checks only those rows for the real substrings. Results are exact; the signature
only decides which rows are worth checking. Terms under three bytes, or signatures that pass most rows,
fall back to scanning every row.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

WORDS = 4  # 4 x 64 = 256 signature bits per row
_CHUNK = 16384  # rows per step when building signatures (bounds the temporary arrays)
_SCAN_SHARE = 0.1  # when more rows than this pass the signature, scanning them all is cheaper


def _trigram_bits(data: np.ndarray) -> np.ndarray:
    """A bit number 0..255 for each byte trigram starting at positions 0..len-3 (a multiplicative hash)."""
    packed = (data[:-2].astype(np.uint32) << 16) | (data[1:-1].astype(np.uint32) << 8) | data[2:]
    return ((packed * np.uint32(2654435761)) >> np.uint32(24)).astype(np.uint8)


def _signatures(text: pa.LargeStringArray) -> np.ndarray:
    """``WORDS`` x rows uint64: bit set for every trigram of the row's UTF-8 text.

    Trigrams that straddle into the next row set a few extra bits: that can only add candidates (which are
    then checked), never lose a match.
    """
    out = np.zeros((len(text), WORDS * 8), dtype=np.uint8)
    for start in range(0, len(text), _CHUNK):
        chunk = text.slice(start, _CHUNK)
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset:chunk.offset + len(chunk) + 1]
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
        if len(data) < 3:
            continue
        row = np.repeat(np.arange(len(chunk), dtype=np.int64), np.diff(offsets))[:len(data) - 2]
        seen = np.zeros((len(chunk), WORDS * 64), dtype=bool)
        seen.reshape(-1)[row * (WORDS * 64) + _trigram_bits(data)] = True  # flat indexing: 3x faster than 2-D
        out[start:start + len(chunk)] = np.packbits(seen, axis=1, bitorder="little")
    return np.ascontiguousarray(out.view(np.uint64).T)


def _query_bits(terms: Sequence[str]) -> np.ndarray | None:
    words = np.zeros(WORDS, dtype=np.uint64)
    for term in terms:
        data = np.frombuffer(term.encode(), dtype=np.uint8)
        if len(data) < 3:
            continue
        for bit in np.unique(_trigram_bits(data)).astype(np.uint64):
            words[bit >> np.uint64(6)] |= np.uint64(1) << (bit & np.uint64(63))
    return words if words.any() else None


@dataclass(frozen=True)
class TextIndex:
    """Lowercased searchable text per row (``_id`` order) and its trigram signatures."""

    text: pl.Series
    signatures: np.ndarray
    sizes: np.ndarray  # UTF-8 bytes per row

    @classmethod
    def build(cls, text: pa.ChunkedArray | pa.Array) -> TextIndex:
        array = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
        array = array.cast(pa.large_string()).fill_null("")
        offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + len(array) + 1]
        return cls(pl.Series(values=array, dtype=pl.String), _signatures(array), np.diff(offsets))

    @property
    def nbytes(self) -> int:
        return int(self.text.estimated_size()) + self.signatures.nbytes + self.sizes.nbytes

    def candidates(self, terms: Sequence[str]) -> np.ndarray | None:
        """Row numbers whose signature holds every trigram of the terms; None = check every row.

        The word with most query bits goes first over all rows; the others only over the survivors.
        """
        query = _query_bits(terms)
        if query is None:
            return None
        words = sorted(np.flatnonzero(query), key=lambda w: -int(query[w]).bit_count())
        rows = None
        for word in words:
            column = self.signatures[word] if rows is None else self.signatures[word][rows]
            keep = np.flatnonzero((column & query[word]) == query[word])
            rows = keep if rows is None else rows[keep]
            if len(rows) > _SCAN_SHARE * len(self.text):
                return None
        return rows

    def match(self, terms: Sequence[str]) -> pa.Table:
        """Rows whose text contains every term: ``_id`` and ``rank``.

        ``rank`` stands in for CKAN's ``ts_rank``: the share of the row's searchable text (in bytes) that
        the terms make up, so a short row that is mostly the term ranks above a long one that mentions it.
        """
        rows = self.candidates(terms)
        text = self.text if rows is None else self.text.gather(rows)
        hit = None
        for term in terms:
            found = text.str.contains(term, literal=True)
            hit = found if hit is None else hit & found
        keep = hit.arg_true().to_numpy()
        rows = keep if rows is None else rows[keep]
        term_bytes = sum(len(t.encode()) for t in terms)
        rank = np.minimum(term_bytes / np.maximum(self.sizes[rows], 1), 1.0)
        return pa.table({"_id": pa.array(rows.astype(np.int32) + 1), "rank": pa.array(rank, pa.float64())})
