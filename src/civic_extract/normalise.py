"""Arabic normalisation for matching, with an offset map back to the original.

Every finder (dates, figures, entity rules) matches on normalised text, so that
``٣٩٦٣``, ``۳۹۶۳`` and ``3963`` are one number and ``إقليم``/``اقليم`` one word.
The user's text is never rewritten: :func:`normalise` returns the folded text
together with ``index``, where ``index[i]`` is the position in the original of
normalised character ``i`` (quantulum3 keeps ``shifts`` for the same reason).

camel-tools has the letter mappers, but it is an optional extra (it pulls torch),
and none of its mappers returns an offset map, so the few tables live here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


# Characters dropped for matching: Arabic diacritics (harakat, tanwin, shadda,
# Quranic marks), tatweel, and invisible format characters (bidi controls,
# zero-width joiners, BOM) that scraped pages are full of.
_DROP = (
    [chr(c) for c in range(0x0610, 0x061B)]
    + [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670", "\u0640"]
    + [chr(c) for c in range(0x06D6, 0x06EE)]
    + [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ufeff", "\u00ad", "\u061c"]
)

_MARK_SET = frozenset(c for c in _DROP if unicodedata.category(c) == "Mn" or c == "\u0640")

_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
_SEPARATORS = {"\u066c": ",", "\u066b": ".", "\u00a0": " ", "\u202f": " ", "\u2009": " "}
# Letter folding used by the scorer and the press alike: hamza seats and
# alef variants to bare alef, alef maksura to yeh, teh marbuta to heh.
_LETTERS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ک": "ك", "ی": "ي"}


def _presentation_forms() -> dict[str, str]:
    """Arabic presentation forms (ligatures such as ﻻ) expanded by NFKC."""
    table = {}
    for cp in list(range(0xFB50, 0xFDFF)) + list(range(0xFE70, 0xFEFF)):
        ch = chr(cp)
        nf = unicodedata.normalize("NFKC", ch)
        if nf != ch and nf.strip():
            table[ch] = nf
    return table


@lru_cache(maxsize=2)
def _table(fold: bool) -> dict[str, str]:
    table = {c: "" for c in _DROP} | _DIGITS | _SEPARATORS | _presentation_forms()
    if fold:
        table |= _LETTERS
        # Presentation forms expand to letters that must be folded as well.
        table = {k: "".join(_LETTERS.get(ch, ch) for ch in v) for k, v in table.items()}
    return table


@lru_cache(maxsize=2)
def _one_to_one(fold: bool) -> tuple["re.Pattern[str] | None", dict[str, str]]:
    """Characters replaced by exactly one character, and a pattern that finds them.

    ``str.translate`` looks every character of the text up in a dict; an article
    holds only a handful of distinct characters to replace, and replacing just
    those with ``str.replace`` is about four times faster. That is exact only while
    no replacement is itself a character to replace or drop; otherwise the
    pattern is None and ``translate`` is used.
    """
    table = _table(fold)
    one = {k: v for k, v in table.items() if len(v) == 1}
    if any(v in table for v in one.values()):
        return None, one
    return re.compile("[" + "".join(re.escape(c) for c in sorted(one)) + "]"), one


@lru_cache(maxsize=2)
def _reshaping(fold: bool) -> "re.Pattern[str]":
    """Characters whose replacement is not exactly one character long.

    Compiled with the standard ``re``: this class has some 560 characters, and
    ``re`` tests them with a bitmap while ``regex`` scans the class at every
    position (about fifty times slower on an article).
    """
    chars = sorted(k for k, v in _table(fold).items() if len(v) != 1)
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


@dataclass(frozen=True)
class Normalised:
    """Normalised text and, for each of its characters, the original position."""

    text: str
    index: tuple[int, ...]
    original: str

    @property
    def original_length(self) -> int:
        return len(self.original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the normalised text back to the original."""
        if end <= start:
            pos = self.index[start] if start < len(self.index) else self.original_length
            return pos, pos
        stop = self.index[end - 1] + 1
        # Keep the diacritics and tatweel that close the last word (مستفيداً),
        # so the original span covers the whole written word.
        while stop < len(self.original) and self.original[stop] in _MARK_SET:
            stop += 1
        return self.index[start], stop


def normalise(text: str, fold: bool = True) -> Normalised:
    """Fold digits, drop diacritics/tatweel/format marks and (with ``fold``) fold letters.

    Characters replaced by one character are replaced first (the length and
    every offset stay); then only the dropped or expanded characters are
    walked one by one.
    """
    table = _table(fold)
    found, one = _one_to_one(fold)
    folded = text
    if found is None:
        folded = text.translate({ord(k): v for k, v in one.items()})
    else:
        for ch in set(found.findall(text)):
            folded = folded.replace(ch, one[ch])
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _reshaping(fold).finditer(folded):
        out.append(folded[pos:m.start()])
        index.extend(range(pos, m.start()))
        rep = table[m.group()]
        out.append(rep)
        index.extend([m.start()] * len(rep))
        pos = m.end()
    out.append(folded[pos:])
    index.extend(range(pos, len(text)))
    return Normalised("".join(out), tuple(index), text)


# Texts longer than this are not kept by :func:`normalised` (the cache stays a few MB).
CACHE_MAX_CHARS = 20_000


def normalised(text: str) -> Normalised:
    """``normalise(text)`` of an article, shared by the stages that all match on it.

    Dates, figures, entities and events each need the whole article normalised;
    this keeps the last 32 articles' results (a ``Normalised`` is immutable; 32 is
    a batch of ``nlp.pipe``), so each article is normalised once however many
    stages read it. Very long texts are normalised each time instead.
    """
    return _normalised(text) if len(text) <= CACHE_MAX_CHARS else normalise(text)


@lru_cache(maxsize=32)
def _normalised(text: str) -> Normalised:
    return normalise(text)


# Punctuation that the matching key turns into spaces (a literal class: the standard ``re`` is enough).
_KEY_PUNCT = re.compile(r"[\"'«»“”‘’()\[\]{}.,،؛;:!؟?\-–—_/\\|*]+")


@lru_cache(maxsize=8192)
def norm_key(text: str) -> str:
    """A matching key: normalised, punctuation to spaces, whitespace collapsed, lower case.

    The same folding as the scorer's ``norm`` so that lexicon and gazetteer
    look-ups agree with how names are compared. Cached: the entity stage keys
    the same names (mentions, aliases) many times.
    """
    s = _KEY_PUNCT.sub(" ", normalise(text).text)
    return " ".join(s.lower().split())
