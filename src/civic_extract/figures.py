"""Figures: every count or amount about the civic activity, with value, category and qualifier.

A figure is a number (:mod:`civic_extract.numerals` reads any way of writing
it) attached to a counted noun that the lexicon knows
(``data/lexicons/figures.json``): ``4718 مستفيداً``, ``ثلاث قوافل طبية``,
``أزيد من 14 ألف مستفيد``, ``2 مليون درهم``, ``طبيبين``. The noun decides the
category (GUIDELINES.md, Figures), refined by the words after it
(``عملية جراحية``; ``تدخلاً في طب الأسنان`` is dental care), by a partitive
(``25 فرداً من الأطر الصحية`` are health staff) or by the verb before it
(``تحويل 38 حالة`` are referrals, ``تبرع 96 شخصاً`` donors). A number with no
known noun is not a figure: that is what keeps match scores, prices, minutes
and weather readings out. The noun may also come before the number
(``عدد المستفيدين بلغ 400``, ``المتبرعون: 120``, a list item ``حالة 57``), or be
implied by the figure before (``من أصل 640``, ``318 منهم``).

Numbers that are not counts are dropped first, each by a named rule (see
:func:`_excluded`): dates and years, times, durations and ages, ordinals and
rankings, law and decree numbers, phone numbers, percentages, scores, numbers
inside names (``كوفيد 19``, ``Medica 7``) and family sizes. An article with no
word of civic activity at all (sports, markets, weather) has no figures.
Matching runs on normalised text and every span is mapped back to the original
with :meth:`Normalised.span`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

import regex
from spacy.language import Language
from spacy.tokens import Doc

from . import extensions
from .normalise import Normalised, normalise, normalised
from .numerals import Token, clean_value, number_word, read_number, tokenize
from .schema import Figure

# Clause punctuation: context windows never cross it.
_CLAUSE_END = frozenset(".!?؟;؛:,،()[]«»\"“”")
_SENTENCE_END = frozenset(".!?؟;؛")
# Numbers joined by these are one date, season, score, range or time (17/09/2024, 2-0, 07:14).
_CHAIN = frozenset("/\\-:–")
# Categories of people, which a partitive or a verb may pass to a noun of people.
_PEOPLE = frozenset({"beneficiaries", "households", "participants", "donors", "volunteers", "doctors", "health_staff"})
_LATIN = regex.compile(r"[a-z]")


def _fold(s: str) -> str:
    return normalise(s).text.lower()


@lru_cache(maxsize=8192)
def _stems(word: str, article: bool = True) -> tuple[str, ...]:
    """A word, then without و/ف, without ب/ل/ك, and (with ``article``) without ال / لل."""
    out = [word]
    w = word
    if len(w) > 3 and w[0] in "وف":
        w = w[1:]
        out.append(w)
    if len(w) > 3 and w[0] in "بلك":
        if w.startswith("لل") and article:
            out += ["ال" + w[2:], w[2:]]
            return tuple(out)
        w = w[1:]
        out.append(w)
    if article and len(w) > 4 and w.startswith("ال"):
        out.append(w[2:])
    return tuple(out)


def _in(words: frozenset[str], w: str, article: bool = True) -> bool:
    return any(s in words for s in _stems(w, article))


@dataclass(frozen=True)
class Refine:
    """A cue after the noun (or anywhere in the article) that sets its category."""

    cues: tuple[str, ...]
    category: str | None
    window: int = 0
    scope: str = "window"  # or "article"


@dataclass(frozen=True)
class ContextRule:
    """A cue before the number that re-categorises a noun (تحويل 38 حالة -> referrals)."""

    cues: frozenset[str]
    category: str | None
    window: int
    applies_to: frozenset[str]
    person: bool
    strong: bool


@dataclass(frozen=True)
class Noun:
    """A counted noun of the lexicon, shared by all its forms."""

    category: str | None
    refine: tuple[Refine, ...] = ()
    person: bool = False
    unit: str | None = None
    currency: str | None = None
    factor: float = 1.0
    qualified: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Lexicon:
    nouns: dict[str, Noun]
    duals: dict[str, Noun]
    person_refine: tuple[Refine, ...]
    context_before: tuple[ContextRule, ...]
    partitive: frozenset[str]
    qualifiers: dict[tuple[str, ...], str]
    qualifier_verbs: dict[str, str]
    qualifiers_after: dict[tuple[str, ...], str]
    count_of: frozenset[str]
    benefit_verbs: tuple[str, ...]
    out_of: tuple[tuple[str, ...], ...]
    anaphora: frozenset[str]
    family_before: frozenset[str]
    civic_prefixes: tuple[str, ...]
    civic_words: frozenset[str]
    excl: dict[str, frozenset[str]]
    excl_phrases: dict[str, tuple[tuple[str, ...], ...]]
    months: frozenset[str]
    # excl_phrases by their first word, for :meth:`_Text.matches_any`.
    excl_first: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = field(default_factory=dict)


def _by_first(phrases: Iterable[tuple[str, ...]]) -> dict[str, tuple[tuple[str, ...], ...]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for p in phrases:
        out.setdefault(p[0], []).append(p)
    return {k: tuple(v) for k, v in out.items()}


def _accusative(form: str) -> str | None:
    """The tanwin-alif spelling (مستفيداً, أشخاصاً) of a form that takes one."""
    if " " in form or form.endswith(("ه", "ا", "ين", "ون", "ات")) or not regex.match(r"\p{Arabic}", form):
        return None
    return form + "ا"


def _dual(form: str) -> tuple[str, ...]:
    """The dual spellings of a singular (طبيبين, قافلتين): indefinite, not construct."""
    if " " in form or not regex.match(r"\p{Arabic}", form) or form.endswith(("ا", "ء")):
        return ()
    stem = form[:-1] + "ت" if form.endswith("ه") else form
    return (stem + "ين", stem + "ان")


def _refines(items: Iterable[dict[str, Any]]) -> tuple[Refine, ...]:
    return tuple(Refine(tuple(_fold(c) for c in r["cues"]), r["category"], r.get("window", 0),
                        r.get("scope", "window")) for r in items)


def _phrases(table: dict[str, list[str]]) -> dict[tuple[str, ...], str]:
    return {tuple(_fold(p).split()): q for q, ps in table.items() for p in ps}


@lru_cache(maxsize=1)
def _month_names() -> frozenset[str]:
    """Gregorian month names in every Arabic regional series, from CLDR via Babel."""
    from babel import Locale

    names: set[str] = set()
    for loc in ("ar", "ar_MA", "ar_DZ", "ar_TN", "ar_LB", "ar_IQ", "ar_SY", "ar_JO", "ar_EG"):
        months = Locale.parse(loc).months
        for ctx in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for name in months[ctx][width].values():
                    names.add(_fold(name).split()[0])
    return frozenset(names)


def _noun(entry: dict[str, Any]) -> Noun:
    return Noun(
        category=entry["category"],
        refine=_refines(entry.get("refine", [])),
        person=entry.get("person", False),
        unit=entry.get("unit"),
        currency=entry.get("currency"),
        factor=entry.get("factor", 1.0),
        qualified=tuple((_fold(k), v) for k, v in entry.get("qualified", {}).items()),
    )


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load ``data/lexicons/figures.json`` once, with every form folded."""
    ref = resources.files("civic_extract") / "data" / "lexicons" / "figures.json"
    data = json.loads(ref.read_text(encoding="utf-8"))
    nouns: dict[str, Noun] = {}
    duals: dict[str, Noun] = {}
    for entry in data["nouns"]:
        noun = _noun(entry)
        singular = [_fold(f) for f in entry["singular"]]
        for form in singular + [_fold(f) for f in entry["plural"]]:
            nouns.setdefault(form, noun)
            acc = _accusative(form)
            if acc:
                nouns.setdefault(acc, noun)
        if noun.currency is None:
            for form in singular:
                for d in _dual(form):
                    duals.setdefault(d, noun)
    # A dual spelled like a plural (مستفيدين) is read as the plural.
    not_duals = {_fold(w) for w in data["not_duals"]}
    duals = {k: v for k, v in duals.items() if k not in nouns and k not in not_duals}
    ex = data["exclusions"]
    return Lexicon(
        nouns=nouns,
        duals=duals,
        person_refine=_refines(data["person_refine"]),
        context_before=tuple(
            ContextRule(frozenset(_fold(c) for c in r["cues"]), r["category"], r["window"],
                        frozenset(r["applies_to"]), r.get("person", False), r.get("strong", False))
            for r in data["context_before"]),
        partitive=frozenset(_fold(w) for w in data["partitive"]),
        qualifiers=_phrases(data["qualifiers"]),
        qualifier_verbs={_fold(v): q for q, vs in data["qualifier_verbs"].items() for v in vs},
        qualifiers_after=_phrases(data["qualifiers_after"]),
        count_of=frozenset(_fold(w) for w in data["count_of"]),
        benefit_verbs=tuple(_fold(w) for w in data["benefit_verbs"]),
        out_of=tuple(tuple(_fold(w).split()) for w in data["out_of"]),
        anaphora=frozenset(_fold(w) for w in data["anaphora"]),
        family_before=frozenset(_fold(w) for w in data["family_before"]),
        # Short cues (دم) must be the whole word, or دمشق would count.
        civic_prefixes=tuple(_fold(w) for w in data["civic_cues"] if len(_fold(w)) > 2),
        civic_words=frozenset(_fold(w) for w in data["civic_cues"] if len(_fold(w)) <= 2),
        excl={k: frozenset(_fold(w) for w in v) for k, v in ex.items()},
        excl_phrases={k: tuple(tuple(_fold(w).split()) for w in v) for k, v in ex.items()},
        months=_month_names() | {_fold(m).split()[0] for m in ex["months_extra"]},
        excl_first={k: _by_first(tuple(_fold(w).split()) for w in v) for k, v in ex.items()},
    )


class _Text:
    """Normalised text, its tokens, and per-token clause and sentence ids."""

    def __init__(self, text: str) -> None:
        self.norm: Normalised = normalised(text)
        self.toks: list[Token] = tokenize(self.norm.text)
        self.words = [t.text.lower() for t in self.toks]
        self.clause: list[int] = []
        self.sent: list[int] = []
        self.line: list[int] = []
        c = s = ln = 0
        prev_end = 0
        for t in self.toks:
            breaks = self.norm.text.count("\n", prev_end, t.start)
            if breaks:
                c, s, ln = c + 1, s + 1, ln + breaks
            self.clause.append(c)
            self.sent.append(s)
            self.line.append(ln)
            if t.kind == "punct" and t.text in _CLAUSE_END:
                c += 1
                if t.text in _SENTENCE_END:
                    s += 1
            prev_end = t.end
        self._article_stems: frozenset[str] | None = None
        # Title-like lines (short, no closing full stop): a headline, kicker or subtitle.
        self.heading = [len(ln.strip()) < 150 and not ln.rstrip().endswith((".", "،", ":"))
                        for ln in self.norm.text.split("\n")]

    def __len__(self) -> int:
        return len(self.toks)

    def word(self, i: int) -> str:
        return self.words[i] if 0 <= i < len(self.toks) else ""

    def is_word(self, i: int) -> bool:
        return 0 <= i < len(self.toks) and self.toks[i].kind == "word"

    def is_num(self, i: int) -> bool:
        return 0 <= i < len(self.toks) and self.toks[i].kind == "num"

    def same_clause(self, i: int, j: int) -> bool:
        return 0 <= i < len(self.toks) and 0 <= j < len(self.toks) and self.clause[i] == self.clause[j]

    def matches(self, i: int, phrase: tuple[str, ...]) -> bool:
        """Whether ``phrase`` starts at token i (its first word may carry a proclitic)."""
        if i < 0 or i + len(phrase) > len(self.toks):
            return False
        w = self.words[i]
        # Every stem is a substring of the word, except ال + rest for لل; test that cheaply first.
        if (phrase[0] not in w and not phrase[0].startswith("ال")) or phrase[0] not in _stems(w):
            return False
        return all(self.words[i + k] == phrase[k] for k in range(1, len(phrase)))

    def matches_any(self, i: int, by_first: dict[str, tuple[tuple[str, ...], ...]]) -> bool:
        """Whether one of the phrases (indexed by first word) starts at token i; as ``any(matches)``."""
        if not 0 <= i < len(self.toks):
            return False
        for stem in _stems(self.words[i]):
            for phrase in by_first.get(stem, ()):
                if self.matches(i, phrase):
                    return True
        return False

    def article_stems(self) -> frozenset[str]:
        """Every word of the article, with and without its proclitics (for article-scope cues)."""
        if self._article_stems is None:
            self._article_stems = frozenset(s for i, w in enumerate(self.words) if self.toks[i].kind == "word"
                                            for s in _stems(w))
        return self._article_stems

    def before(self, s: int, n: int) -> Iterable[int]:
        """Up to n token indices before s, nearest first, inside the clause of s."""
        for k in range(s - 1, max(-1, s - 1 - n), -1):
            if not self.same_clause(k, s):
                return
            yield k


@dataclass
class _Hit:
    """A figure found in normalised text, before it is mapped back."""

    start: int  # token index where the figure's text starts
    end: int  # token index just past it
    value: int | float
    category: str
    rule: str
    num_start: int
    qualifier: str = "exact"
    noun_tok: int | None = None
    unit: str | None = None
    currency: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # token spans of merged repeats


def _cue_width(stems: tuple[str, ...], phrase: str, cues: tuple[str, ...]) -> int:
    """How many words a cue covers from here (0: no cue): prefix cues, or a phrase (من الدم)."""
    for c in cues:
        if " " in c:
            if phrase.startswith(c):
                return c.count(" ") + 1
        elif any(st.startswith(c) for st in stems):
            return 1
    return 0


def _excluded(t: _Text, lex: Lexicon, s: int, e: int, value: float) -> str | None:
    """The rule that makes the number at tokens [s, e) not a count, or None."""
    ex = lex.excl
    first = t.toks[s]
    prev, nxt = t.word(s - 1), t.word(e)
    if t.is_num(s - 2) and t.toks[s - 1].kind == "punct" and prev in _CHAIN:
        return "time" if prev == ":" else "date_or_score"
    if t.is_num(e + 1) and t.toks[e].kind == "punct" and nxt in _CHAIN:
        return "time" if nxt == ":" else "date_or_score"
    if first.kind == "num":
        raw = first.text
        if raw.startswith("0") and (len(raw) >= 8 or t.is_num(e)):
            return "phone"
        if prev == "+" or (raw.isdigit() and len(raw) >= 9):
            return "phone"
        if prev == "_" or nxt == "_" or (_LATIN.match(prev) and t.same_clause(s - 1, s)):
            return "name"
        if _LATIN.match(nxt) and t.toks[e - 1].end == t.toks[e].start and nxt not in lex.nouns:
            return "time" if nxt in ex["time_units"] else "name"
        if nxt == "ه" and t.toks[e - 1].end == t.toks[e].start:
            return "year"  # 1446هـ
    if t.matches_any(e, lex.excl_first["percent"]):
        return "percent"
    if _in(ex["time_units"], nxt, article=False):
        unit = lex.nouns.get(nxt)
        if unit is None or _refine(t, lex, unit, e)[0] is None:
            return "duration"
    if t.matches_any(e, lex.excl_first["time_after"]):
        return "time"
    # A month name after ("07 و08 نونبر", "27 يناير الى 03 فبراير") or right before.
    k = e
    while k < min(len(t), e + 4):
        w = t.word(k)
        if t.is_word(k) and _in(lex.months, w, article=False):
            return "date"
        if not (t.is_num(k) or w in ("و", "-", "/", "الي", "حتي")):
            break
        k += 1
    if t.is_word(s - 1) and _in(lex.months, prev, article=False):
        return "date"
    if isinstance(value, int) and 1300 <= value <= 2100 and first.kind == "num" and len(first.text) == 4 and (
            _in(ex["year_before"], prev, article=False)
            or (_in(ex["year_before_weak"], prev, article=False) and _noun_at(t, lex, e) is None)):
        return "year"
    if t.same_clause(s - 1, s):
        for rule in ("date_before", "ordinal_before", "ranking_before", "law_before", "time_before",
                     "phone_before", "name_before"):
            if _in(ex[rule], prev, article=False):
                return rule.removesuffix("_before")
        if prev in ("رقم", "عدد") and _in(ex["law_before"], t.word(s - 2), article=False):
            return "law"
        # جمعية مغرب 21: an organisation type, one bare word, then the number closes the name.
        # The word must not be a particle or a short present-tense verb (شبكة تضم 65 طبيباً).
        if t.is_word(s - 1) and _in(ex["org_before"], t.word(s - 2), article=False) and not (
                prev.startswith("ال") or prev in ex["not_names"] or prev in lex.nouns
                or number_word(prev) is not None or (prev[0] in "تي" and len(prev) <= 4)):
            return "name"
    for k in t.before(s, 3):
        if t.words[k] in ex["age_before"]:
            return "age"
    for k in t.before(s, 2):
        if _in(lex.family_before, t.words[k], article=False):
            return "family_size"
    return None


def _qualifier_before(t: _Text, lex: Lexicon, s: int) -> tuple[str, int]:
    """A qualifier phrase ending right before token s (and where it starts), else a verb a few words back."""
    for n in (4, 3, 2, 1):
        if s - n < 0:
            continue
        rest = tuple(t.words[s - n + 1:s])
        for stem in _stems(t.words[s - n]):
            q = lex.qualifiers.get((stem,) + rest)
            if q:
                return q, s - n
    for k in t.before(s, 3):
        if t.is_num(k):
            break
        for stem in _stems(t.words[k]):
            q = lex.qualifier_verbs.get(stem)
            if q:
                return ("at_most" if t.word(k - 1) in ("لا", "لم", "لن") else q), s
    return "exact", s


def _qualifier_after(t: _Text, lex: Lexicon, e: int) -> tuple[str | None, int]:
    for phrase, q in lex.qualifiers_after.items():
        for k in (e, e + 1):
            if t.same_clause(e - 1, k) and t.matches(k, phrase):
                return q, k + len(phrase)
    return None, e


def _noun_at(t: _Text, lex: Lexicon, i: int) -> Noun | None:
    """The counted noun of token i, read as written or after و (مستفيدا ومستفيدة)."""
    if not t.is_word(i):
        return None
    w = t.words[i]
    n = lex.nouns.get(w)
    if n is None and len(w) > 3 and w[0] == "و":
        n = lex.nouns.get(w[1:])
    return n


def _any_noun(t: _Text, lex: Lexicon, i: int) -> Noun | None:
    """A counted noun with or without its article and proclitics (الأطر, للمتبرعين, أطقم)."""
    if not t.is_word(i):
        return None
    for stem in _stems(t.words[i]):
        n = lex.nouns.get(stem)
        if n is not None:
            return n
    return None


def _refine(t: _Text, lex: Lexicon, noun: Noun, i: int) -> tuple[str | None, int, bool]:
    """The category of the noun at token i after its cues: (category, last token used, whether a cue fired)."""
    for r in noun.refine + (lex.person_refine if noun.person else ()):
        if r.scope == "article":
            if any(c in t.article_stems() for c in r.cues):
                return r.category, i, True
            continue
        for k in range(i + 1, min(len(t), i + 1 + r.window)):
            if not t.same_clause(i, k) or t.is_num(k):
                break
            width = _cue_width(_stems(t.words[k]), " ".join(t.words[k:k + 3]), r.cues)
            if width:
                # The text keeps a cue that follows the noun directly (عملية خلع, وحدة من الدم).
                return r.category, (k + width - 1 if k == i + 1 else i), True
    # A partitive names who a generic "person" was (25 فرداً من الأطر الصحية).
    if noun.person and noun.category == "beneficiaries" and t.word(i + 1) in lex.partitive:
        other = _any_noun(t, lex, i + 2)
        if other is not None and not other.person and other.category in _PEOPLE:
            return other.category, i + 2, True
    return noun.category, i, False


def _context_category(t: _Text, lex: Lexicon, noun: Noun | None, category: str, s: int,
                      cued: bool = False) -> str | None:
    """Re-categorise by a verb before the number: تحويل 38 حالة, تبرع 96 شخصاً, فحصت 260 تلميذاً.

    After a cue of the noun's own (``cued``) only strong rules apply; None means not a figure.
    """
    for rule in lex.context_before:
        if category not in rule.applies_to or (rule.person and not (noun and noun.person)) or (
                cued and not rule.strong):
            continue
        for k in t.before(s, rule.window):
            if _in(rule.cues, t.words[k]):
                return rule.category
    return category


def _currency(t: _Text, noun: Noun, i: int) -> str | None:
    if noun.currency is None:
        return None
    for stem in _stems(t.word(i + 1)):
        for adj, code in noun.qualified:
            if stem == adj:
                return code
    return noun.currency


def _market_talk(t: _Text, lex: Lexicon, i: int) -> bool:
    """Market, price or budget-line talk in the sentence: amounts and tonnages there are not the activity's."""
    sid = t.sent[i]
    k = i
    while k > 0 and t.sent[k - 1] == sid:
        k -= 1
    cues = lex.excl["market_context"]
    while k < len(t) and t.sent[k] == sid:
        if t.is_word(k) and _in(cues, t.words[k]):
            return True
        k += 1
    return False


def _after_number(t: _Text, lex: Lexicon, s: int, e: int, value: float) -> _Hit | None:
    """A counted noun right after the number, or after من (15 من الأطر الصحية)."""
    i = e
    noun = _noun_at(t, lex, i)
    if noun is None and t.word(e) in lex.partitive and not any(t.matches(e, p) for p in lex.out_of):
        i = e + 1
        noun = _any_noun(t, lex, i)
    if noun is None or not t.same_clause(s, i):
        return None
    category, last, cued = _refine(t, lex, noun, i)
    if category is None:
        return None
    category = _context_category(t, lex, noun, category, s, cued)
    if category is None:
        return None
    if category == "money" or noun.unit:
        if _market_talk(t, lex, i):
            return None
        value = clean_value(value * noun.factor)
    elif not isinstance(value, int):
        return None
    return _Hit(s, max(i, last) + 1, value, category, "number+noun" if i == e else "number+partitive", s,
                noun_tok=i, unit=noun.unit, currency=_currency(t, noun, i))


def _before_number(t: _Text, lex: Lexicon, s: int, e: int, value: float) -> _Hit | None:
    """A counted noun before the number: عدد المستفيدين بلغ 400, المتبرعون: 120, or a list item (حالة 57)."""
    if not isinstance(value, int):
        return None
    # عدد/مجموع + noun, then up to four linking words (or a colon), then the number.
    for k in range(s - 1, max(-1, s - 7), -1):
        tok = t.toks[k]
        if tok.kind == "num" or (tok.kind == "punct" and tok.text != ":") or t.sent[k] != t.sent[s]:
            break
        if tok.kind == "word" and _in(lex.count_of, t.words[k]):
            noun = _any_noun(t, lex, k + 1)
            category = _refine(t, lex, noun, k + 1)[0] if noun is not None else None
            if category and category != "money":
                return _Hit(k, e, value, category, "count_of+number", s, noun_tok=k + 1)
    if t.word(s - 1) == ":":
        noun = _any_noun(t, lex, s - 2)
        if noun is not None and noun.category and noun.category != "money":
            return _Hit(s - 2, e, value, noun.category, "noun:number", s, noun_tok=s - 2)
    # A bare noun right before a number that closes its clause: kept only inside a list of counts.
    noun = _noun_at(t, lex, s - 1)
    closes = e >= len(t) or t.clause[e] != t.clause[e - 1] or t.words[e] in _CLAUSE_END
    if noun is not None and noun.category and noun.category != "money" and closes and t.same_clause(s - 1, s):
        return _Hit(s - 1, e, value, noun.category, "list:noun+number", s, noun_tok=s - 1)
    return None


def _number_word_after_noun(t: _Text, lex: Lexicon, s: int, e: int, value: float) -> _Hit | None:
    """A number word after its noun, maybe past one adjective: الحملات الثلاث, الحملات الطبية الثلاث, ممرضين اثنين."""
    if not t.is_word(s) or not t.same_clause(s - 1, s):
        return None
    n = s - 1
    if _any_noun(t, lex, n) is None and t.words[n].startswith("ال") and t.same_clause(n - 1, s) \
            and t.is_word(n - 1) and t.words[n - 1].startswith(("ال", "لل", "وال", "بال")):
        n -= 1  # الحملات الطبية الثلاث
    noun = _any_noun(t, lex, n)
    definite = t.words[n].startswith(("ال", "لل", "وال", "بال"))
    if noun is None or noun.category in (None, "money") or not (definite or value == 2):
        return None
    return _Hit(n, e, value, noun.category, "noun+number_word", s, noun_tok=n)


def _from_previous(t: _Text, lex: Lexicon, hits: list[_Hit], s: int, e: int, value: float) -> _Hit | None:
    """Out of N (من أصل 640) and N of them (318 منهم, 400 آخرين): the category of what came before."""
    if not isinstance(value, int):
        return None
    if any(t.matches(s - len(p), p) for p in lex.out_of) and not _noun_at(t, lex, e):
        rule = "out_of"
    elif t.word(e) in lex.anaphora:
        rule = "anaphora"
        # A referral verb before ("إحالة 58 منهم") or the service named right after
        # ("لـ318 منهم عمليات") decides.
        ctx = _context_category(t, lex, None, "beneficiaries", s)
        if ctx is None:
            return None
        if ctx != "beneficiaries":
            return _Hit(s, e + 1, value, ctx, rule, s)
        noun = _any_noun(t, lex, e + 1) if t.same_clause(e, e + 1) else None
        if noun is not None and noun.category and not noun.person:
            category, _, _ = _refine(t, lex, noun, e + 1)
            if category:
                return _Hit(s, e + 2, value, category, rule, s)
    else:
        return None
    # Out of N continues the figure just before; N of them / N others, the last count of people.
    prev = next((h for h in reversed(hits) if t.sent[h.num_start] == t.sent[s]
                 and (rule == "out_of" or h.category in _PEOPLE)), None)
    if prev is None:
        return None
    return _Hit(s, e + (rule == "anaphora"), value, prev.category, rule, s, unit=prev.unit, currency=prev.currency)


def _numbers(t: _Text) -> Iterable[tuple[int, int, int | float]]:
    """Every number expression: (first token, token past the end, value)."""
    k = 0
    while k < len(t):
        tok = t.toks[k]
        got = None
        if tok.kind == "num" or (tok.kind == "word" and number_word(tok.text) is not None):
            got = read_number(t.toks, k)
        if got is None:
            k += 1
            continue
        value, end = got
        yield k, end, value
        k = end


def _qualify(t: _Text, lex: Lexicon, hit: _Hit) -> _Hit:
    q, qstart = _qualifier_before(t, lex, hit.num_start)
    if q == "exact" and hit.start < hit.num_start:
        q, qstart = _qualifier_before(t, lex, hit.start)
    q_after, q_end = _qualifier_after(t, lex, hit.end)
    hit.qualifier = q_after or q
    hit.start, hit.end = min(hit.start, qstart), max(hit.end, q_end)
    return hit


def _find(t: _Text, lex: Lexicon) -> list[_Hit]:
    hits: list[_Hit] = []
    list_items: list[_Hit] = []
    numbers: set[int] = set()
    for s, e, value in _numbers(t):
        numbers.update(range(s, e))
        if _excluded(t, lex, s, e, value):
            continue
        hit = _after_number(t, lex, s, e, value)
        if hit is None and isinstance(value, int) and t.word(e).startswith(lex.benefit_verbs):
            hit = _Hit(s, e + 1, value, "beneficiaries", "number+benefit_verb", s)
        if hit is None:
            hit = _number_word_after_noun(t, lex, s, e, value) or _from_previous(t, lex, hits, s, e, value)
        if hit is None:
            hit = _before_number(t, lex, s, e, value)
            if hit is not None and hit.rule.startswith("list:"):
                list_items.append(_qualify(t, lex, hit))
                continue
        if hit is not None:
            hits.append(_qualify(t, lex, hit))
    # A list item counts only next to other counts of its sentence.
    for item in list_items:
        if any(t.sent[h.num_start] == t.sent[item.num_start] and abs(h.num_start - item.num_start) <= 10
               for h in hits + [x for x in list_items if x is not item]):
            hits.append(item)
    # A definite number word after a definite noun (الحملات الثلاث): read_number takes no article.
    taken = numbers.union(*(range(h.start, h.end) for h in hits))
    for i, w in enumerate(t.words):
        if i in taken or not w.startswith("ال") or not t.is_word(i):
            continue
        word = number_word(w[2:], first=False)
        if word is None or word[0].kind not in ("unit", "ten", "tens") or word[0].value < 2:
            continue  # للقفة الواحدة is "per basket", not a count
        hit = _number_word_after_noun(t, lex, i, i + 1, word[0].value)
        if hit is not None and hit.start not in taken:
            hits.append(_qualify(t, lex, hit))
    hits.extend(_duals(t, lex, hits, numbers))
    return hits


def _duals(t: _Text, lex: Lexicon, hits: list[_Hit], numbers: set[int]) -> list[_Hit]:
    """Duals of counted nouns standing alone: طبيبين, قافلتين طبيتين (not المخيمين, not جمعيتي)."""
    taken = numbers.union(*(range(h.start, h.end) for h in hits))
    out: list[_Hit] = []
    for i, w in enumerate(t.words):
        noun = lex.duals.get(w) or (lex.duals.get(w[1:]) if len(w) > 4 and w[0] in "وفبلك" else None)
        if noun is None or i in taken or not t.is_word(i) or t.is_num(i - 1):
            continue
        if out and out[-1].end == i:  # طبيبان متطوعان: one pair of people
            continue
        category, last, cued = _refine(t, lex, noun, i)
        if category is None:
            continue
        category = _context_category(t, lex, noun, category, i, cued)
        if category is None:
            continue
        out.append(_qualify(t, lex, _Hit(i, max(i, last) + 1, 2, category, "dual_noun", i, noun_tok=i,
                                         unit=noun.unit)))
        taken.update(range(i, max(i, last) + 1))
    return out


def _merge(t: _Text, hits: list[_Hit]) -> list[_Hit]:
    """One figure per (value, category): a count stated twice is listed once, with every span.

    The qualifier is the body's: a title's ``700 متطوع`` gives way to the
    body's ``أكثر من 700``, as a title's ``أكثر من 4200`` to the body's ``4.200``.
    """
    by_key: dict[tuple[Any, str], _Hit] = {}
    in_body: set[tuple[Any, str]] = set()
    for h in sorted(hits, key=lambda h: h.start):
        key = (h.value, h.category)
        body = not t.heading[t.line[h.num_start]]
        first = by_key.get(key)
        if first is None:
            by_key[key] = h
        else:
            first.spans.append((h.start, h.end))
            if body and key not in in_body:
                first.qualifier = h.qualifier
        if body:
            in_body.add(key)
    return list(by_key.values())


def _to_figure(t: _Text, h: _Hit) -> Figure:
    spans = [(h.start, h.end)] + h.spans
    offsets = [list(t.norm.span(t.toks[a].start, t.toks[b - 1].end)) for a, b in spans]
    a, b = offsets[0]
    noun = None
    if h.noun_tok is not None:
        na, nb = t.norm.span(t.toks[h.noun_tok].start, t.toks[h.noun_tok].end)
        noun = t.norm.original[na:nb]
    return Figure(text=t.norm.original[a:b], value=h.value, category=h.category, qualifier=h.qualifier,
                  offsets=offsets, rule=h.rule, noun=noun, unit=h.unit, currency=h.currency)


def _is_civic(t: _Text, lex: Lexicon) -> bool:
    """Whether any word of the article speaks of civic or health activity."""
    for i, w in enumerate(t.words):
        if t.toks[i].kind == "word":
            for stem in _stems(w):
                if stem in lex.civic_words or stem.startswith(lex.civic_prefixes):
                    return True
    return False


def find_figures(text: str, merge_repeats: bool = True) -> list[Figure]:
    """All figures of an article, sorted by offset (see the module docstring)."""
    if not text:
        return []
    lex = lexicon()
    t = _Text(text)
    if not _is_civic(t, lex):
        return []
    hits = _find(t, lex)
    if merge_repeats:
        hits = _merge(t, hits)
    return sorted((_to_figure(t, h) for h in hits), key=lambda f: f.offsets[0][0])


@Language.factory("civic_figures", assigns=["doc._.figures"], default_config={"merge_repeats": True})
class FigureFinder:
    """spaCy component: sets ``doc._.figures`` from :func:`find_figures` on ``doc.text``.

    merge_repeats: list a count stated twice (title and body) once, with all its spans.
    """

    def __init__(self, nlp: Language, name: str = "civic_figures", *, merge_repeats: bool = True) -> None:
        extensions.register()
        self.name = name
        self.merge_repeats = merge_repeats
        lexicon()  # load the data now, not on the first document

    def __call__(self, doc: Doc) -> Doc:
        doc._.figures = find_figures(extensions.doc_text(doc), merge_repeats=self.merge_repeats)
        return doc
