"""Full-text tokens that find Japanese substrings of any length (CJK bigrams, Lucene CJKBigram style).

FTS5's ``unicode61`` tokenizer sees ``東京都の人口統計`` as ONE token and its ``trigram`` tokenizer finds nothing for
2-character terms like ``人口`` (bench/README.md), so before indexing each run of CJK characters is rewritten as its
overlapping bigrams plus the run's last character alone::

    東京都の人口  ->  東京 京都 都の の人 人口 口

A query term becomes the FTS5 phrase of the same tokens. Every character of a run is the first character of one
token, so a single-character term is a prefix query (``"口"*``), and a longer term is the phrase of its bigrams.
Latin text is left to ``unicode61`` (case-folding); Latin words match as prefixes (``toilet`` finds ``toilets``).
"""
from __future__ import annotations

import re
import unicodedata

# Hiragana, Katakana (incl. ー), CJK ideographs (+ext A, compatibility), 々〆, Hangul syllables.
_CJK = "\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_RUNS = re.compile(f"[{_CJK}]+|[^{_CJK}]+")
_IS_CJK = re.compile(f"[{_CJK}]")
_WORD = re.compile(r"\w", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC folds full-width ASCII and half-width kana, as people type both. ǂ is reserved for keyword tokens."""
    return unicodedata.normalize("NFKC", text).replace("\u01c2", "")


def _bigrams(run: str, closing_unigram: bool) -> list[str]:
    grams = [run[i:i + 2] for i in range(len(run) - 1)]
    if closing_unigram or len(run) == 1:
        grams.append(run[-1])
    return grams


def index_text(text: str | None) -> str:
    """The text as it is stored in the FTS5 index."""
    if not text:
        return ""
    parts = []
    for run in _RUNS.findall(normalize(text)):
        parts.append(" ".join(_bigrams(run, True)) if _IS_CJK.match(run) else run)
    return " ".join(parts)


def match_phrase(term: str) -> str | None:
    """The FTS5 expression for one query term or phrase (None when it holds no searchable character)."""
    runs = _RUNS.findall(normalize(term))
    tokens: list[str] = []
    for i, run in enumerate(runs):
        if _IS_CJK.match(run):
            # the last run of the query may continue in the text, so it has no closing unigram
            tokens += _bigrams(run, closing_unigram=i < len(runs) - 1)
        else:
            tokens += [w for w in re.split(r"[^\w]+", run.lower()) if w]
    if not tokens:
        return None
    last = tokens[-1]
    prefix = len(last) == 1 and _IS_CJK.match(last) or not _IS_CJK.match(last)
    phrase = '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'
    return phrase + "*" if prefix else phrase
