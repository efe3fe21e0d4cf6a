"""Text encodings of municipal files: detect from the head of the file, decode strictly, never lossily.

Order (jp_standards.md §1a): BOM (UTF-8, UTF-16 LE/BE) → strict UTF-8 → CP932 → EUC-JP. CP932 is always
spelled ``cp932``: ``shift_jis`` rejects ①㈱髙№, which real files carry (reference §2.5).
"""
from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import numpy as np

HEAD_BYTES = 256 * 1024
CHUNK_BYTES = 1 << 20
# "utf-16" (not -le/-be) when a BOM is there: that codec reads the byte order from the BOM and drops it.
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
CANDIDATES = ("utf-8", "cp932", "euc-jp")
ALIASES = {"auto": "auto", "utf8": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf8-sig": "utf-8-sig",
           "cp932": "cp932", "windows-31j": "cp932", "ms932": "cp932", "sjis": "cp932", "shift_jis": "cp932",
           "shift-jis": "cp932", "utf-16": "utf-16", "utf-16-le": "utf-16-le", "utf-16le": "utf-16-le",
           "utf-16-be": "utf-16-be", "utf-16be": "utf-16-be", "euc-jp": "euc-jp", "eucjp": "euc-jp"}


class DecodeError(ValueError):
    """A byte sequence is not valid in the file's encoding; names the byte offset and line."""

    def __init__(self, path: Path | str, encoding: str, offset: int, line: int, raw: bytes):
        super().__init__(f"{path}: byte {raw.hex(' ')!s} at offset {offset} (line {line}) is not valid {encoding}; "
                         "fix the file or set read.encoding in the declaration")
        self.path, self.encoding, self.offset, self.line, self.raw = path, encoding, offset, line, raw


def canonical(encoding: str) -> str:
    """Our name for a declared encoding; ``shift_jis`` and friends become ``cp932`` (a strict superset)."""
    key = encoding.strip().lower().replace("_", "-") if encoding else "auto"
    if key not in ALIASES:
        raise ValueError(f"unknown encoding {encoding!r}; use one of auto, utf-8, utf-8-sig, cp932, utf-16, euc-jp")
    return ALIASES[key]


def detect_encoding(path: Path, declared: str = "auto") -> str:
    """The encoding to read ``path`` with. Reads only the head (and, for an ASCII head, the first non-ASCII run)."""
    declared = canonical(declared)
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
        if declared == "utf-16" and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return _utf16_order(head)
        if declared != "auto":
            return "utf-8-sig" if declared == "utf-8" and head.startswith(codecs.BOM_UTF8) else declared
        for bom, name in BOMS:
            if head.startswith(bom):
                return name
        if _looks_utf16(head):
            return _utf16_order(head)
        sample = head if not head.isascii() else _first_non_ascii(f)
    try:
        return guess_from_sample(sample) if sample else "utf-8"
    except ValueError:
        raise _first_bad_byte(path) from None


def _first_bad_byte(path: Path) -> DecodeError:
    """Nothing decodes: name the byte where the candidate that got furthest stopped."""
    errors = []
    for enc in CANDIDATES:
        try:
            for _ in iter_decoded(path, enc):
                pass
        except DecodeError as e:
            errors.append(e)
    best = max(errors, key=lambda e: e.offset)
    return DecodeError(path, " / ".join(CANDIDATES), best.offset, best.line, best.raw)


def _looks_utf16(head: bytes) -> bool:
    # BOM-less UTF-16 of mostly ASCII text has a NUL in every other byte; UTF-8/CP932 text never has NULs.
    sample = head[:400]
    return len(sample) >= 4 and sample.count(0) >= len(sample) // 4


def _utf16_order(head: bytes) -> str:
    """BOM-less UTF-16: ASCII characters have their NUL byte second (LE) or first (BE)."""
    return "utf-16-le" if head[1:400:2].count(0) > head[0:400:2].count(0) else "utf-16-be"


def _first_non_ascii(f) -> bytes:
    """A sample around the first byte >= 0x80 after the head; ASCII heads say nothing about the encoding."""
    while chunk := f.read(CHUNK_BYTES):
        hits = np.flatnonzero(np.frombuffer(chunk, np.uint8) >= 0x80)
        if hits.size:
            start = max(0, int(hits[0]) - 64)
            return chunk[start:] + f.read(HEAD_BYTES)
    return b""


def guess_from_sample(sample: bytes) -> str:
    """First candidate that decodes the sample cleanly. CP932 and EUC-JP overlap only on half-width katakana
    and a few kanji rows, so EUC-JP wins only when the CP932 reading has no hiragana but the EUC-JP one does
    (real Japanese text always has some; EUC-JP's hiragana read as CP932 become half-width katakana)."""
    ok = [enc for enc in CANDIDATES if _decodes(sample, enc)]
    if not ok:
        raise ValueError("no supported encoding (utf-8, cp932, euc-jp, utf-16) decodes this file; "
                         "set read.encoding in the declaration")
    if ok[0] == "cp932" and "euc-jp" in ok and not _kana_share(sample, "cp932") and _kana_share(sample, "euc-jp") > 0.1:
        return "euc-jp"
    return ok[0]


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _kana_share(sample: bytes, encoding: str) -> float:
    """Share of hiragana and full-width katakana among the non-ASCII characters of the sample's reading."""
    text = codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    wide = [c for c in text if ord(c) > 0x7F]
    return sum(0x3041 <= ord(c) <= 0x30FA for c in wide) / max(1, len(wide))


def iter_text(path: Path, encoding: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[str]:
    """Decode ``path`` chunk by chunk, strictly; a bad byte raises ``DecodeError`` with its offset and line."""
    for text, _raw in iter_decoded(path, encoding, chunk_bytes):
        yield text


def iter_decoded(path: Path, encoding: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[str, bytes]]:
    """(text, raw bytes) per chunk; the last pair is ("", b"") after the decoder was flushed."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    utf16 = encoding.startswith("utf-16")
    offset, lines = 0, 1
    with open(path, "rb") as f:
        while True:
            chunk = f.read(chunk_bytes)
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as e:
                raise _decode_error(path, encoding, offset - pending, lines, e) from None
            yield text, chunk
            if not chunk:
                return
            offset += len(chunk)
            lines += text.count("\n") if utf16 else chunk.count(b"\n")


def _decode_error(path, encoding: str, base: int, lines_before: int, e: UnicodeDecodeError) -> DecodeError:
    # e.object is (pending bytes + chunk); e.start indexes into it, so base is the file offset of e.object[0].
    before = e.object[: e.start]
    line = lines_before + (before.count(b"\n") if not encoding.startswith("utf-16") else before.count(b"\n\x00"))
    return DecodeError(path, encoding, base + e.start, line, e.object[e.start: e.end])
