"""Numerals: any written Arabic number expression to its value.

The press writes one count in many ways: ``3963``, ``٣٩٦٣``, ``۳۹۶۳``, ``11,518``,
``11.518``, ``11 518``, ``١١٬٥١٨``, ``2.5 مليون``, ``11 ألف``, ``و685``,
``ثلاثة آلاف وخمسمائة``, ``أحد عشر ألفاً``, ``ملياري``. This module reads all of them
from normalised text (:func:`civic_extract.normalise.normalise` has already folded
every digit script to ASCII and the Arabic separators ``٬``/``٫`` to ``,``/``.``).

Written here rather than taken from a library: pyarabic's ``text2number`` is the
only packaged Arabic number-word reader, and it reads ``11 ألف`` as 1000, drops
``و685``, and knows neither digit separators nor mixed digits and words; number
parsers for other languages (word2number, quantulum3) have no Arabic. The word
tables are data (``data/lexicons/numbers.json``); the grammar below is small.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple, Sequence

import regex

from .normalise import normalise

# One token of normalised text: a digit group (with thousands separators, a
# decimal part, or the Tunisian ``7ر3`` decimal), a run of letters, or one
# other character. Space-separated thousands (``11 518``) need groups of
# exactly three digits so that ``في 3 500`` style typos stay rare false joins.
TOKEN = regex.compile(
    r"(?P<num>\d{1,3}(?: \d{3})+(?!\d)|\d+ر\d+(?!\d)|\d+(?:[.,]\d+)*)"
    r"|(?P<word>[\p{L}\p{M}]+)"
    r"|(?P<punct>\S)"
)


class Token(NamedTuple):
    """A token of normalised text with its ``[start, end)`` offsets in that text.

    A NamedTuple rather than a dataclass: an article has hundreds of tokens and
    tuple construction is several times cheaper.
    """

    kind: str  # "num", "word" or "punct"
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Word:
    """One number word: its role in the grammar and its value."""

    kind: str  # unit, teen_only, ten, tens, hundred, scale, fraction
    value: float
    form: str = ""  # for scales: singular, accusative, dual, plural


def tokenize(text: str) -> list[Token]:
    """Split normalised text into number, word and punctuation tokens."""
    # tuple.__new__ builds the NamedTuple without its Python-level __new__ (a fifth faster here).
    new = tuple.__new__
    return [new(Token, (m.lastgroup, m.group(), m.start(), m.end())) for m in TOKEN.finditer(text)]


def _fold(s: str) -> str:
    return normalise(s).text


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, tuple[Word, bool]], dict[str, tuple[Word, bool]], tuple[str, ...]]:
    """Number words by folded spelling, each with every proclitic spelled out.

    Returns the forms allowed at the start of a number (any proclitic:
    ``بثلاث``), the forms allowed later (only the conjunction: ``وخمسمائة``),
    each mapped to (word, whether a glued و joins it), and the proclitics.
    Spelling every form out once makes a look-up one dict access.
    """
    ref = resources.files("civic_extract") / "data" / "lexicons" / "numbers.json"
    data = json.loads(ref.read_text(encoding="utf-8"))
    words: dict[str, Word] = {}
    for kind, key in (("unit", "units"), ("teen_only", "teen_only"), ("ten", "ten"),
                      ("tens", "tens"), ("hundred", "hundreds")):
        for form, value in data[key].items():
            words[_fold(form)] = Word(kind, value)
    for scale in data["scales"]:
        for form_name in ("singular", "accusative", "dual", "plural"):
            for form in scale[form_name]:
                words[_fold(form)] = Word("scale", scale["value"], form_name)
    for form, share in data["after_scale_fractions"].items():
        words[_fold(form)] = Word("fraction", share)
    proclitics = tuple(sorted((_fold(p) for p in data["proclitics"]), key=len, reverse=True))
    blocked = {_fold(w) for w in data["not_numbers"]}
    first: dict[str, tuple[Word, bool]] = {}
    later: dict[str, tuple[Word, bool]] = {}
    for form, w in words.items():
        # Inside a number a leading و is the conjunction: "ألف وأحد عشر" is و + أحد,
        # although واحد alone is a word of its own.
        later["و" + form] = (w, True)
        for p in proclitics:
            first.setdefault(p + form, (w, p.startswith("و")))
    for form, w in words.items():
        first[form] = (w, False)
        later.setdefault(form, (w, False))
    for b in blocked:
        first.pop(b, None)
        later.pop(b, None)
    return first, later, proclitics


def number_word(text: str, first: bool = True) -> tuple[Word, bool] | None:
    """The number word a normalised token spells, and whether a glued ``و`` joins it.

    The first word of a number may carry any proclitic (``بثلاث``, ``لخمسة``);
    later words only the conjunction ``و`` (``وخمسمائة``).
    """
    starts, inner, _ = _tables()
    return (starts if first else inner).get(text)


_SEPARATOR = regex.compile(r"[.,]")


def parse_digits(s: str) -> int | float | None:
    """Value of a digit group: ``12,406`` ``12.406`` ``12 406`` -> 12406; ``2.5`` ``1,45`` -> decimals.

    One separator followed by exactly three digits is a thousands separator (the
    press writes ``4.200 طرد`` and ``12,406 مستفيداً``); followed by one, two or
    four and more digits it is a decimal point. Several separators of one kind
    must all close three-digit groups (``1.000.000``); anything else
    (``17.09.2024``, decree numbers ``2.19.123``) is not a number. ``7ر3`` is the
    Tunisian agency way of writing 3.7.
    """
    if "ر" in s:
        frac, _, whole = s.partition("ر")
        return float(f"{whole}.{frac}")
    if " " in s:
        return int(s.replace(" ", ""))
    parts = _SEPARATOR.split(s)
    if len(parts) == 1:
        return int(s)
    seps = [c for c in s if c in ".,"]
    if len(set(seps)) == 1:
        head, rest = parts[0], parts[1:]
        if all(len(g) == 3 for g in rest) and 1 <= len(head) <= 3 and head != "0":
            return int("".join(parts))
        if len(parts) == 2:
            return float(f"{head}.{rest[0]}")
        return None
    # Both kinds: the last one is the decimal point (1,234.5 or 1.234,5).
    last = max(s.rfind("."), s.rfind(","))
    int_part, frac = s[:last], s[last + 1:]
    groups = _SEPARATOR.split(int_part)
    if s[last] in int_part or not all(len(g) == 3 for g in groups[1:]) or not 1 <= len(groups[0]) <= 3:
        return None
    return float("".join(groups) + "." + frac)


def clean_value(v: float) -> int | float:
    """An integer when the value is whole (``1.35 * 10**6`` is 1350000, not 1350000.0000000002)."""
    r = round(v)
    if math.isclose(v, r, rel_tol=1e-9, abs_tol=1e-6):
        return int(r)
    return v


@dataclass
class _Reader:
    """State of one left-to-right read: groups below 1000 are filled slot by slot
    (hundreds, tens, units, teen), and each scale word closes a group and must be
    smaller than the scale before it, which is what makes ``ثلاثة آلاف وخمسمائة``
    3500 and stops ``خمسة وخمسة`` after the first word."""

    total: float = 0.0
    group: float = 0.0
    slots: frozenset[str] = frozenset()
    last_scale: float = math.inf
    prev_unit_bare: bool = False  # the previous element was a unit with no و before it
    pending_teen: bool = False  # أحد/إحدى read, عشر must follow

    @property
    def started(self) -> bool:
        return bool(self.total or self.group or self.slots)


def _step(r: _Reader, el: Word | float, conj: bool) -> bool:
    """Apply one element to the reader; False when it cannot continue the number."""
    after_scale = r.total > 0 and not r.slots
    if isinstance(el, (int, float)) and not isinstance(el, bool):  # a digit group
        if r.started and not (after_scale and conj and el < r.last_scale):
            return False
        r.group, r.slots, r.prev_unit_bare = el, frozenset({"d"}), False
        return True
    kind = el.kind
    if r.pending_teen and kind != "ten":
        return False
    # After the first element, every new part needs a و, except a teen's عشر,
    # a hundred after its unit (ثلاث مائة) and a scale after its count.
    bare_ok = kind == "scale" or (r.prev_unit_bare and kind in ("ten", "hundred"))
    if r.started and not conj and not bare_ok:
        return False
    if kind in ("unit", "teen_only"):
        if r.slots & {"u", "teen", "d"} or (after_scale and not conj):
            return False
        r.group += el.value
        r.slots |= {"u"}
        r.prev_unit_bare, r.pending_teen = True, kind == "teen_only"
        return True
    if kind == "ten":
        if r.prev_unit_bare and not conj and "teen" not in r.slots and "t" not in r.slots:
            r.group += 10
            r.slots |= {"teen"}
        elif not r.slots & {"u", "t", "teen", "d"}:
            r.group += 10
            r.slots |= {"t", "u"}
        else:
            return False
        r.prev_unit_bare = r.pending_teen = False
        return True
    if kind == "tens":
        if r.slots & {"t", "teen", "d"}:
            return False
        r.group += el.value
        r.slots |= {"t"}
        r.prev_unit_bare = False
        return True
    if kind == "hundred":
        if el.value == 100 and r.prev_unit_bare and not conj and r.slots == {"u"}:
            r.group *= 100
        elif not r.slots:
            r.group += el.value
        else:
            return False
        r.slots, r.prev_unit_bare = frozenset({"h"}), False
        return True
    if kind == "fraction":
        if not (after_scale and conj and math.isfinite(r.last_scale)) or "f" in r.slots:
            return False
        r.total += el.value * r.last_scale
        r.slots = frozenset({"f"})
        return True
    # A scale word.
    if el.value >= r.last_scale or "f" in r.slots:
        return False
    if r.group == 0 and not r.slots:
        if el.form == "plural" or (r.total and not conj):
            return False  # آلاف alone is vague; a second bare scale is a new number
        mult = 1 if el.form == "singular" else 2
    else:
        if el.form == "dual" or conj:
            return False
        mult = r.group
    r.total += mult * el.value
    r.group, r.slots, r.last_scale, r.prev_unit_bare = 0.0, frozenset(), el.value, False
    return True


def read_number(tokens: Sequence[Token], i: int) -> tuple[int | float, int] | None:
    """Read the number expression starting at ``tokens[i]``.

    Returns its value and the index just past its last token, or None when no
    number starts there. A trailing ``و`` that joins nothing is left unread.
    """
    r = _Reader()
    best: tuple[int | float, int] | None = None
    pos = i
    while pos < len(tokens):
        tok, conj = tokens[pos], False
        if pos > i and tok.kind == "word" and tok.text == "و":
            if pos + 1 >= len(tokens):
                break
            conj, pos = True, pos + 1
            tok = tokens[pos]
        if tok.kind == "num":
            el: Word | float | None = parse_digits(tok.text)
        elif tok.kind == "word":
            hit = number_word(tok.text, first=pos == i)
            el = None
            if hit is not None:
                el, glued = hit
                if glued and conj:
                    el = None  # "و وخمسة": two conjunctions
                conj = conj or glued
        else:
            el = None
        if el is None or not _step(r, el, conj):
            break
        pos += 1
        if not r.pending_teen:
            best = (clean_value(r.total + r.group), pos)
    return best


def parse(text: str) -> int | float | None:
    """The value of a whole numeral expression (any script, separators, words, proclitic).

    >>> parse("ثلاثة آلاف وخمسمائة"), parse("و593"), parse("١٢٬٤٠٦"), parse("2.5 مليون")
    (3500, 593, 12406, 2500000)
    """
    tokens = tokenize(normalise(text).text)
    if len(tokens) >= 2 and tokens[0].kind == "word" and tokens[1].kind == "num" and tokens[0].end == tokens[1].start:
        if tokens[0].text in _tables()[2]:
            tokens = tokens[1:]
    if not tokens:
        return None
    got = read_number(tokens, 0)
    if got is None or got[1] != len(tokens):
        return None
    return got[0]
