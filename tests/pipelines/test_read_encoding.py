"""The decoder: exact round trips of CP932-encodable text in every supported encoding, chunk boundaries,
detection order, and errors that name the byte."""
from __future__ import annotations

import codecs
import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipelines.read.encoding import DecodeError, canonical, detect_encoding, guess_from_sample, iter_text


@functools.cache
def cp932_alphabet() -> list[str]:
    """Every character CP932 round-trips (ASCII printables, ①㈱髙№, kana, kanji, half-width kana …)."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | set("\t\n\r")
    for lead in list(range(0x81, 0xA0)) + list(range(0xE0, 0xFD)):
        for trail in list(range(0x40, 0x7F)) + list(range(0x80, 0xFD)):
            try:
                ch = bytes([lead, trail]).decode("cp932")
            except UnicodeDecodeError:
                continue
            if ch.encode("cp932") == bytes([lead, trail]):
                chars.add(ch)
    chars |= {bytes([b]).decode("cp932") for b in range(0xA1, 0xE0)}
    return sorted(chars)


JAPANESE = st.text(alphabet=st.sampled_from(cp932_alphabet()), min_size=1, max_size=300)
ENCODINGS = ["cp932", "utf-8", "utf-8-sig", "utf-16", "euc-jp"]


def test_alphabet_has_the_cp932_only_characters():
    assert {"①", "㈱", "髙", "№", "﨑", "ｱ", "あ", "ア", "漢"} <= set(cp932_alphabet())


def write(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "f.csv"
    p.write_bytes(data)
    return p


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=JAPANESE, encoding=st.sampled_from(ENCODINGS), chunk=st.integers(1, 7))
def test_declared_encoding_decodes_back_exactly_across_chunk_boundaries(tmp_path, text, encoding, chunk):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)                             # EUC-JP lacks some CP932 extensions (①, ㈱ …)
    decoded = "".join(iter_text(write(tmp_path, data), canonical(encoding) if encoding != "utf-16"
                                else detect_encoding(write(tmp_path, data), "utf-16"), chunk_bytes=chunk))
    assert decoded == text


def _typical(text: str) -> bool:
    """Has hiragana or a kanji whose CP932 lead byte is 0x88-0x9F: what every real Japanese file has.
    Short strings of only half-width katakana are genuinely ambiguous between CP932 and EUC-JP/UTF-8."""
    return any("\u3041" <= c <= "\u309f" or 0x88 <= c.encode("cp932")[0] <= 0x9F for c in text if ord(c) > 0x7F)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=JAPANESE, encoding=st.sampled_from(["cp932", "utf-8", "utf-8-sig", "utf-16"]))
def test_detected_encoding_decodes_back_exactly(tmp_path, text, encoding):
    assume(_typical(text) and "\x00" not in text)
    path = write(tmp_path, text.encode(encoding))
    detected = detect_encoding(path)
    assert "".join(iter_text(path, detected)) == text


def test_detection_order_and_bom_sniffing(tmp_path):
    assert detect_encoding(write(tmp_path, "名称".encode("utf-8"))) == "utf-8"
    assert detect_encoding(write(tmp_path, "名称".encode("utf-8-sig"))) == "utf-8-sig"
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        path = write(tmp_path, bom + "名称".encode(enc))
        assert detect_encoding(path) == "utf-16" and "".join(iter_text(path, "utf-16")) == "名称"
    assert detect_encoding(write(tmp_path, "name,値\n".encode("utf-16-le"))) == "utf-16-le"     # no BOM
    assert detect_encoding(write(tmp_path, "name,値\n".encode("utf-16-be"))) == "utf-16-be"
    assert detect_encoding(write(tmp_path, "①髙".encode("cp932"))) == "cp932"
    assert detect_encoding(write(tmp_path, "ひらがなと漢字の文章".encode("euc-jp"))) == "euc-jp"
    assert detect_encoding(write(tmp_path, b"a,b\n1,2\n")) == "utf-8"


def test_shift_jis_is_never_used():
    assert canonical("Shift_JIS") == "cp932" and canonical("SJIS") == "cp932" and canonical("windows-31j") == "cp932"
    with pytest.raises(ValueError, match="unknown encoding"):
        canonical("latin-1")


def test_no_candidate_decodes_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="set read.encoding"):
        guess_from_sample(b"\x80\xff\xfe\x81\x00\xff")
    path = write(tmp_path, "名称,ID\n".encode("utf-8") + b"131083,X1,\xff\xfe\x80,\x81\n")
    with pytest.raises(DecodeError) as e:
        detect_encoding(path)
    assert e.value.line == 2 and "utf-8 / cp932 / euc-jp" in str(e.value) and "offset" in str(e.value)


def test_decode_error_reports_offset_and_line_even_across_chunks(tmp_path):
    data = "あ\nい\nう".encode("cp932") + b"\x81\x20" + b"\n"
    path = write(tmp_path, data)
    for chunk in (1, 2, 3, 1 << 20):
        with pytest.raises(DecodeError) as e:
            "".join(iter_text(path, "cp932", chunk_bytes=chunk))
        assert (e.value.offset, e.value.line) == (8, 3), chunk
        assert "81" in str(e.value)
