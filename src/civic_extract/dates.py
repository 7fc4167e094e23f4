"""Dates: every calendar date or period of an article, as ISO start/end with its precision.

Finding and normalising are two steps, as in dateparser (``search/`` apart from
the parser) and Duckling:

1. **Candidates.** Named regex patterns (``data/months/patterns.json``) are
   matched on ``normalise(text).text``, so Arabic-Indic digits, hamza seats and
   diacritics never matter. Their word lists come from the month tables that
   ``data/build_months.py`` generates from CLDR (every regional series: ماي،
   جانفي، كانون الثاني …) and from hijridate, plus the hand-kept
   ``overlay.json`` and ``cues.json``. Every candidate records the pattern that
   fired; it becomes the item's ``rule``.
2. **Normalising.** Each pattern's *kind* says how its groups are read: days and
   months and years of a list or range, a numeric date, a year after ``سنة``, a
   relative day. The calendar arithmetic is done here with ``datetime`` rather
   than by ``dateparser.parse``: the finder already knows which number is the
   day and which word the month, so parsing the candidate again would only cost
   time (dateparser takes about a millisecond per call) and would not know the
   Maghrebi months. Hijri dates go through :mod:`civic_extract.hijri`.

Overlapping candidates are settled leftmost-longest; a Hijri date written next
to its Gregorian equivalent (``5 رمضان 1445 الموافق 15 مارس 2024``) becomes one
date. A date without a year (``3 أبريل الجاري``) and every relative date
(``أمس``، ``الأسبوع المقبل``) need the publication date; without it they are
not emitted, because a guessed year is worse than a missing date. A bare number
is never a year: only a year word (``سنة``، ``عام``، ``موسم``), a month name or a
calendar mark (``2024م``، ``1445هـ``) makes it one. A Hijri month or year
(``رمضان 1445``، ``1445هـ``) covers Gregorian days that do not line up with
Gregorian months, so it is given as its first and last Gregorian day with
precision ``day``.

Examples (text -> start, end, precision)::

    يومي الجمعة والسبت 14 و15 نونبر 2025        -> 2025-11-14, 2025-11-15, day
    من 27 يناير إلى 03 فبراير 2014               -> 2014-01-27, 2014-02-03, day
    يوم الاثنين الموافق 3/4/1443هـ              -> 2021-11-08, 2021-11-08, day (hijri)
    آذار (مارس) 2023                             -> 2023-03, 2023-03, month
    خلال سنة 2024                                -> 2024, 2024, year
    أمس الاثنين (published 2023-05-16)           -> 2023-05-15, 2023-05-15, day (relative)
    رؤية 2030، لمدة 10 أيام، 0522 45 67 89       -> nothing
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import regex
from spacy.language import Language
from spacy.tokens import Doc

from civic_extract import extensions, hijri
from civic_extract.normalise import Normalised, normalise, normalised
from civic_extract.schema import DateValue

SERIES = ("maghreb", "mauritania", "algeria_tunisia", "levant_iraq", "egypt_gulf")
GREGORIAN_YEARS = (1900, 2099)
# A date without a year moves to the next or previous year only when that puts
# it within this many days of publication and the publication year does not.
SEASON_DAYS = 92
# Word boundaries for Arabic: a word starts after a non-letter, or after one
# proclitic letter (و ف ب ل ك) that itself follows a non-letter (لسنة، بشهر).
_LB = r"(?<=(?:^|[^\p{L}])[وبلفك]?)"
_RB = r"(?!\p{L})"
_PLACEHOLDER = regex.compile(r"<<([A-Z_]+)>>")


def _data(name: str) -> dict[str, Any]:
    ref = resources.files("civic_extract.data") / "months" / name
    return json.loads(ref.read_text(encoding="utf-8"))


def _fold(word: str) -> str:
    """The form a word takes in normalised text, spaces collapsed."""
    return " ".join(normalise(word).text.split())


def _key(word: str) -> str:
    """Look-up key: normalised and without spaces (كانون 2 = كانون2)."""
    return _compact(normalise(word).text)


def _compact(text: str) -> str:
    """The look-up key of text that is already normalised (matched text is)."""
    return "".join(text.split())


@dataclass(frozen=True)
class Lexicon:
    """Every word list of the finder, normalised, read once from ``data/months``."""

    months: dict[int, list[str]]
    hijri_months: dict[int, list[str]]
    weekdays: dict[int, list[str]]
    ordinals: dict[str, int]
    relative: dict[str, str]  # cue -> "current" | "past" | "next"
    relative_day: dict[str, int]  # cue -> offset in days from publication
    cues: dict[str, list[str]]  # every plain word list of cues.json, normalised
    between: frozenset[str]  # range openers closed by و (بين 10 و12)
    month_part: dict[str, int]  # الأسبوع -> 7 days, النصف -> 15
    month_key: dict[str, int]  # look-up key of a name -> month number
    hijri_key: dict[str, int]
    weekday_key: dict[str, int]  # -> date.weekday()


def _merge_tables(*tables: dict[str, list[str]]) -> dict[int, list[str]]:
    """Number -> names, from several tables (CLDR series, overlay), normalised, first seen first."""
    out: dict[int, list[str]] = {}
    for table in tables:
        for number, names in table.items():
            out.setdefault(int(number), []).extend(_fold(n) for n in names)
    return {n: list(dict.fromkeys(v)) for n, v in sorted(out.items())}


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The word lists, read and normalised once per process."""
    overlay = _data("overlay.json")
    cues = _data("cues.json")
    months = _merge_tables(*(_data(f"{s}.json")["months"] for s in SERIES), overlay["gregorian"])
    hijri_months = _merge_tables(_data("hijri.json")["months"], overlay["hijri"])
    weekdays = _merge_tables(_data("weekdays.json")["weekdays"])

    def keyed(table: dict[int, list[str]]) -> dict[str, int]:
        return {_key(w): n for n, ws in table.items() for w in ws}

    return Lexicon(
        months=months,
        hijri_months=hijri_months,
        weekdays=weekdays,
        ordinals={_key(w): int(n) for n, words in cues["ordinal_day"].items() for w in words},
        relative={_key(w): sense for sense, words in cues["relative"].items() for w in words},
        relative_day={_key(w): n for w, n in cues["relative_day"].items()},
        cues={k: [_fold(w) for w in v] for k, v in cues.items() if isinstance(v, list)},
        between=frozenset(_key(w) for w in cues["range_between"]),
        month_part={_key(w): n for w, n in cues["month_part"].items()},
        month_key=keyed(months),
        hijri_key=keyed(hijri_months),
        weekday_key=keyed(weekdays),
    )


def _trie(words: Iterable[str]) -> str:
    """Words as one regex trie, so a position is rejected on its first letter.

    A plain alternation of a hundred month names makes the regex engine try
    every name at every position of the article; the trie form is several
    times faster and matches the same strings (longest first: optional tails
    are greedy).
    """
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [(r"\s*" if ch == " " else regex.escape(ch)) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _body(words: Iterable[str], trie: bool = True) -> str:
    """An alternation of normalised words: a trie, or longest first (see :func:`_words`)."""
    forms = {w for w in words if w}
    if trie:
        return f"(?:{_trie(forms)})"
    by_length = sorted(forms, key=lambda w: (-len(w), w))
    return "(?:" + "|".join(r"\s*".join(regex.escape(p) for p in w.split()) for w in by_length) + ")"


def _words(words: Iterable[str], right_bound: bool = True, trie: bool = True) -> str:
    """Normalised words with Arabic word bounds (a proclitic may precede).

    Without ``right_bound`` a word may be glued to what follows, as the
    conjunction و is (``و03``، ``ويوم``). A left context is matched backwards,
    where a trie would stop at the shortest word (بين before ما بين), so it gets
    a plain alternation, longest first (``trie=False``).
    """
    return _LB + _body(words, trie) + (_RB if right_bound else "")


def _month_words(table: dict[int, list[str]], trie: bool = True) -> str:
    """Month names, each optionally doubled by a name of the same month.

    The doubled form (مارس "آذار"، آذار (مارس)، أيلول/سبتمبر) is one month; the
    second name must be the same month, or ``مارس - أبريل 2024`` would be read
    as one month instead of a range.
    """
    parts = []
    for names in table.values():
        one = _body(names, trie) + _RB
        parts.append(rf"{one}(?:\s*[(\[\"«“'/\-]\s*{one}\s*[)\]\"»”']?)?")
    return f"{_LB}(?:" + "|".join(parts) + ")"


def _lexical(lex: Lexicon, trie: bool = True) -> dict[str, str]:
    """The word-list placeholders of ``patterns.json`` (``trie=False`` for left contexts)."""
    c, raw = lex.cues, _data("cues.json")

    def alt(words: Iterable[str], right_bound: bool = True) -> str:
        return _words(words, right_bound, trie)

    rel_words = {sense: [_fold(w) for w in ws] for sense, ws in raw["relative"].items()}
    relative_day = [_fold(w) for w in raw["relative_day"]]
    today = [w for w in relative_day if lex.relative_day[_key(w)] == 0]
    return {
        "MONTH": _month_words(lex.months, trie),
        "HMONTH": _month_words(lex.hijri_months, trie),
        "WD": alt(w for ws in lex.weekdays.values() for w in ws),
        "ORD": alt(_fold(w) for ws in raw["ordinal_day"].values() for w in ws),
        "GYEAR": r"(?<!\d)(?:19|20)\d\d(?!\d|[.,]\d)",
        "HYEAR": r"(?<!\d)1[345]\d\d(?!\d|[.,]\d)",
        "DAYPFX": alt(c["day_prefix"]),
        "TIME": alt(c["time_of_day"]),
        "EQUIV": alt(c["equivalence"]),
        "FROM": alt(c["range_from"]),
        "TO": alt(c["range_to"]),
        "AND": alt(c["list_and"], right_bound=False),
        "MONTHWORD": alt(c["month_word"]),
        "YEARWORD": alt(c["year_word"]),
        "YEARWORD_SHORT": alt(c["year_word_short"]),
        "GSUF": alt(c["gregorian_suffix"]),
        "GSUFW": alt(c["gregorian_suffix_word"]),
        "HSUF": alt(c["hijri_suffix"]),
        "REL": alt(w for ws in rel_words.values() for w in ws),
        "RELPN": alt(rel_words["past"] + rel_words["next"]),
        "TODAY": alt(today),
        "RELDAY": alt(w for w in relative_day if w not in today),
        "WEEK": alt(c["relative_week"]),
        "THEMONTH": alt(c["relative_month"]),
        "THEYEAR": alt(c["relative_year"]),
        "PART": alt(_fold(w) for w in raw["month_part"]),
        "LAST": alt(c["last"]),
        "THIS": alt(c["this"]),
    }


def _expand(template: str, macros: dict[str, str], words: dict[str, str], depth: int = 0) -> str:
    if depth > 10:
        raise ValueError(f"macro recursion in {template[:60]}")

    def sub(m: regex.Match) -> str:
        name = m.group(1)
        if name in macros:
            return _expand(macros[name], macros, words, depth + 1)
        return words[name]

    return _PLACEHOLDER.sub(sub, template)


@dataclass(frozen=True)
class Pattern:
    """One named candidate pattern; ``kind`` selects how its match is read.

    ``core`` starts with something selective (digits, a month, a cue word), so
    searching for it is fast; ``left`` is matched backwards from where the core
    starts, for what may precede it (يوم الأحد، من، سنة). ``anchor`` ("month")
    tries the core only where a month name stands. ``needs`` lists groups that
    must have matched (``a|b``: either).
    """

    name: str
    kind: str
    core: "regex.Pattern[str]"
    left: "regex.Pattern[str] | None" = None
    anchor: str | None = None
    needs: tuple[tuple[str, ...], ...] = ()


# How far back a left context may reach (يومي الجمعة والسبت الموافق لـ …).
LEFT_REACH = 80


@lru_cache(maxsize=1)
def patterns() -> tuple[Pattern, ...]:
    """The candidate patterns, compiled once from ``patterns.json`` and the word lists."""
    spec = _data("patterns.json")
    words, left_words = _lexical(lexicon()), _lexical(lexicon(), trie=False)

    def build(template: str, flags: int = 0) -> "regex.Pattern[str]":
        return regex.compile(_expand(template, spec["macros"], left_words if flags else words), flags)

    return tuple(
        Pattern(
            p["name"], p["kind"], build(p["regex"]),
            build(p["left"], regex.REVERSE) if p.get("left") else None,
            p.get("anchor"),
            tuple(tuple(n.split("|")) for n in p.get("needs", [])),
        )
        for p in spec["patterns"]
    )


@lru_cache(maxsize=1)
def _month_anchor() -> "regex.Pattern[str]":
    """Any month name, Gregorian or Hijri: where month-led patterns are tried."""
    lex = lexicon()
    return regex.compile(_words([w for t in (lex.months, lex.hijri_months) for ws in t.values() for w in ws]))


class Hit:
    """A core match and its left context (matched backwards), read as one match."""

    __slots__ = ("core", "left", "string")

    def __init__(self, core: regex.Match, left: regex.Match | None) -> None:
        self.core, self.string = core, core.string
        self.left = left if left is not None and left.end() > left.start() else None

    def start(self) -> int:
        return self.left.start() if self.left else self.core.start()

    def end(self) -> int:
        return self.core.end()

    def spans(self, name: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for m in (self.left, self.core):
            if m is not None and name in m.re.groupindex:
                out.extend(m.spans(name))
        return sorted(out)

    def captures(self, name: str) -> list[str]:
        return [self.string[s:e] for s, e in self.spans(name)]

    def group(self, name: str) -> str | None:
        found = self.captures(name)
        return found[-1] if found else None


# ---------------------------------------------------------------- normalising


@dataclass(frozen=True)
class Found:
    """A resolved date in normalised-text coordinates."""

    start: int
    end: int
    first: str
    last: str
    precision: str
    calendar: str
    rule: str
    inferred: bool = False  # year or day taken from publication or context, not written
    # An impossible date (31 فبراير 2023): it wins its span, so no shorter
    # reading (فبراير 2023) is taken from inside it, and is then dropped.
    blocker: bool = False


@dataclass(frozen=True)
class Context:
    """What a resolver knows beyond its match.

    ``published`` fixes relative dates and dates written without a year;
    ``anchor`` is the last full date written before the match, which fixes the
    year of a later ``يوم الأحد 6 نيسان`` when the weekday agrees with it.
    """

    published: date | None
    anchor: date | None = None


@dataclass
class _Item:
    """One day of a list or range (``14`` and ``15 نونبر 2025``) with what it names."""

    start: int
    end: int
    day: int
    month: int | None = None
    hijri: bool = False
    year: int | None = None
    own_year: bool = False


def _month_number(text: str, table: dict[str, int]) -> int | None:
    """Month number of a month group (the first name, if it is doubled)."""
    key = "".join(text.split())
    for size in range(len(key), 0, -1):
        if key[:size] in table:
            return table[key[:size]]
    return None


def _weekday(m: Hit) -> int | None:
    name = m.group("wd")
    return lexicon().weekday_key.get(_compact(name)) if name else None


def _rel(m: Hit) -> str | None:
    word = m.group("rel")
    return lexicon().relative.get(_compact(word)) if word else None


def _spans(m: Hit, names: Iterable[str]) -> list[tuple[int, int, str]]:
    return sorted((s, e, name) for name in names for s, e in m.spans(name))


def _iso(d: date, precision: str = "day") -> str:
    return {"day": d.isoformat(), "month": d.isoformat()[:7], "year": str(d.year)}[precision]


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _pick(options: list[date], pub: date, own: date | None, rel: str | None, weekday: int | None) -> date | None:
    """Choose the year of a date written without one, against the publication date.

    ``own`` is the date in the publication year (its own calendar's). ``الجاري`` keeps
    it; ``الماضي``/``المنصرم`` take the last such day on or before publication,
    ``المقبل`` the next on or after it. With no cue the publication year stands,
    unless a weekday in the text agrees with another year only, or another year
    puts the date within a season of publication while this one does not (``3
    يناير`` in a paper of 30 December is next year's).
    """
    if rel == "past":
        options = [o for o in options if o <= pub]
        return max(options) if options else None
    if rel == "next":
        options = [o for o in options if o >= pub]
        return min(options) if options else None
    if rel == "current" or not options:
        return own
    if weekday is not None:
        agree = [o for o in options if o.weekday() == weekday]
        if len(agree) == 1:
            return agree[0]
    near = [o for o in options if abs((o - pub).days) <= SEASON_DAYS]
    if own is not None and abs((own - pub).days) > SEASON_DAYS and len(near) == 1:
        return near[0]
    return own


def _day(year: int, month: int, day: int, is_hijri: bool) -> date | None:
    """The Gregorian day of a day in either calendar; day -1 is the month's last (موفى ماي)."""
    if is_hijri:
        if day == -1:
            bounds = hijri.month_bounds(year, month)
            return bounds[1] if bounds else None
        return hijri.to_gregorian(year, month, day)
    if not GREGORIAN_YEARS[0] <= year <= GREGORIAN_YEARS[1]:
        return None
    if day == -1:
        return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return _safe_date(year, month, day)


def _infer_day(month: int, day: int, is_hijri: bool, pub: date, rel: str | None, weekday: int | None) -> int | None:
    """The year (in the item's own calendar) of a day and month written without one."""
    if is_hijri:
        here = hijri.from_gregorian(pub)
        if here is None:
            return None
        base = here[0]
    else:
        base = pub.year
    pairs = {y: _day(y, month, day, is_hijri) for y in (base - 1, base, base + 1)}
    by_date = {g: y for y, g in pairs.items() if g is not None}
    pick = _pick(list(by_date), pub, pairs[base], rel, weekday)
    return by_date.get(pick) if pick else None


def _item_date(item: _Item) -> date | None:
    if item.month is None or item.year is None:
        return None
    return _day(item.year, item.month, item.day, item.hijri)


def _items(m: Hit) -> tuple[list[_Item], bool] | None:
    """The days of a day/month match with the month and year written after each.

    Trailing numbers that name no month (``10 مارس 2024 و20 مستفيدا``) are
    dropped; the flag says whether any were.
    """
    lex = lexicon()
    items: list[_Item] = []
    for s, e, name in _spans(m, ("d", "dw", "m", "hm", "y", "hy")):
        text = m.string[s:e]
        if name in ("d", "dw"):
            day = int(text) if name == "d" else lex.ordinals.get(_compact(text))
            if day is None or not (1 <= day <= 31 or day == -1):
                return None  # the pattern takes any one or two digits; the range is checked here
            items.append(_Item(s, e, day))
            continue
        if not items:
            return None
        item = items[-1]
        item.end = e
        if name in ("m", "hm"):
            item.month = _month_number(text, lex.month_key if name == "m" else lex.hijri_key)
            item.hijri = name == "hm"
        else:
            item.year, item.own_year = int(text), True
            if (name == "hy") != item.hijri:
                return None  # a Hijri month with a Gregorian year, or the reverse
    kept = list(items)
    while kept and kept[-1].month is None:
        kept.pop()
    return (kept, len(kept) < len(items)) if kept else None


def _segments(items: list, to_spans: list[tuple[int, int]], closed: Any) -> list[tuple[list, bool]]:
    """Split a list into dates: ``10 و11 و12 دجنبر و17 نونبر`` is two, ``27 يناير إلى 03 فبراير`` one.

    A new date starts after an item that is ``closed`` (names its month, or for
    months its year) unless a range word (إلى، حتى، -) follows it. Each segment
    comes with whether it is a range.
    """
    segments: list[tuple[list, bool]] = [([items[0]], False)]
    for prev, item in zip(items, items[1:]):
        ranged = any(prev.end <= s and e <= item.start for s, e in to_spans)
        if closed(prev) and not ranged:
            segments.append(([item], False))
        else:
            segments[-1] = (segments[-1][0] + [item], segments[-1][1] or ranged)
    return segments


def _start(m: Hit, ranged: bool) -> int:
    """Where the first date of a match starts: with ``من``/``بين`` only if they open a range.

    ``من 10 إلى 12 يناير`` and ``بين 10 و12 يناير`` are periods that start at the
    preposition; in ``ابتداء من 10 يناير 2024`` the date is the day itself.
    """
    spans = m.spans("from")
    if not spans or ranged or _compact(m.group("from") or "") in lexicon().between:
        return m.start()
    after = spans[0][1]
    while after < len(m.string) and m.string[after].isspace():
        after += 1
    return after


def _item_start(m: Hit, item: _Item, items: list[_Item]) -> int:
    """Start of a later date of a list, with its own ``يوم``/weekday (``… ويوم 12 أبريل``)."""
    before = max((i.end for i in items if i.end <= item.start), default=m.start())
    pres = [s for s, e in m.spans("pre") if e > s and before <= s < item.start]
    return min(pres, default=item.start)


def _resolve_day_month(m: Hit, ctx: Context, rule: str) -> list[Found]:
    read = _items(m)
    if not read:
        return []
    items, trimmed = read
    segments = _segments(items, m.spans("to"), lambda i: i.month is not None)
    for group, _ in segments:  # 14 و15 نونبر: a day takes the month written after it
        for later, earlier in zip(reversed(group), group[-2::-1]):
            if earlier.month is None:
                earlier.month, earlier.hijri = later.month, later.hijri
    for later, earlier in zip(reversed(items), items[-2::-1]):  # and the year
        if earlier.year is None and earlier.hijri == later.hijri:
            earlier.year = later.year
    out = []
    for k, (group, ranged) in enumerate(segments):
        final = k == len(segments) - 1
        start = _start(m, ranged) if k == 0 else _item_start(m, group[0], items)
        end = m.end() if final and not trimmed else group[-1].end
        rel = _rel(m) if final and not trimmed else None
        weekday = _weekday(m) if k == 0 and len(group) == 1 else None
        found = _day_segment(group, ranged or (k == 0 and bool(m.group("from"))), start, end, rel, weekday, ctx, rule)
        if found is None:
            return []  # one unreadable date makes the whole list suspect
        out.append(found)
    return out


def _day_segment(group: list[_Item], ranged: bool, start: int, end: int, rel: str | None,
                 weekday: int | None, ctx: Context, rule: str) -> Found | None:
    """One date of a list: a day, or the period from its first to its last day."""
    last = group[-1]
    inferred = last.year is None
    if inferred:
        if ctx.published is not None:
            last.year = _infer_day(last.month, last.day, last.hijri, ctx.published, rel, weekday)
        elif ctx.anchor is not None and weekday is not None and rel is None:
            # the year nearest the anchor, kept only if the written weekday agrees
            last.year = _infer_day(last.month, last.day, last.hijri, ctx.anchor, None, None)
            found = _day(last.year, last.month, last.day, last.hijri) if last.year else None
            if found is None or found.weekday() != weekday:
                return None  # no year in the text agrees with the weekday written
        if last.year is None:
            return None
        for item in group[:-1]:
            if item.year is None and item.hijri == last.hijri:
                item.year = last.year
    dates = [_item_date(i) for i in group]
    if any(d is None for d in dates):
        if all(i.year is not None for i in group) and not inferred:
            return Found(start, end, "", "", "day", "", rule, blocker=True)
        return None
    own = "hijri" if last.hijri else "gregorian"
    calendar = "relative" if inferred and ctx.published is not None else own
    lo, hi = dates[0], dates[-1]
    if ranged and len(group) == 2 and lo > hi and not group[0].own_year and not group[0].hijri:
        lo = _safe_date(lo.year - 1, lo.month, lo.day)  # من 28 دجنبر إلى 3 يناير 2025
    if lo is None:
        return None
    if not (ranged and len(group) == 2) or lo > hi:
        lo, hi = min(dates), max(dates)  # 19/18/17/16 شتنبر: a list in any order
    return Found(start, end, _iso(lo), _iso(hi), "day", calendar, rule, inferred)


def _resolve_numeric(m: Hit, ctx: Context, rule: str) -> list[Found]:
    day, month = int(m.group("d")), int(m.group("mn"))
    if m.group("hy"):
        d = hijri.to_gregorian(int(m.group("hy")), month, day)
        calendar = "hijri"
    else:
        d = _safe_date(int(m.group("y")), month, day)
        calendar = "gregorian"
    if d is None:
        return [Found(m.start(), m.end(), "", "", "day", calendar, rule, blocker=True)]
    return [Found(m.start(), m.end(), _iso(d), _iso(d), "day", calendar, rule)]


@dataclass
class _Month:
    """One month of a month list (``يناير وفبراير 2024``) with its year."""

    start: int
    end: int
    month: int | None
    hijri: bool
    year: int | None = None


def _resolve_month_year(m: Hit, ctx: Context, rule: str) -> list[Found]:
    pub = ctx.published
    lex = lexicon()
    months: list[_Month] = []
    for s, e, name in _spans(m, ("m", "hm", "y", "hy")):
        text = m.string[s:e]
        if name in ("m", "hm"):
            number = _month_number(text, lex.month_key if name == "m" else lex.hijri_key)
            months.append(_Month(s, e, number, name == "hm"))
        elif months:
            if (name == "hy") != months[-1].hijri:
                return []
            months[-1].year, months[-1].end = int(text), e
    if not months or any(x.month is None for x in months):
        return []
    segments = _segments(months, m.spans("to"), lambda x: x.year is not None)
    out = []
    for k, (group, _) in enumerate(segments):
        final = k == len(segments) - 1
        for later, earlier in zip(reversed(group), group[-2::-1]):
            if earlier.year is None and earlier.hijri == later.hijri:
                earlier.year = later.year
        ranged = any(group[0].start <= s and e <= group[-1].end for s, e in m.spans("to"))
        start = _start(m, ranged) if k == 0 else group[0].start
        end = m.end() if final else group[-1].end
        found = _month_segment(group, start, end, _rel(m) if final else None, pub, rule)
        if found is None:
            return []
        out.append(found)
    return out


def _month_segment(group: list[_Month], start: int, end: int, rel: str | None, pub: date | None,
                   rule: str) -> Found | None:
    """One month or run of months; Hijri months become their Gregorian days."""
    if len({x.hijri for x in group}) > 1:
        return None
    is_hijri, inferred = group[0].hijri, group[-1].year is None
    if inferred:
        if pub is None or rel is None:
            return None
        year = _infer_month(group[-1].month, is_hijri, pub, rel)
        if year is None:
            return None
        for x in group:
            x.year = x.year or year
    calendar = "relative" if inferred else "hijri" if is_hijri else "gregorian"
    if is_hijri:
        bounds = [hijri.month_bounds(x.year, x.month) for x in group]
        if any(b is None for b in bounds):
            return None
        lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
        return Found(start, end, _iso(lo), _iso(hi), "day", calendar, rule, inferred)
    firsts = [_safe_date(x.year, x.month, 1) for x in group]
    if any(d is None or not GREGORIAN_YEARS[0] <= d.year <= GREGORIAN_YEARS[1] for d in firsts):
        return None
    return Found(start, end, _iso(min(firsts), "month"), _iso(max(firsts), "month"), "month", calendar, rule, inferred)


def _infer_month(month: int, is_hijri: bool, pub: date, rel: str) -> int | None:
    """Year of ``أكتوبر الجاري`` / ``ماي المنصرم`` / ``رمضان المقبل`` against publication."""
    if is_hijri:
        here = hijri.from_gregorian(pub)
        if here is None:
            return None
        year, current = here[0], here[1]
    else:
        year, current = pub.year, pub.month
    if rel == "past":
        return year if month < current else year - 1
    if rel == "next":
        return year if month > current else year + 1
    return year


def _resolve_year(m: Hit, ctx: Context, rule: str) -> list[Found]:
    greg = [int(t) for t in m.captures("y")]
    hij = [int(t) for t in m.captures("hy")]
    if m.group("y2") and (greg or hij):
        base = (greg or hij)[0]
        second = base // 100 * 100 + int(m.group("y2"))
        if second != base + 1:
            return []
        (greg or hij).append(second)
    if greg:  # a year given in both calendars (1445هـ/2024م) is read in the Gregorian one
        if not all(GREGORIAN_YEARS[0] <= y <= GREGORIAN_YEARS[1] for y in greg):
            return []
        return [Found(m.start(), m.end(), str(min(greg)), str(max(greg)), "year", "gregorian", rule)]
    bounds = [hijri.year_bounds(y) for y in hij]
    if not bounds or any(b is None for b in bounds):
        return []
    lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
    return [Found(m.start(), m.end(), _iso(lo), _iso(hi), "day", "hijri", rule)]


def _resolve_relative_day(m: Hit, ctx: Context, rule: str) -> list[Found]:
    pub = ctx.published
    if pub is None:
        return []
    offset = lexicon().relative_day.get(_compact(m.group("rd")))
    if offset is None:
        return []
    d = pub + timedelta(days=offset)
    weekday = _weekday(m)
    if weekday is not None and d.weekday() != weekday:
        # A paper dated just after midnight writes "today, Tuesday" of the day
        # before: trust the weekday when it is one day off. Further off, the
        # publication date is not this text's reference: emit nothing.
        for shift in (-1, 1):
            if (d + timedelta(days=shift)).weekday() == weekday:
                d += timedelta(days=shift)
                break
        else:
            return []
    return [Found(m.start(), m.end(), _iso(d), _iso(d), "day", "relative", rule, inferred=True)]


def _resolve_relative_weekday(m: Hit, ctx: Context, rule: str) -> list[Found]:
    """``يوم الخميس الماضي``، ``يومي السبت والأحد الماضيين``: the last (or next) such days."""
    pub, rel = ctx.published, _rel(m)
    weekdays = [lexicon().weekday_key.get(_compact(w)) for w in m.captures("wd")]
    if pub is None or not weekdays or None in weekdays or rel not in ("past", "next"):
        return []
    step = -1 if rel == "past" else 1
    days = []
    for weekday in weekdays:
        d = pub + timedelta(days=step)
        while d.weekday() != weekday:
            d += timedelta(days=step)
        days.append(d)
    return [Found(m.start(), m.end(), _iso(min(days)), _iso(max(days)), "day", "relative", rule, inferred=True)]


def _resolve_month_part(m: Hit, ctx: Context, rule: str) -> list[Found]:
    """``الأسبوع الأول من أيلول 2024``، ``النصف الثاني من تشرين الأول``: days of a month."""
    months = _resolve_month_year(m, ctx, rule)
    if len(months) != 1:
        return []
    month = months[0]
    lo, hi = _bounds(month)
    size = lexicon().month_part.get(_compact(m.group("part") or ""))
    word = _compact(m.group("po") or "")
    if size is None:
        return []
    if word in {_compact(w) for w in lexicon().cues["last"]}:
        first = hi - timedelta(days=size - 1)
    else:
        n = lexicon().ordinals.get(word)
        if n is None or n < 1:
            return []
        first = lo + timedelta(days=size * (n - 1))
        if first > hi:
            return []
        last = first + timedelta(days=size - 1)
        # A part past the month's end stops there; a half runs to the end (16 to 30 or 31).
        hi = hi if last > hi or (size >= 14 and (hi - last).days < size) else last
    return [replace(month, first=_iso(first), last=_iso(hi), precision="day")]


def _shift(m: Hit) -> int | None:
    if m.group("this"):
        return 0
    return {"current": 0, "past": -1, "next": 1}.get(_rel(m) or "")


def _resolve_relative_week(m: Hit, ctx: Context, rule: str) -> list[Found]:
    """``الأسبوع المقبل``: Monday to Sunday (ISO 8601) of the week after publication."""
    pub = ctx.published
    shift = _shift(m)
    if pub is None or shift is None:
        return []
    monday = pub - timedelta(days=pub.weekday()) + timedelta(weeks=shift)
    sunday = monday + timedelta(days=6)
    return [Found(m.start(), m.end(), _iso(monday), _iso(sunday), "day", "relative", rule, inferred=True)]


def _resolve_relative_month(m: Hit, ctx: Context, rule: str) -> list[Found]:
    pub = ctx.published
    shift = _shift(m)
    if pub is None or shift is None:
        return []
    index = pub.year * 12 + pub.month - 1 + shift
    d = date(index // 12, index % 12 + 1, 1)
    return [Found(m.start(), m.end(), _iso(d, "month"), _iso(d, "month"), "month", "relative", rule, inferred=True)]


def _resolve_relative_year(m: Hit, ctx: Context, rule: str) -> list[Found]:
    """``العام الماضي``، ``السنة المقبلة``: a year against publication.

    ``هذا العام``/``هذه السنة`` are left out: the press uses them for "these days"
    as much as for the calendar year.
    """
    pub = ctx.published
    shift = _shift(m)
    if pub is None or shift is None:
        return []
    year = str(pub.year + shift)
    return [Found(m.start(), m.end(), year, year, "year", "relative", rule, inferred=True)]


RESOLVERS = {
    "numeric": _resolve_numeric,
    "day_month": _resolve_day_month,
    "month_year": _resolve_month_year,
    "year": _resolve_year,
    "relative_day": _resolve_relative_day,
    "relative_weekday": _resolve_relative_weekday,
    "relative_week": _resolve_relative_week,
    "relative_month": _resolve_relative_month,
    "relative_year": _resolve_relative_year,
    "month_part": _resolve_month_part,
}


# ---------------------------------------------------------------- guards

_WORDS_BEFORE = regex.compile(r"(?r)\p{L}+")
_PROCLITIC = regex.compile(r"^[وبلفك](?=\p{L}{2})")


def _words_before(text: str, pos: int, n: int) -> list[str]:
    """Up to ``n`` words before ``pos``, nearest last, stopping at a line or sentence break."""
    stop = max(text.rfind("\n", 0, pos), text.rfind(".", 0, pos), pos - 60)
    words = [w.group() for w in _WORDS_BEFORE.finditer(text, max(0, stop), pos)][:n]
    return words[::-1]


def _bare(word: str) -> str:
    """A word without its one-letter proclitic (بدار -> دار)."""
    return _PROCLITIC.sub("", word)


@lru_cache(maxsize=1)
def _recurring() -> "regex.Pattern[str]":
    return regex.compile(r"\s*[,،]?\s*" + _words(lexicon().cues["recurring_after"]))


GUARD_LISTS = (
    "not_today_after", "not_today_before", "name_of_source", "name_before", "ordinal_day_after", "ordinal_day_words", "general_nouns",
)


@lru_cache(maxsize=1)
def _cue_sets() -> dict[str, frozenset[str]]:
    """The guards' word lists as sets of look-up keys."""
    return {k: frozenset(_compact(w) for w in lexicon().cues[k]) for k in GUARD_LISTS}


def _is(word: str, cue: str) -> bool:
    """``word``, with or without its proclitic (لهذا، بدار), is in the cue list."""
    keys = _cue_sets()[cue]
    return _compact(word) in keys or _compact(_bare(word)) in keys


def _named(words: list[str]) -> bool:
    """``ملعب 20 أوت 1955``، ``دار الشباب 8 ماي 1945``: a date that is part of a name."""
    return any(_is("".join(words[i:]), "name_before") for i in range(len(words)))


def _keep(m: Hit, p: Pattern) -> bool:
    """Context a pattern cannot see: what makes a match not a date."""
    if not all(any(m.spans(g) for g in alternatives) for alternatives in p.needs):
        return False
    text = m.string
    before = _words_before(text, m.start(), 3)
    after = text[m.end():m.end() + 3].lstrip(" ")[:2]
    if p.name == "today":
        # اليوم الأول من الحملة، اليوم العالمي، طيلة اليوم: a day, not today;
        # صحيفة طيبة اليوم: a name.
        if before and _is(before[-1], "not_today_after"):
            return False
        if any(_is(w, "name_of_source") for w in before):
            return False
        if m.group("wd") is None and (after == "ال" or after[:1].isdigit() or (after and after[0] in "\"”»'")):
            return False
        following = regex.match(r"\s*(\p{L}+)", text[m.end():m.end() + 20])
        if following and _is(following.group(1), "not_today_before"):
            return False  # اليوم نفسه: "that same day"
    if p.kind in ("relative_month", "relative_year"):
        if m.group("this") and after == "ال":
            return False  # هذا الشهر الفضيل, هذا العام الدراسي: a named month or a school year
        if p.kind == "relative_year" and before and _is(before[-1], "general_nouns"):
            return False  # الأمين العام الحالي، القطاع العام: "general", not "year"
    if p.kind in ("day_month", "numeric", "month_year") and _named(before):
        return False
    if p.name == "ordinal_day_month" and not _ordinal_is_day(m, before):
        return False
    if p.kind == "day_month" and _recurring().match(text, m.end()):
        return False  # 7 أبريل من كل سنة: a yearly day, not a date
    return True


def _ordinal_is_day(m: Hit, before: list[str]) -> bool:
    """``في السابع من أكتوبر`` is a day; ``الأسبوع الأول من أيلول`` is not.

    An ordinal is read as a day after a weekday or ``يوم`` of the left context,
    at the start of a line or clause, or after a preposition of time.
    """
    first, end = m.spans("dw")[0]
    if _is(m.string[first:end], "ordinal_day_words"):
        return True  # فاتح ماي، غرة نوفمبر: words that only ever name a day
    if first > m.start():
        return True  # something of the left context (a weekday, يوم) precedes it
    gap = m.string[max(0, first - 3):first].strip()
    if not before or (gap and not gap[-1].isalpha()):
        return True
    return _is(before[-1], "ordinal_day_after")


def _cores(text: str, p: Pattern, months: list[int]) -> Iterator[regex.Match]:
    if p.anchor == "month":
        for pos in months:
            core = p.core.match(text, pos)
            if core:
                yield core
    else:
        yield from p.core.finditer(text)


def _hits(text: str) -> list[tuple[int, Pattern, Hit]]:
    """Every candidate of every pattern, with its left context attached, in text order."""
    months = [m.start() for m in _month_anchor().finditer(text)]
    hits = []
    for rank, p in enumerate(patterns()):
        for core in _cores(text, p, months):
            if core.end() == core.start():
                continue
            left = p.left.match(text, max(0, core.start() - LEFT_REACH), core.start()) if p.left else None
            hit = Hit(core, left)
            if _keep(hit, p):
                hits.append((rank, p, hit))
    return sorted(hits, key=lambda h: (h[2].start(), h[0]))


def _candidates(text: str, pub: date | None) -> list[Found]:
    """Resolved candidates, overlaps settled leftmost-longest, then pairs merged.

    Hits are resolved in text order so that each knows the last full date
    written before it (:class:`Context` ``anchor``).
    """
    found: list[tuple[int, int, int, Found]] = []
    anchor = None
    for rank, p, hit in _hits(text):
        for f in RESOLVERS[p.kind](hit, Context(pub, anchor), p.name):
            found.append((f.start, -(f.end - f.start), rank, f))
            if f.precision == "day" and not f.inferred and not f.blocker:
                anchor = date.fromisoformat(f.first)
    found.sort(key=lambda t: t[:3])
    chosen: list[Found] = []
    for start, _, _, f in found:
        if not chosen or start >= chosen[-1].end:
            chosen.append(f)
    return _merge_ranges(text, _merge_calendars(text, [f for f in chosen if not f.blocker]))


@lru_cache(maxsize=1)
def _range_gap() -> "regex.Pattern[str]":
    """What joins two dates into one period: ``… إلى …``، ``… وحتى …``."""
    return regex.compile(r"[\s,،]*(?:و\s*)?" + _words(lexicon().cues["range_to"]) + r"\s*")


def _merge_ranges(text: str, found: list[Found]) -> list[Found]:
    """``من غرة نوفمبر 2024 إلى موفى ماي 2025``، ``اليوم الخميس وحتى الأحد المقبل``: one period."""
    out: list[Found] = []
    for f in found:
        prev = out[-1] if out else None
        if (prev and prev.precision == f.precision and _range_gap().fullmatch(text, prev.end, f.start)
                and prev.first < f.last):
            calendar = "relative" if "relative" in (prev.calendar, f.calendar) else prev.calendar
            out[-1] = Found(prev.start, f.end, prev.first, f.last, f.precision, calendar,
                            f"{prev.rule}..{f.rule}", prev.inferred or f.inferred)
            continue
        out.append(f)
    return out


@lru_cache(maxsize=1)
def _bridge() -> "regex.Pattern[str]":
    """What may stand between a date and the same date in another calendar."""
    equiv = _words(lexicon().cues["equivalence"])
    return regex.compile(rf"[\s(\[/،,:\-–]*(?:{equiv})?[\s(\[/،,:\-–]*")


def _merge_calendars(text: str, found: list[Found]) -> list[Found]:
    """``5 رمضان 1445 الموافق 15 مارس 2024`` and ``آذار (مارس)``-style pairs: one date."""
    out: list[Found] = []
    for f in found:
        prev = out[-1] if out else None
        if prev and _bridge().fullmatch(text, prev.end, f.start) and _same_day(prev, f):
            greg = prev if prev.calendar == "gregorian" else f
            out[-1] = Found(prev.start, f.end, greg.first, greg.last, greg.precision, greg.calendar,
                            f"{prev.rule}+{f.rule}", greg.inferred)
            continue
        out.append(f)
    return out


def _bounds(f: Found) -> tuple[date, date]:
    """First and last day a found date covers, whatever its precision."""
    lo = date.fromisoformat(f.first + {"day": "", "month": "-01", "year": "-01-01"}[f.precision])
    if f.precision == "year":
        return lo, date(int(f.last), 12, 31)
    if f.precision == "month":
        y, m = (int(x) for x in f.last.split("-"))
        return lo, date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)
    return lo, date.fromisoformat(f.last)


def _same_day(a: Found, b: Found) -> bool:
    """Two readings of one date: equal, or a Hijri and a Gregorian one that overlap."""
    if (a.first, a.last) == (b.first, b.last):
        return True
    if {a.calendar, b.calendar} != {"hijri", "gregorian"}:
        return False
    (a0, a1), (b0, b1) = _bounds(a), _bounds(b)
    return a0 <= b1 and b0 <= a1


def _published(published: str | None) -> date | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def _value(norm: Normalised, f: Found) -> DateValue:
    start, end = norm.span(f.start, f.end)
    return DateValue(
        text=norm.original[start:end], start=f.first, end=f.last, precision=f.precision,
        calendar=f.calendar, offsets=[[start, end]], rule=f.rule,
    )


def find_dates(text: str, published: str | None = None) -> list[DateValue]:
    """Every date or period of ``text``, sorted by offset.

    ``published`` (ISO, ``YYYY-MM-DD``) resolves relative dates and dates
    written without a year; without it those are left out.
    """
    norm = normalised(text)
    return [_value(norm, f) for f in _candidates(norm.text, _published(published))]


def first_full_date(text: str) -> str | None:
    """ISO day of the first full date (day, month and year written) in a short string.

    For the split stage, which calls it on a byline or dateline (``نشر في … يوم 23
    - 05 - 2025``، ``date 2026-01-05``) to set ``published``.
    """
    for f in _candidates(normalise(text).text, None):
        if f.precision == "day" and not f.inferred:
            return f.first
    return None


@Language.factory(
    "civic_dates",
    assigns=["doc._.dates"],
    requires=["doc._.published"],
    default_config={},
)
class DateFinder:
    """spaCy component: ``doc._.dates`` from ``doc.text`` and ``doc._.published``."""

    def __init__(self, nlp: Language, name: str = "civic_dates") -> None:
        extensions.register()
        self.name = name
        patterns()  # compile at pipeline build, not on the first document

    def __call__(self, doc: Doc) -> Doc:
        text = extensions.doc_text(doc)
        found = find_dates(text, doc._.published)
        doc._.dates = mark_byline(found, text, doc._.byline)
        return doc


def mark_byline(dates: list[DateValue], text: str, byline: str | None) -> list[DateValue]:
    """Dates inside the byline line date the page, not an activity: ``role="published"``."""
    if not byline:
        return dates
    start = text.find(byline)
    if start < 0:
        return dates
    end = start + len(byline)
    for d in dates:
        if d.offsets and start <= d.offsets[0][0] and d.offsets[0][1] <= end:
            d.role = "published"
    return dates


def iter_rules() -> Iterator[str]:
    """Names of the candidate patterns, in priority order (for docs and tests)."""
    return (p.name for p in patterns())
