"""The q index: trigram signatures only pick rows to check, so results equal a brute-force substring scan."""
from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.datastore import text as datastore_text
from catalog.datastore.text import TextIndex

ALPHABET = "千代田区丸の内港中央東京都トイレ12-ab "
texts = st.lists(st.one_of(st.none(), st.text(alphabet=ALPHABET, max_size=30)), min_size=0, max_size=60)


def brute_force(rows: list[str | None], terms: list[str]) -> list[int]:
    return [i + 1 for i, row in enumerate(rows) if all(t in (row or "") for t in terms)]


@settings(max_examples=200, deadline=None)
@given(rows=texts, terms=st.lists(st.text(alphabet=ALPHABET.strip(), min_size=1, max_size=5), min_size=1, max_size=3),
       chunk=st.sampled_from([1, 3, 7, 16384]))
def test_match_equals_brute_force(rows, terms, chunk):
    original = datastore_text._CHUNK
    datastore_text._CHUNK = chunk  # small chunks exercise the chunk boundaries of the signature build
    try:
        index = TextIndex.build(pa.array(rows, pa.string()))
    finally:
        datastore_text._CHUNK = original
    found = index.match(terms)
    assert sorted(found.column("_id").to_pylist()) == brute_force(rows, terms)
    assert all(0 < r <= 1 for r in found.column("rank").to_pylist())


def test_signatures_narrow_the_rows_to_check():
    wards = ["千代田区", "中央区", "港区", "新宿区", "文京区", "台東区", "墨田区", "江東区", "品川区", "目黒区",
             "大田区", "世田谷区", "渋谷区", "中野区", "杉並区", "豊島区", "北区", "荒川区", "板橋区", "練馬区"]
    rows = [f"東京都{ward}{n}丁目" for n in range(500) for ward in wards]
    index = TextIndex.build(pa.array(rows))
    candidates = index.candidates(["千代田区"])
    assert candidates is not None and 500 <= len(candidates) < 600  # the 500 matches plus few false positives
    assert index.candidates(["区"]) is None  # matches most rows: scanning everything is cheaper
    assert index.candidates(["a"]) is None  # shorter than a trigram


def test_rank_prefers_rows_that_are_mostly_the_term():
    index = TextIndex.build(pa.array(["千代田区", "東京都千代田区丸の内一丁目", "港区"]))
    found = index.match(["千代田区"]).to_pydict()
    ranks = dict(zip(found["_id"], found["rank"]))
    assert set(ranks) == {1, 2} and ranks[1] == 1.0 and ranks[2] < ranks[1]
