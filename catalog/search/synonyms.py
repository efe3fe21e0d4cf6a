"""What a query word also searches: its kana variants and its synonyms (``synonyms.yaml``, data with sources).

People type トイレ, といれ, ﾄｲﾚ or 便所 for the same thing, and コンピューター for コンピュータ. The index keeps the
text as published (NFKC only), so a query word is searched as the OR of its alternatives instead of folding the
index: no re-index when the dictionary grows, and exact matches still rank as they did.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from catalog.search import text

SYNONYMS = Path(__file__).with_name("synonyms.yaml")
MAX_ALTERNATIVES = 24  # a query word never turns into a huge FTS expression
_HIRAGANA = re.compile("[\u3041-\u3096]")
_KATAKANA = re.compile("[\u30a1-\u30f6]")


def to_katakana(word: str) -> str:
    return _HIRAGANA.sub(lambda m: chr(ord(m.group()) + 0x60), word)


def to_hiragana(word: str) -> str:
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), word)


def kana_variants(word: str) -> list[str]:
    """The word, its hiragana/katakana forms, and each without a final long vowel mark (コンピューター)."""
    word = text.normalize(word)
    forms = [word, to_katakana(word), to_hiragana(word)]
    forms += [f[:-1] for f in forms if len(f) > 2 and f.endswith("ー")]
    return list(dict.fromkeys(forms))


def key(word: str) -> str:
    """The form synonyms are looked up by: NFKC, katakana, no final ー, Latin lower-cased."""
    return to_katakana(text.normalize(word)).lower().rstrip("ー")


@cache
def groups() -> dict[str, tuple[str, ...]]:
    """key of each word -> every word of its group (a word is in one group at most)."""
    data = yaml.safe_load(SYNONYMS.read_text("utf-8"))
    found: dict[str, tuple[str, ...]] = {}
    for group in data["groups"]:
        words = tuple(str(w) for w in group["words"])
        for word in words:
            found[key(word)] = words
    return found


def alternatives(word: str) -> list[str]:
    """Everything a query word searches (itself first)."""
    out = kana_variants(word)
    own = key(word)
    for synonym in groups().get(own, ()):
        if key(synonym) == own or key(synonym) not in own:  # a part of the word is broader, not the same
            out += kana_variants(synonym)
    return list(dict.fromkeys(out))[:MAX_ALTERNATIVES]
