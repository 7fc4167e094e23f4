"""Word tokens of normalised text, and the proclitics glued to them.

The entity rules run on :func:`civic_extract.normalise.normalise` text, not on
spaCy tokens: spaCy's Arabic tokenizer keeps ``بمراكش`` and ``وورزازات`` whole,
and a typo such as ``بإقليمأزيلال`` needs a split inside one word. So the rules
see the text as words with character offsets (into the normalised text), and
each word offers its readings "proclitics + stem" (``وبالمدينة`` → ``و+ب+المدينة``).
Which reading is right is decided by the caller against its word lists and the
gazetteer (``وورزازات`` → ``ورزازات`` but ``وجدة`` stays).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import regex

# A word: letters and marks (an apostrophe may join Latin parts: d'Honneur), or digits;
# letters and digits typed together (التحرير23) are two tokens.
_TOKEN = regex.compile(r"[\p{L}\p{M}]+(?:['’][\p{L}]+)*|\p{N}+|\n|[^\s\p{L}\p{M}\p{N}]")
_LATIN = regex.compile(r"[\p{Latin}\p{N}'’]+")
_ARABIC = regex.compile(r"\p{Arabic}")

CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ل", "ك")
QUOTES = frozenset('"«»“”„‘’\'')


class Tok(NamedTuple):
    """One word or punctuation mark of the normalised text.

    A NamedTuple rather than a frozen dataclass: an article has a few hundred
    tokens, and a frozen dataclass is several times slower to build.
    """

    i: int
    text: str
    start: int
    end: int
    kind: str  # "ar", "lat", "num", "nl" (line break) or "punct"

    @property
    def is_word(self) -> bool:
        return self.kind in ("ar", "lat", "num")


@lru_cache(maxsize=8192)
def _kind(text: str) -> str:
    if text == "\n":
        return "nl"
    if text.isdigit():
        return "num"
    if _ARABIC.search(text):
        return "ar"
    if _LATIN.fullmatch(text):
        return "lat"
    return "punct"


def tokenize(text: str) -> list[Tok]:
    """Words, digits, single punctuation marks and line breaks, with offsets into ``text``."""
    # tuple.__new__ builds the NamedTuple without its Python-level __new__ (a fifth faster here).
    new, out = tuple.__new__, []
    for i, m in enumerate(_TOKEN.finditer(text)):
        s = m.group()
        out.append(new(Tok, (i, s, m.start(), m.end(), _kind(s))))
    return out


@lru_cache(maxsize=65536)
def readings(word: str) -> tuple[tuple[str, str], ...]:
    """Every split of ``word`` into (proclitics, stem), the bare word first.

    At most one conjunction (و ف) then one preposition (ب ل ك); ``لل`` is
    ل + the article (``للجمعية`` → ``ل`` + ``الجمعية``). A stem keeps at least
    two letters.
    """
    out = [("", word)]
    for c in ("",) + CONJUNCTIONS:
        if c and not word.startswith(c):
            continue
        rest = word[len(c):]
        if c and len(rest) >= 2:
            out.append((c, rest))
        for p in PREPOSITIONS:
            if rest.startswith(p) and len(rest) - 1 >= 2:
                stem = rest[1:]
                if p == "ل" and stem.startswith("ل") and len(stem) >= 3:
                    out.append((c + p, "ا" + stem))  # للجمعية → ل + الجمعية
                out.append((c + p, stem))
    return tuple(dict.fromkeys(out))


def strip_article(word: str) -> str:
    """``الجمعية`` → ``جمعية``; words that are only an article plus one letter are left alone."""
    return word[2:] if word.startswith("ال") and len(word) > 3 else word


def is_definite(word: str) -> bool:
    return word.startswith("ال") and len(word) > 3
