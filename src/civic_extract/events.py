"""Events: one record per civic activity, every slot traced to the mention it came from.

The stage reads what the other stages found (entities, dates, figures) and
assembles them around *triggers*, the words that name an activity (``قافلة
طبية``, ``حملة للتبرع بالدم``, ``توقيع اتفاقية شراكة``…, a lexicon in
``data/lexicons/events.json``):

1. triggers are found on the normalised text; a sentence with a negative cue
   (a general call for donations, a stock shortage) yields none;
2. trigger mentions are grouped into events: a mention with its own date or
   place that differs from the current event of its type, in a sentence that
   narrates an activity, opens a new event, otherwise it belongs to the
   current one (a seminar held during a caravan is part of the caravan);
3. each event's *scope* runs from its first trigger sentence to the next
   event's; its slots are filled from the trigger sentence first, then the
   scope, and the why of each value says which rule attached it.

Organisers and partners come from the syntax around the names (``نظمت X
بشراكة مع Y``, ``تحت إشراف``, ``بمبادرة من``), not from order alone; generic
back-references (``الجمعية``) resolve to the latest named organisation with
the same head word.
"""

from __future__ import annotations

import json
import re
import re._constants as _sre
import re._parser as _sre_parser
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable, Iterator

import regex
from spacy.language import Language
from spacy.tokens import Doc

from . import extensions
from .normalise import Normalised, normalise, normalised
from .schema import Beneficiaries, DateValue, Entity, Event, Figure, SlotValue

_LETTER = r"\p{L}"
# Admin levels, most specific first, for ordering an event's places.
LEVEL_ORDER = {"douar": 0, "village": 0, "district": 1, "arrondissement": 1, "commune": 2, "city": 2,
               "province": 3, "prefecture": 3, "governorate": 3, "region": 4, "country": 5}


@dataclass(frozen=True)
class Trigger:
    type: str
    start: int
    end: int
    text: str
    rule: str
    priority: int


@dataclass(frozen=True)
class Lexicon:
    triggers: tuple[tuple[str, str, int, "regex.Pattern[str]"], ...]
    negative: tuple[tuple[str, "regex.Pattern[str]"], ...]
    organizer_before: "regex.Pattern[str]"
    organizer_after: "regex.Pattern[str]"
    partner_before: "regex.Pattern[str]"
    reset: "regex.Pattern[str]"
    narrative: "regex.Pattern[str]"
    totals: "regex.Pattern[str]"
    targets: "regex.Pattern[str]"
    served: "regex.Pattern[str]"
    in_passing: "regex.Pattern[str]"
    document_date: "regex.Pattern[str]"
    subcount: "regex.Pattern[str]"
    beneficiary_types: frozenset[str]
    back_references: "regex.Pattern[str]"


def _fold(pattern: str) -> str:
    return normalise(pattern).text


# -- literal pre-filter ---------------------------------------------------------------------------
# A word pattern (optional proclitic, then alternatives) gives the regex engine no
# literal to skip to, so it tries every position of the article: about 0.07 ms per
# pattern and article (``regex`` is fast only when one literal string is required).
# Two facts are read from the pattern's parse tree instead: the words a match cannot
# do without (a head word of each alternative, the noun after a gap), so the pattern
# runs only on text that holds one word of each such group; and the words a match
# begins with, so it is tried only a few characters before where one of them occurs.
# Written here because neither ``re`` nor ``regex`` exposes a pattern's required
# literals (RE2's prefilter does this in C++).

# Syntax that only ``regex`` knows, which the standard parser would reject or read as literals.
_REGEX_ONLY = regex.compile(r"\\[pPmMXGKLN]|\{[^\d,}]|\(\?[^:=!<>P#aiLmsux-]|\[\[")


def literal_clauses(pattern: str) -> tuple[frozenset[str], ...]:
    """Groups of literal strings such that every match of ``pattern`` contains a string of each group.

    Empty when nothing is certain: case-insensitive patterns, syntax only
    ``regex`` knows, or no literal of two characters or more.
    """
    parsed = _parse(pattern)
    if parsed is None:
        return ()
    return tuple(c for c in _clauses(list(parsed)) if min(map(len, c)) >= 2)


def literal_starts(pattern: str) -> frozenset[str] | None:
    """Strings one of which begins every match of ``pattern`` (none a prefix of another), or None.

    None when not every match begins with a known string of two characters or more.
    """
    parsed = _parse(pattern)
    if parsed is None:
        return None
    starts, _ = _starts(list(parsed))
    if not starts or min(map(len, starts)) < 2:
        return None
    return frozenset(s for s in starts if not any(s != t and s.startswith(t) for t in starts))


def _parse(pattern: str):  # -> re._parser.SubPattern | None
    """The standard parser's tree of a pattern, or None when a literal check could be wrong."""
    if _REGEX_ONLY.search(pattern):
        return None
    try:
        parsed = _sre_parser.parse(pattern)
    except Exception:  # noqa: BLE001 - any pattern the standard parser cannot read goes unfiltered
        return None
    return None if parsed.state.flags & re.IGNORECASE else parsed


_MAX_STARTS = 64


def _starts(items: list) -> tuple[set[str], bool]:
    """Strings one of which begins every match of a sequence of parse items, and whether each is a whole match."""
    out = {""}
    for op, arg in items:
        if op is _sre.LITERAL:
            piece, whole = {chr(arg)}, True
        elif op is _sre.IN and all(o is _sre.LITERAL for o, _ in arg):
            piece, whole = {chr(a) for _, a in arg}, True
        elif op is _sre.SUBPATTERN and not arg[1] & re.IGNORECASE:
            piece, whole = _starts(list(arg[3]))
        elif op is _sre.BRANCH:
            parts = [_starts(list(alt)) for alt in arg[1]]
            piece, whole = set().union(*(p for p, _ in parts)), all(w for _, w in parts)
        else:
            return out, False
        joined = {a + b for a in out for b in piece}
        if len(joined) > _MAX_STARTS:
            return out, False
        out = joined
        if not whole:
            return out, False
    return out, True


def _clauses(items: list) -> list[frozenset[str]]:
    """Required-literal groups of a sequence of parse items (see :func:`literal_clauses`)."""
    out: list[frozenset[str]] = []
    run: list[str] = []
    for op, arg in items + [(None, None)]:
        if op is _sre.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            out.append(frozenset(["".join(run)]))
            run = []
        if op is _sre.SUBPATTERN:
            _, add_flags, _, sub = arg
            if not add_flags & re.IGNORECASE:
                out += _clauses(list(sub))
        elif op is _sre.BRANCH:
            alternatives = [_clauses(list(alt)) for alt in arg[1]]
            if all(alternatives):
                # Any match goes through one alternative: the union of each one's best group.
                out.append(frozenset().union(*(max(a, key=_selectivity) for a in alternatives)))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, _, sub = arg
            if low >= 1:
                out += _clauses(list(sub))
        # Anything else (classes, anchors, look-arounds, back-references) requires no literal.
    return out


def _selectivity(group: frozenset[str]) -> tuple[int, int]:
    return min(map(len, group)), -len(group)


class Guarded:
    """A compiled pattern with the same matches as ``pattern.finditer``/``search``, found with less work.

    ``clauses`` (see :func:`literal_clauses`): the pattern is not run on a text
    that lacks one of them. ``starts`` (see :func:`literal_starts`) and ``reach``:
    every match has one of ``starts`` at most ``reach`` characters after its
    start, so the pattern is tried only at those positions (``match`` at a
    position sees the text before it, as a look-behind must), in order, each
    search going on from the end of the last match, as ``finditer`` does.
    """

    __slots__ = ("pattern", "clauses", "starts", "reach")

    def __init__(self, pattern: "regex.Pattern[str]", clauses: tuple[frozenset[str], ...],
                 starts: frozenset[str] | None = None, reach: int = 0) -> None:
        self.pattern, self.clauses, self.starts, self.reach = pattern, clauses, starts, reach

    def could_match(self, text: str) -> bool:
        """False when ``text`` lacks every string of one of the clauses: then the pattern cannot match."""
        for group in self.clauses:
            if not any(s in text for s in group):
                return False
        return True

    def _positions(self, text: str) -> list[int]:
        found: set[int] = set()
        for s in self.starts or ():
            i = text.find(s)
            while i >= 0:
                found.update(range(max(0, i - self.reach), i + 1))
                i = text.find(s, i + 1)
        return sorted(found)

    def _matches(self, text: str) -> Iterator["regex.Match[str]"]:
        match, end = self.pattern.match, 0
        for pos in self._positions(text):
            if pos >= end:
                m = match(text, pos)
                if m:  # never empty: it holds one of ``starts``
                    yield m
                    end = m.end()

    def search(self, text: str, *args: int) -> "regex.Match[str] | None":
        if not self.could_match(text):
            return None
        if args or self.starts is None:
            return self.pattern.search(text, *args)
        return next(self._matches(text), None)

    def finditer(self, text: str, *args: int) -> Iterable["regex.Match[str]"]:
        if not self.could_match(text):
            return iter(())
        if args or self.starts is None:
            return self.pattern.finditer(text, *args)
        return self._matches(text)


# An optional proclitic before a word: at most this many characters.
_PROCLITIC = "(?:[وفبلك]?ال|[وفبلك]|لل|ولل)?"
_PROCLITIC_WIDTH = _sre_parser.parse(_PROCLITIC).getwidth()[1]


def _word(pattern: str) -> Guarded:
    """A pattern matched as whole words, with an optional proclitic in front."""
    folded = _fold(pattern)
    compiled = regex.compile(rf"(?<!{_LETTER}){_PROCLITIC}(?:{folded})(?!{_LETTER})")
    return Guarded(compiled, literal_clauses(folded), literal_starts(folded), _PROCLITIC_WIDTH)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load and compile ``data/lexicons/events.json`` once per process."""
    raw = json.loads((resources.files("civic_extract") / "data" / "lexicons" / "events.json").read_text("utf-8"))
    roles = raw["roles"]
    narrative = roles["organizer_before"] + r"|شهد|شهدت|عرفت|عرف|انطلق|انطلقت|ينطلق|تنطلق|تم|استفاد|اجريت|حلت|وصلت|برمجت|تعتزم|يعتزم"
    return Lexicon(
        triggers=tuple((t["type"], t["name"], t["priority"], _word(t["pattern"])) for t in raw["triggers"]),
        negative=tuple((n["name"], _word(n["pattern"])) for n in raw["negative"]),
        organizer_before=_word(roles["organizer_before"]),
        organizer_after=regex.compile(_fold(roles["organizer_after"])),
        partner_before=_word(roles["partner_before"]),
        reset=_word(roles["reset"]),
        narrative=_word(narrative),
        totals=_word(raw["totals"]),
        targets=_word(raw["targets"]),
        served=_word(raw["served_cues"]),
        in_passing=_word(raw["in_passing"]),
        document_date=regex.compile(_fold(raw["document_date"])),
        subcount=_word(raw["subcount_cues"]),
        beneficiary_types=frozenset(raw["beneficiary_types"]),
        back_references=regex.compile(
            rf"(?<!{_LETTER})[وفبل]?(?:{'|'.join(_fold(b) for b in raw['back_references'])})(?!{_LETTER})"),
    )


_PLURAL = regex.compile(r"(?<!\p{L})[وفبل]?(ال)?(قوافل|حملات|قافلات|ايام|مبادرات|محطات|عمليات|ورشات|ندوات|لقاءات|ملتقيات|ايام)(?!\p{L})")
_ONE_OF = regex.compile(r"(محطه|نسخه|دوره|واحده|احدي|حلقه)(\s+\p{L}+)?\s+من\s*$")
_CLAUSE = regex.compile(r"[،,؛]\s*|(?<!\p{L})(و?فيما|و?بينما|ثم|اما|وفي)(?!\p{L})")
_UNTIL = regex.compile(r"(?<!\p{L})(حتي|الي غايه|لغايه|ولغايه|الي|وحتي|وتستمر حتي)\s*(\p{L}+\s+)?$")
_SENTENCE_END = regex.compile(r"[.؟?!؛]+(?=\s|$)|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences: ends at . ؟ ! ؛ followed by a space, and at every line break."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[start:m.end()].strip():
            spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def find_triggers(norm: Normalised, lex: Lexicon | None = None) -> list[Trigger]:
    """Trigger mentions, longest first where they overlap, offsets in the original text."""
    lex = lex or lexicon()
    found: list[Trigger] = []
    for type_, name, priority, pattern in lex.triggers:
        for m in pattern.finditer(norm.text):
            s, e = norm.span(m.start(), m.end())
            found.append(Trigger(type_, s, e, norm.original[s:e], name, priority))
    found.sort(key=lambda t: (-t.priority, -(t.end - t.start), t.start))
    kept: list[Trigger] = []
    for t in found:
        if all(t.end <= k.start or t.start >= k.end for k in kept):
            kept.append(t)
    return sorted(kept, key=lambda t: t.start)


@dataclass
class _Mention:
    start: int
    end: int
    entity: Entity


@dataclass
class _Draft:
    type: str
    triggers: list[Trigger]
    sentences: list[int]
    date: DateValue | None = None
    places: list[_Mention] = field(default_factory=list)
    scope: tuple[int, int] = (0, 0)
    orgs: frozenset[str] = frozenset()


def _mentions(entities: Iterable[Entity], label: str) -> list[_Mention]:
    out = [_Mention(s, e, ent) for ent in entities if ent.label == label for s, e in ent.offsets]
    return sorted(out, key=lambda m: m.start)


def _inside(start: int, end: int, span: tuple[int, int]) -> bool:
    return span[0] <= start and end <= span[1]


def _sentence_of(pos: int, sentences: list[tuple[int, int]]) -> int:
    for i, (s, e) in enumerate(sentences):
        if s <= pos < e:
            return i
    return len(sentences) - 1


class EventAssembler:
    """Assembles event records for one article from the other stages' output."""

    def __init__(self, text: str, entities: list[Entity], dates: list[DateValue], figures: list[Figure],
                 title: str | None = None, lex: Lexicon | None = None) -> None:
        self.text = text
        self.norm = normalised(text)
        self._cue_cache: list[tuple[int, int, str]] | None = None
        self._ref_cache: list[_Mention] | None = None
        self.lex = lex or lexicon()
        self.sentences = sentence_spans(text)
        self.title_end = len(title) if title and text.startswith(title) else 0
        self.orgs = _mentions(entities, "ORG")
        self.locs = _mentions(entities, "LOC")
        self.dates = [d for d in dates if d.role != "published" and d.offsets]
        self.figures = figures
        self.org_entities = [e for e in entities if e.label == "ORG"]

    # -- helpers on the normalised text ---------------------------------------------------------
    def _norm_span(self, start: int, end: int) -> str:
        """The normalised text of an original span, sliced from the article normalised once."""
        return self.norm.text[self._norm_pos(start):self._norm_pos(end)]

    @property
    def _cues(self) -> list[tuple[int, int, str]]:
        """Role cues and triggers of the whole article, in original offsets (computed once)."""
        if self._cue_cache is None:
            items = []
            for kind, pattern in (("org", self.lex.organizer_before), ("partner", self.lex.partner_before),
                                  ("reset", self.lex.reset)):
                for m in pattern.finditer(self.norm.text):
                    a, b = self.norm.span(m.start(), m.end())
                    items.append((a, b, kind))
            items += [(t.start, t.end, "trigger") for t in self._all_triggers]
            self._cue_cache = items
        return self._cue_cache

    def _sentence_has(self, pattern: "regex.Pattern[str]", i: int) -> bool:
        s, e = self.sentences[i]
        return pattern.search(self._norm_span(s, e)) is not None

    # -- 1. triggers ------------------------------------------------------------------------------
    def triggers(self) -> list[Trigger]:
        self._all_triggers = find_triggers(self.norm, self.lex)
        found = [t for t in self._all_triggers
                 if not any(p.search(self._norm_span(*self.sentences[_sentence_of(t.start, self.sentences)]))
                            for _, p in self.lex.negative)]
        body = [t for t in found if t.start >= self.title_end]
        return body or found

    # -- 2. grouping ------------------------------------------------------------------------------
    def _date_in(self, span: tuple[int, int]) -> DateValue | None:
        """The first date of a span that is not a document's date (القانون ... الصادر بتاريخ)."""
        for d in self.dates:
            if _inside(d.offsets[0][0], d.offsets[0][1], span) and not self._document_date(d):
                return d
        return None

    def _document_date(self, d: DateValue) -> bool:
        before = self._norm_span(max(0, d.offsets[0][0] - 30), d.offsets[0][0])
        return self.lex.document_date.search(before) is not None

    def _locs_in(self, span: tuple[int, int]) -> list[_Mention]:
        return [m for m in self.locs if _inside(m.start, m.end, span)]

    def _opens(self, t: Trigger, si: int, date: DateValue | None, drafts: list[_Draft]) -> bool:
        """Whether a trigger mention opens an event rather than naming the current one again.

        Plural mentions (``القوافل``, ``حملات``) summarise; a mention dated only
        by a year is background; another kind of activity named inside the
        current event (a seminar during a caravan) is part of it unless its
        own verb introduces it.
        """
        if self._plural(t):
            return not drafts and not any(not self._plural(x) for x in self._all)
        if date is not None and date.precision == "year" and drafts:
            return False
        s = self.sentences[si][0]
        before = self._norm_span(s, t.start)[-40:]
        if self.lex.in_passing.search(before):
            return False
        if not drafts:
            return True
        other_dates = date is not None and all(d.date is None or d.date.start != date.start for d in drafts)
        return t.rule == "agreement_signing" or other_dates

    def _plural(self, t: Trigger) -> bool:
        """A plural mention summarises (حملات، القوافل) unless it names one of them (محطة من القوافل)."""
        if not _PLURAL.search(self._norm_span(t.start, t.end)):
            return False
        before = self._norm_span(max(0, t.start - 25), t.start)
        return _ONE_OF.search(before) is None

    def group(self, triggers: list[Trigger]) -> list[_Draft]:
        self._all = triggers
        drafts: list[_Draft] = []
        for t in triggers:
            si = _sentence_of(t.start, self.sentences)
            span = self.sentences[si]
            date, places = self._date_in(span), self._locs_in(span)
            same = [d for d in drafts if d.type == t.type]
            current = same[-1] if same else None
            orgs = frozenset(m.entity.name for m in self._roles(span)[0])
            if current is None:
                if self._opens(t, si, date, drafts):
                    drafts.append(_Draft(t.type, [t], [si], date, places, orgs=orgs))
                else:
                    drafts[-1].triggers.append(t) if drafts else None
                continue
            new_date = date is not None and current.date is not None and date.start != current.date.start
            names = {m.entity.name for m in current.places}
            new_place = bool(places) and bool(names) and not names & {m.entity.name for m in places}
            narrates = self._sentence_has(self.lex.narrative, si)
            # Another organiser introduced by its own verb: another drive (وفي طرابلس أطلقت جمعية ...).
            new_org = bool(orgs) and bool(current.orgs) and not orgs & current.orgs and date is None
            if (narrates and si not in current.sentences and (new_date or (new_place and date is None) or new_org)
                    and self._opens(t, si, date, drafts)):
                drafts.append(_Draft(t.type, [t], [si], date, places, orgs=orgs))
                continue
            current.triggers.append(t)
            if si not in current.sentences:
                current.sentences.append(si)
            current.date = current.date or date
            current.places = current.places or places
            current.orgs = current.orgs or orgs
        return drafts

    def split_stations(self, d: _Draft) -> list[_Draft]:
        """One activity held on several dates at several stations is several events.

        Each day-precision date of the scope starts a segment (from the clause
        that holds it to the next dated clause); when two or more distinct
        dates each come with a place, each segment becomes its own event.
        """
        s0 = self.sentences[d.sentences[0]][0]
        dated = [x for x in self.dates if x.precision == "day" and _inside(x.offsets[0][0], x.offsets[0][1], (s0, d.scope[1]))
                 and not self._is_end_bound(x)]
        # A day inside another date's range (اليوم الاثنين within يومي الأحد والاثنين) is the same activity.
        dated = [x for x in dated if not any(y is not x and y.start != y.end and y.start <= x.start <= y.end for y in dated)]
        if len({x.start for x in dated}) < 2:
            return [d]
        starts = [self._clause_start(x.offsets[0][0]) for x in dated]
        segments = []
        for i, x in enumerate(dated):
            seg = (starts[i], starts[i + 1] if i + 1 < len(dated) else d.scope[1])
            segments.append((x, seg, self._locs_in(seg)))
        by_date: dict[str, tuple[DateValue, tuple[int, int], list[_Mention]]] = {}
        for x, seg, locs in segments:
            if x.start in by_date:
                y, (a, _), l0 = by_date[x.start]
                by_date[x.start] = (y, (a, seg[1]), l0 + locs)
            else:
                by_date[x.start] = (x, seg, locs)
        if sum(1 for _, _, locs in by_date.values() if locs) < 2:
            return [d]
        out = []
        for i, (x, seg, locs) in enumerate(by_date.values()):
            scope = (d.scope[0], seg[1]) if i == 0 else seg
            trig = d.triggers if i == 0 else [d.triggers[0]]
            out.append(_Draft(d.type, trig, d.sentences if i == 0 else [_sentence_of(seg[0], self.sentences)],
                              x, _unique(locs) or (d.places if i == 0 else []), scope))
        return out

    def _background(self, d: _Draft) -> bool:
        """A draft dated only by a year in a sentence that sums up (منذ 2012، خلال السنوات) is history, not an event."""
        if d.date is None or d.date.precision != "year":
            return False
        s, e = self.sentences[d.sentences[0]]
        return self.lex.totals.search(self._norm_span(s, e)) is not None

    def _is_end_bound(self, d: DateValue) -> bool:
        """A date introduced by حتى / إلى غاية closes a period rather than dating a new activity."""
        before = self._norm_span(max(0, d.offsets[0][0] - 25), d.offsets[0][0])
        return _UNTIL.search(before) is not None

    def _event_date(self, d: _Draft) -> tuple[str | None, str | None]:
        """Start and end of an event: its date, a range that contains it, and a later 'until' bound."""
        date = d.date or self._date_in(d.scope)
        if date is None:
            return None, None
        span = self.sentences[d.sentences[0]]
        for y in self.dates:
            if y.start != y.end and y.start <= date.start <= y.end and _inside(y.offsets[0][0], y.offsets[0][1], span):
                date = y
                break
        end = date.end
        for y in self.dates:
            if (y.offsets[0][0] > date.offsets[0][0] and _inside(y.offsets[0][0], y.offsets[0][1], d.scope)
                    and self._is_end_bound(y) and y.start >= date.start and len(y.start) == len(date.start)):
                end = y.end
                break
        return date.start, end

    def _clause_start(self, pos: int) -> int:
        """Start of the clause holding ``pos``: after the last comma, فيما/بينما/ثم/أما, or the sentence start."""
        s = self.sentences[_sentence_of(pos, self.sentences)][0]
        cut = s
        for m in _CLAUSE.finditer(self.text, s, pos):
            cut = m.start()
        return cut

    # -- 3. slots ---------------------------------------------------------------------------------
    def _scopes(self, drafts: list[_Draft]) -> None:
        starts = [self.sentences[d.sentences[0]][0] for d in drafts]
        for i, d in enumerate(drafts):
            start = self.title_end if i == 0 else starts[i]
            end = starts[i + 1] if i + 1 < len(drafts) else len(self.text)
            d.scope = (min(start, starts[i]), end)

    def _roles(self, span: tuple[int, int]) -> tuple[list[_Mention], list[_Mention], list[_Mention]]:
        """Organisers, partners and unmarked candidates among the ORG mentions of a span."""
        items: list[tuple[int, int, str, _Mention | None]] = [
            (a, b, kind, None) for a, b, kind in self._cues if _inside(a, b, span)]
        mentions = [m for m in self.orgs + self._back_references() if _inside(m.start, m.end, span)]
        for m in mentions:
            items.append((m.start, m.end, "mention", m))
        items.sort(key=lambda x: (x[0], x[2] != "mention"))
        organizers, partners, candidates = [], [], []
        state, last_end = None, -1
        for a, b, kind, mention in items:
            if kind != "mention":
                if a >= last_end:  # a cue inside a name is part of the name
                    state = {"org": "org", "partner": "partner", "reset": None, "trigger": "after"}[kind]
                continue
            last_end = max(last_end, b)
            after = self.norm.text[self._norm_pos(b):self._norm_pos(b) + 25]
            if state == "org" or self.lex.organizer_after.search(after):
                organizers.append(mention)
            elif state == "partner":
                partners.append(mention)
            elif state is None:
                candidates.append(mention)
        return organizers, partners, candidates

    def _norm_pos(self, orig: int) -> int:
        """First normalised position at or after an original offset."""
        idx = self.norm.index
        lo, hi = 0, len(idx)
        while lo < hi:
            mid = (lo + hi) // 2
            if idx[mid] < orig:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _back_references(self) -> list[_Mention]:
        """``الجمعية``-style references resolved to the latest named ORG with that head word."""
        if self._ref_cache is not None:
            return self._ref_cache
        heads = [(o, _head(normalise(o.entity.name).text.split()[0])) for o in self.orgs]
        out = []
        for m in self.lex.back_references.finditer(self.norm.text):
            a, b = self.norm.span(m.start(), m.end())
            if any(o.start <= a < o.end for o in self.orgs):
                continue  # part of a named organisation
            head = _head(m.group())
            prior = [o for o, h in heads if o.start < a and h.startswith(head[:4])]
            if prior:
                out.append(_Mention(a, b, prior[-1].entity))
        self._ref_cache = out
        return out

    def _slot(self, m: _Mention, why: str) -> SlotValue:
        return SlotValue(m.entity.name, [[m.start, m.end]], why)

    def _fill(self, d: _Draft, main: Event | None) -> Event:
        trig_spans = [self.sentences[i] for i in d.sentences]
        organizers: list[SlotValue] = []
        partners: list[SlotValue] = []
        seen: set[str] = set()
        cands: list[_Mention] = []
        for span, where in [(sp, "trigger sentence") for sp in trig_spans] + [(d.scope, "event paragraph")]:
            orgs, parts, cs = self._roles(span)
            for m in orgs:
                if m.entity.name not in seen:
                    seen.add(m.entity.name)
                    organizers.append(self._slot(m, f"organiser cue in {where}"))
            for m in parts:
                if m.entity.name not in seen:
                    seen.add(m.entity.name)
                    partners.append(self._slot(m, f"partner cue in {where}"))
            cands += cs
        if not organizers:
            first = next((c for c in cands if c.entity.name not in seen), None)
            if first is not None:
                organizers.append(self._slot(first, "first organisation named before the activity"))
            elif main is not None and main.organizers:
                organizers = [SlotValue(o.name, o.offsets, "organiser of the article's first event") for o in main.organizers]
        places = d.places or self._locs_in(d.scope)[:3]
        if not places and main is None and self.title_end:
            places = self._locs_in((0, self.title_end))
        places = _order_places(_unique(places))
        date_start, date_end = self._event_date(d)
        figures = [f for f in self.figures if f.offsets and _inside(f.offsets[0][0], f.offsets[0][1], d.scope)
                   and f.offsets[0][0] >= self.title_end]
        ben = self._beneficiaries(d.type, figures)
        t0 = d.triggers[0]
        return Event(
            type=d.type,
            date_start=date_start,
            date_end=date_end,
            places=[self._slot(m, "place in trigger sentence" if m in d.places else "place in event paragraph") for m in places],
            organizers=organizers,
            partners=partners,
            beneficiaries=ben,
            figures=figures,
            trigger=SlotValue(t0.text, [[t.start, t.end] for t in d.triggers], f"trigger lexicon: {t0.rule}"),
            why=f"{t0.rule} trigger; {len(d.triggers)} mention(s)",
        )

    def _beneficiaries(self, type_: str, figures: list[Figure]) -> Beneficiaries | None:
        """The headline count of people served by the event.

        Only activities that serve people have one (a blood drive's donors, a
        forum's participants and an agreement's targets are not beneficiaries).
        Among the scope's beneficiaries figures, totals and targets are left
        out; a count introduced by a serving verb (استفاد، لفائدة، تخدم) beats
        one that counts a subset (تحويل، منهم); the earliest wins a tie.
        """
        if type_ not in self.lex.beneficiary_types:
            return None
        best, best_score = None, None
        for f in figures:
            if f.category != "beneficiaries":
                continue
            s = f.offsets[0][0]
            sent = self.sentences[_sentence_of(s, self.sentences)]
            before = self._norm_span(max(sent[0], s - 60), s)
            if self.lex.totals.search(before) or self.lex.targets.search(before):
                continue
            near = self._norm_span(max(sent[0], s - 35), s)
            score = 2 * bool(self.lex.served.search(near)) - 3 * bool(self.lex.subcount.search(near))
            if best_score is None or score > best_score:
                best, best_score = f, score
        if best is None or best_score < 0:
            return None
        why = "beneficiaries figure after a serving verb" if best_score > 0 else "first beneficiaries figure of the event"
        return Beneficiaries(best.value, [list(best.offsets[0])], why + " (not a total, target or subset)")

    def events(self) -> list[Event]:
        drafts = self.group(self.triggers())
        if not drafts:
            return []
        self._scopes(drafts)
        drafts = [x for d in drafts for x in self.split_stations(d)]
        drafts = [d for d in drafts if not self._background(d)] or []
        out: list[Event] = []
        for d in drafts:
            out.append(self._fill(d, out[0] if out else None))
        if len(out) == 1 and out[0].beneficiaries is None and self.title_end:
            # A one-event article may state its count only in the headline.
            in_title = [f for f in self.figures if f.offsets and f.offsets[0][1] <= self.title_end]
            ben = self._beneficiaries(out[0].type, in_title)
            if ben is not None:
                out[0].beneficiaries = Beneficiaries(ben.value, ben.offsets, "headline count of the article's only event")
        return out


def _head(word: str) -> str:
    """A head word without its proclitic and article: وللجمعيه → جمعيه."""
    for prefix in ("وال", "بال", "فال", "لل", "ال"):
        if word.startswith(prefix) and len(word) > len(prefix) + 2:
            return word[len(prefix):]
    if word[:1] in "وفبل" and len(word) > 4 and word[1:3] == "ال":
        return word[3:]
    return word


def _unique(mentions: list[_Mention]) -> list[_Mention]:
    seen, out = set(), []
    for m in mentions:
        if m.entity.name not in seen:
            seen.add(m.entity.name)
            out.append(m)
    return out


def _order_places(mentions: list[_Mention]) -> list[_Mention]:
    """Most specific first, by the gazetteer's admin level when known; text order otherwise."""
    def level(m: _Mention) -> int:
        place = m.entity.place or {}
        return LEVEL_ORDER.get(str(place.get("level", "")), 2)
    return sorted(mentions, key=lambda m: (level(m), m.start))


def assemble_events(text: str, entities: list[Entity], dates: list[DateValue], figures: list[Figure],
                    title: str | None = None) -> list[Event]:
    """Event records of one article from its entities, dates and figures."""
    return EventAssembler(text, entities, dates, figures, title=title).events()


class EventStage:
    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        lexicon()  # compile once, at pipeline build time

    def __call__(self, doc: Doc) -> Doc:
        doc._.events = assemble_events(extensions.doc_text(doc), doc._.entities, doc._.dates, doc._.figures, title=doc._.title)
        return doc


@Language.factory(
    "civic_events",
    assigns=["doc._.events"],
    requires=["doc._.entities", "doc._.dates", "doc._.figures"],
)
def make_events(nlp: Language, name: str) -> EventStage:
    """Event records assembled from the entities, dates and figures of the Doc."""
    extensions.register()
    return EventStage(nlp, name)
