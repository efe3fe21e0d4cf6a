"""The CJK bigram tokens and the Solr query parser, on their own."""
from __future__ import annotations

import pytest

from catalog.search import solr, text
from catalog.errors import SearchError


def test_index_text_makes_bigrams_plus_a_closing_unigram():
    assert text.index_text("東京都の人口") == "東京 京都 都の の人 人口 口"
    assert text.index_text("ＡＥＤ設置") == "AED 設置 置"  # NFKC first
    assert text.index_text("ｺｳｼｭｳﾄｲﾚ") == "コウ ウシ シュ ュウ ウト トイ イレ レ"


@pytest.mark.parametrize("term, expression", [
    ("人口", '"人口"'),
    ("口", '"口"*'),
    ("トイレ", '"トイ イレ"'),
    ("Toilet", '"toilet"*'),
    ("AED設置", '"aed 設置"'),
    ("東京都 人口", '"東京 京都 都 人口"'),
    ("!!", None),
])
def test_match_phrase(term, expression):
    assert text.match_phrase(term) == expression


def test_parser_precedence_for_the_harvester_filter():
    tree = solr.parse("+capacity:public organization:a OR organization:b metadata_modified:[2026-05-01T09:00:00Z TO *]")
    assert tree == solr.And((
        solr.Term("capacity", "public", "word"),
        solr.Or((solr.Term("organization", "a", "word"), solr.Term("organization", "b", "word"))),
        solr.Range("metadata_modified", "2026-05-01T09:00:00Z", None, True, True)))


@pytest.mark.parametrize("query, tree", [
    ("*:*", solr.All()),
    ("-tags:x", solr.Not(solr.Term("tags", "x", "word"))),
    ("a && !b", solr.And((solr.Term(None, "a", "word"), solr.Not(solr.Term(None, "b", "word"))))),
    ("state:(active OR draft)", solr.Or((solr.Term("state", "active", "word"), solr.Term("state", "draft", "word")))),
    ('title:"a b"^2', solr.Term("title", "a b", "phrase")),
    ("name:foo*", solr.Term("name", "foo*", "wildcard")),
    ("res_url:http\\://x", solr.Term("res_url", "http://x", "word")),
    ("num_tags:{1 TO 5]", solr.Range("num_tags", "1", "5", False, True)),
    ("url:*", solr.Term("url", "*", "exists")),
    ("Wi-Fi", solr.Term(None, "Wi-Fi", "word")),
])
def test_parser(query, tree):
    assert solr.parse(query) == tree


@pytest.mark.parametrize("query", ["(a", "title:", "a OR", "x:[1 TO"])
def test_syntax_errors(query):
    with pytest.raises(SearchError):
        solr.parse(query)
