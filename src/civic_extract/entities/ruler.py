"""Rule-based ORG, PER and LOC spans, in the style of spaCy's SpanRuler.

Why not the Matcher itself: an Arabic organisation name is a head word plus a
genitive chain whose end is decided word by word (``مندوبية وزارة الصحة والحماية
الاجتماعية`` goes on through the coordination but stops before ``بإقليم تارودانت``),
place names hide behind glued prepositions (``بمراكش``, even ``بإقليمأزيلال``),
and titles must be peeled off person names. Token patterns cannot say that, so
the patterns here are lists of phrases (head words, titles, triggers) kept in
data files, and the grammar that extends them is code:

* ORG: a head word (جمعية، مندوبية، وزارة …) and its chain: construct nouns,
  definite adjectives, ``ل`` complements, ``و`` + definite coordination, a quoted
  name or a Latin-script name; it stops at a verb or event noun, at a new head
  word, and at ``ب``/``في`` + place. A definite head alone (``الجمعية``) is a
  back-reference, not a name. Latin bullet lists and acronyms are ORG too.
* PER: a title (السيد، الدكتورة، د.) or a role with a comma (``رئيس الجمعية، X``)
  followed by name words; a first name from the list followed by a family name;
  a bullet line ``- NAME – role``; a byline line.
* LOC: a trigger word (إقليم، جماعة، مدينة، دوار …) followed by a name (the
  gazetteer's longest match, else the name words); a gazetteer name after a
  glued or separate preposition, or any salient one (countries, provinces, big
  cities); items of a list that starts with a place.

:func:`find_candidates` is the pure function; :class:`EntityRuler` the component.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

from .. import extensions
from ..normalise import Normalised, normalised
from .gazetteer import Gazetteer, default_gazetteer
from .rules import Phrase, RuleSet, default_rules
from .tokens import QUOTES, Tok, is_definite, readings, tokenize

MAX_ORG_WORDS = 14
MAX_NAME_UNITS = 4


@dataclass
class Candidate:
    """A span proposed by one rule, in normalised-text offsets."""

    label: str
    start: int
    end: int
    why: str
    score: float
    generic: bool = False  # a back-reference such as الجمعية, not a name
    place: str | None = None  # gazetteer id for LOC
    aliases: tuple[str, ...] = ()  # other names of the same entity (a quoted core)
    head: str | None = None  # ORG head key, to match back-references
    restore_alef: bool = False  # ``للرباط``: the span is ``لرباط`` and the name ``الرباط``
    extra: dict[str, Any] = field(default_factory=dict)


Readings = tuple[tuple[str, str], ...]

# Per word, the readings whose stem opens a phrase of the rule set and those whose
# stem starts a place name: they depend only on the word and on those two word sets,
# and words recur from article to article, so they are kept, one table per pair of
# sets (compared by content), each emptied when it grows past a bound.
_WORD_TABLES: dict[tuple[frozenset[str], frozenset[str]], dict[str, tuple[Readings, Readings]]] = {}
_WORD_TABLE_SIZE = 16384


def _word_readings(words: list[str | None], first_words: frozenset[str],
                   place_prefixes: frozenset[str]) -> list[tuple[Readings, Readings]]:
    """(phrase-start readings, place-start readings) of each word, in reading order; empty for None."""
    key = (first_words, place_prefixes)
    table = _WORD_TABLES.get(key)
    if table is None:
        if len(_WORD_TABLES) >= 4:
            _WORD_TABLES.clear()
        table = _WORD_TABLES[key] = {}
    out: list[tuple[Readings, Readings]] = []
    for w in words:
        if w is None:
            out.append(((), ()))
            continue
        info = table.get(w)
        if info is None:
            rs = readings(w)
            info = (tuple(r for r in rs if r[1] in first_words), tuple(r for r in rs if r[1] in place_prefixes))
            if len(table) >= _WORD_TABLE_SIZE:
                table.clear()
            table[w] = info
        out.append(info)
    return out


class _Scan:
    """One article's tokens with the rule set and gazetteer; the rules are its methods."""

    def __init__(self, norm: Normalised, rules: RuleSet, gaz: Gazetteer):
        self.norm, self.text, self.rules, self.gaz = norm, norm.text, rules, gaz
        self.toks = tokenize(norm.text)
        self.n = len(self.toks)
        self.out: list[Candidate] = []
        # Arabic word of each token (None for others), and the readings of each
        # token whose stem opens some phrase of the rule set (none for most words).
        self.words = [t.text if t.kind == "ar" else None for t in self.toks]
        self.place_prefixes = gaz.key_prefixes
        # ... and the readings of each word whose stem starts some place name (none for most words).
        info = _word_readings(self.words, rules.first_words, self.place_prefixes)
        self.heads = [h for h, _ in info]
        self.place_heads = [p for _, p in info]
        # Tokens where a rule can start; the scans below jump from one to the next, since at
        # any other token they would find nothing and move on.
        self.head_tokens = [k for k, h in enumerate(self.heads) if h]
        self.title_tokens = [k for k, (h, w) in enumerate(zip(self.heads, self.words)) if h or w in rules.abbrevs]
        self.trigger_tokens = [k for k, (h, w) in enumerate(zip(self.heads, self.words)) if h or (w and len(w) >= 7)]

    @staticmethod
    def _next(tokens: list[int], k: int) -> int | None:
        """The first of ``tokens`` (sorted) at or after k, or None."""
        i = bisect_left(tokens, k)
        return tokens[i] if i < len(tokens) else None

    # -- helpers -------------------------------------------------------------
    def word(self, k: int) -> str | None:
        return self.words[k] if 0 <= k < self.n else None

    def head_readings(self, k: int) -> tuple[tuple[str, str], ...]:
        """Readings (proclitics, stem) of token k whose stem is the first word of a phrase, in reading order."""
        return self.heads[k] if 0 <= k < self.n else ()

    def gap(self, a: int, b: int) -> str:
        """Text between token a's end and token b's start."""
        return self.text[self.toks[a].end:self.toks[b].start]

    def phrase_at(self, k: int, table: dict[tuple[str, ...], Phrase], prefixes: Iterable[str] = ("", "و", "ب", "ل", "وب", "ول", "ف", "فب", "ك")) -> tuple[Phrase, int, str] | None:
        """Longest phrase of ``table`` starting at token k, allowing proclitics on its first word."""
        best = None
        for pre, stem in self.head_readings(k):
            if pre not in prefixes:
                continue
            words = [stem]
            for m in range(1, self.rules.max_phrase + 1):
                ph = table.get(tuple(words))
                if ph is not None and (best is None or len(ph.words) > len(best[0].words)):
                    best = (ph, len(words), pre)
                nxt = self.word(k + m)
                if nxt is None or self.gap(k + m - 1, k + m).strip():
                    break
                words.append(nxt)
        return best

    def stem_start(self, k: int, pre: str) -> int:
        return self.toks[k].start + len(pre)

    def stem_span_start(self, k: int, pre: str, stem: str) -> tuple[int, bool]:
        """Where the stem of token k starts, and whether its article's alef was swallowed (``لل``)."""
        w = self.toks[k].text
        if w[len(pre):] == stem:
            return self.toks[k].start + len(pre), False
        return self.toks[k].start + len(pre), True

    def is_stop(self, w: str) -> bool:
        return w in self.rules.stop

    def is_head_word(self, w: str) -> bool:
        r = self.rules
        return w in r.single_heads or w in r.first_words and any(w == h[0] for h in r.org_heads)

    def add(self, c: Candidate) -> None:
        if c.end > c.start:
            self.out.append(c)

    def place_at(self, k: int, stem: str, fuzzy: bool = False) -> tuple[int, str, str] | None:
        """Longest gazetteer name starting with ``stem`` (token k's stem): (tokens used, key, place id)."""
        gaz = self.gaz
        words, best = [stem], None
        for m in range(1, gaz.max_words + 1):
            key = " ".join(words)
            if key not in self.place_prefixes:
                break  # no alias key starts with the words taken so far: no longer look-up can succeed
            ids = gaz.alias_index.get(key)
            if ids:
                best = (m, key, ids[0])
            nxt = self.toks[k + m] if k + m < self.n else None
            if nxt is None:
                break
            if nxt.text == "-" and k + m + 1 < self.n and not self.gap(k + m - 1, k + m).strip() and not self.gap(k + m, k + m + 1).strip():
                # Hyphenated names (درعة-تافيلالت) are keyed with a space.
                if m + 1 > gaz.max_words:
                    break
                words.append(self.toks[k + m + 1].text)
                key = " ".join(words)
                ids = gaz.alias_index.get(key)
                if ids:
                    best = (m + 2, key, ids[0])
                break
            if nxt.kind not in ("ar", "lat"):
                break
            words.append(nxt.text)
        if best is None and fuzzy and len(stem) >= (8 if is_definite(stem) else 5) and stem not in self.rules.known:
            for m in (2, 1):
                if k + m > self.n or any(self.toks[k + x].kind != "ar" for x in range(1, m)):
                    continue
                key = " ".join([stem] + [self.toks[k + x].text for x in range(1, m)])
                found = self.gaz.lookup(key, fuzzy=True)
                if found:
                    return (m, key, found[0].id)
        return best

    # -- ORG -----------------------------------------------------------------
    def conj_rest(self, w: str) -> str | None:
        """The word after a conjunction و, if ``w`` is clearly و + word (``والحماية``, ``وجمعية``).

        ``وزارة``, ``واحة`` and ``وجدة`` are words of their own: the rest must be
        definite, a listed word, a place, or a preposition-led word.
        """
        if len(w) < 3 or w[0] != "و" or w in self.rules.known or w in self.gaz.alias_index:
            return None
        rest = w[1:]
        if is_definite(rest) or rest in self.rules.known or rest in self.gaz.alias_index or rest[0] in "بل":
            return rest
        return None

    def org_chain(self, j: int, head_definite: bool) -> tuple[int, dict[str, Any]]:
        """Extend an ORG name from token j; returns the end token index (exclusive) and what the chain held.

        ``info["seq"]`` lists the kind of each word taken: def, indef, lam, bi, conj, num.
        """
        r = self.rules
        info: dict[str, Any] = {"seq": [], "lam": [], "quoted": None, "latin": False, "places": []}
        seq = info["seq"]
        k, last_def = j, head_definite
        while k < self.n and len(seq) < MAX_ORG_WORDS:
            t = self.toks[k]
            if t.kind in ("punct", "nl"):
                if t.text in QUOTES and info["quoted"] is None and len(seq) <= 1:
                    close = self._closing_quote(k)
                    if close is not None:
                        info["quoted"] = (self.toks[k + 1].start, self.toks[close - 1].end)
                        k = close + 1
                        break
                if t.text == "-" and seq and self.word(k + 1) and not self.gap(k - 1, k).strip() and not self.gap(k, k + 1).strip():
                    k += 2
                    seq.append("indef")
                    continue
                break
            if t.kind == "num":
                if seq and len(t.text) <= 3 and self.gap(k - 1, k).isspace():
                    k += 1
                    seq.append("num")
                break
            if t.kind == "lat":
                if not seq:
                    k = self._latin_run(k)
                    info["latin"] = True
                    seq.append("latin")
                break
            w = t.text
            if w == "و" and seq and is_definite(self.word(k + 1) or "") and self.word(k + 1) not in r.known:
                k += 2  # الاتحاد الجهوي للمسعفين المتطوعين و المهنيين
                seq.append("conj")
                continue
            if w in r.stop or (w in r.abbrevs and self._abbrev_dot(k)):
                break
            if w in r.single_titles and (seq or (w,) in r.titles):
                break  # جمعية X السيد Y; but a role opens names: مستشفى الأمير فيصل
            if not seq and w in r.backref:
                break
            rest = self.conj_rest(w)
            if rest is None and w[0] == "و" and info["lam"] and w not in r.known and w not in self.gaz.alias_index:
                k += 1  # للدم ومشتقاته، لمربي الماشية ومنتجي الحليب
                seq.append("conj")
                last_def = False
                continue
            if rest is not None:
                if (rest in r.stop or rest in r.single_heads or rest in r.single_titles or rest in r.single_triggers
                        or self.phrase_at(k, r.org_heads) or self.phrase_at(k, r.titles) or self.phrase_at(k, r.roles)
                        or rest in self.gaz.alias_index or rest[0] in "بل" or rest in r.first_names):
                    break
                if is_definite(rest) or (info["lam"] and not is_definite(rest)):
                    k += 1
                    seq.append("conj")
                    last_def = True
                    continue
                break
            if w.endswith("يا") and len(w) >= 5 and seq[-1:] in (["def"], ["lam"]) and not is_definite(w) and w not in r.known:
                k += 1  # an adverb of specification: للمصابين حركيا، للمكفوفين بصريا
                seq.append("indef")
                continue
            if w[0] == "ب" and len(w) > 3 and w not in r.known and w not in self.gaz.alias_index:
                stem = w[1:]
                if (stem in r.stop or stem in r.bi_breakers or stem in r.breakers or stem[2:] in r.single_heads
                        or stem in r.single_heads or stem in r.single_triggers or stem[2:] in r.single_triggers or stem.endswith(("ها", "هم")) or self._place_after(k, stem)):
                    break
                if not is_definite(stem):
                    if last_def:
                        break
                    k += 1  # a construct noun that starts with ب (نادي بساتين الواحة)
                    seq.append("indef")
                    continue
                k += 1
                seq.append("bi")
                last_def = True
                continue
            if w[0] == "ل" and len(w) > 3 and w not in r.known and w not in self.gaz.alias_index:
                stem = "ا" + w[1:] if w.startswith("لل") else w[1:]
                if w in r.li_breakers or stem in r.li_breakers or stem in r.stop:
                    break
                if info["lam"] and not is_definite(stem):
                    break  # المجلس الأعلى للشباب | لتنظيم القافلة
                place = self.place_at(k, stem) if stem not in r.single_triggers else None
                if place:
                    info["places"].append((k, place))
                info["lam"].append(stem)
                k += 1
                seq.append("lam")
                last_def = is_definite(stem) or bool(place)
                continue
            if is_definite(w):
                k += 1
                seq.append("def")
                last_def = True
                continue
            # An indefinite word continues a construct chain (or starts a proper
            # name); after a definite word it starts the next phrase, unless it
            # opens a compound name (مولاي، سيدي).
            if (not last_def or w in r.place_particles or (w.endswith("يا") and len(w) >= 5 and seq[-1:] in (["def"], ["lam"]))
                    or self.toks[k - 1].text in r.single_titles):
                # … or an adverb of specification (للمصابين حركيا), or the name after a title (مستشفى الأمير فيصل).
                info.setdefault("first", w)
                k += 1
                seq.append("indef")
                last_def = w.endswith("يا") and last_def
                continue
            break
        return k, info

    def _place_after(self, k: int, stem: str) -> bool:
        """``بإقليم``, ``بالمحافظة``, ``بمراكش``: a glued ب before a place ends an organisation name."""
        hit = self.place_at(k, stem)
        return bool(hit) and (self.gaz.salience(hit[1]) != "low" or len(hit[1]) >= 5)

    def _closing_quote(self, k: int) -> int | None:
        """The quote closing a short quoted name that opens at token k (words only, at most six)."""
        for m in range(k + 1, min(self.n, k + 8)):
            t = self.toks[m]
            if t.text in QUOTES:
                return m if m > k + 1 else None
            if t.kind not in ("ar", "lat", "num") and t.text not in "-'":
                return None
        return None

    def _latin_run(self, k: int) -> int:
        m = k
        while m < self.n and (self.toks[m].kind in ("lat", "num") or self.toks[m].text in "&-." and m + 1 < self.n and self.toks[m + 1].kind == "lat"):
            if m > k and "\n" in self.gap(m - 1, m):
                break
            m += 1
        return m

    def _abbrev_dot(self, k: int) -> bool:
        return k + 1 < self.n and self.toks[k + 1].text == "."

    def find_orgs(self) -> None:
        r = self.rules
        k = 0
        while k < self.n:
            k = self._next(self.head_tokens, k)
            if k is None:
                break
            hit = self.phrase_at(k, r.org_heads)
            if hit is None:
                k += 1
                continue
            ph, used, pre = hit
            if ph.pattern.get("strength") in ("weak", "lam") and self.phrase_at(k + used, r.org_heads, ("",)):
                k += used  # برنامج المبادرة الوطنية …: the inner head names it
                continue
            start, restore = self.stem_span_start(k, pre, ph.words[0]) if pre else (self.toks[k].start, False)
            end_k, info = self.org_chain(k + used, ph.definite)
            head = ph.pattern["id"]
            end = self.toks[max(k + used, end_k) - 1].end
            if info["quoted"] and self.toks[end_k - 1].text in QUOTES:
                end = self.toks[end_k - 2].end
            verdict = self._is_named(ph, info, k + used, end_k)
            if verdict == "name":
                aliases = (self.text[info["quoted"][0]:info["quoted"][1]],) if info["quoted"] else ()
                if info["latin"]:
                    aliases = (self.text[self.toks[k + used].start:end],)
                self.add(Candidate("ORG", start, end, f"{head}+chain", 0.9, head=head, aliases=aliases, restore_alef=restore))
                for pk, (m, key, pid) in info["places"]:
                    w = self.toks[pk].text
                    stem = "ا" + w[1:] if w.startswith("لل") else w[1:]
                    s, rest = self.stem_span_start(pk, "ل", stem)
                    self.add(Candidate("LOC", s, self.toks[pk + m - 1].end, "org.genitive_place", 0.85, place=pid, restore_alef=rest))
                self._genitive_locality(ph, k + used, end_k)
                k = end_k
                continue
            if verdict == "none" and head == "org.head.centre" and not ph.definite and self._only_place(k + used, end_k):
                m, key, pid = self.place_at(k + used, self.toks[k + used].text)
                if self.gaz.salience(key) != "low":
                    self.add(Candidate("LOC", self.toks[k + used].start, self.toks[k + used + m - 1].end, "loc.district", 0.8, place=pid))
            if verdict == "backref":
                self.add(Candidate("ORG", start, self.toks[k + used - 1].end, f"{head}:backref", 0.5, generic=True, head=head, restore_alef=restore))
            k += used

    def _is_named(self, ph: Phrase, info: dict[str, Any], j: int, end_k: int) -> str:
        """"name", "backref" (a definite head that points back) or "none" (a common noun phrase)."""
        r, seq = self.rules, info["seq"]
        strength = ph.pattern.get("strength", "strong")
        if strength == "named" or info["quoted"] or info["latin"]:
            return "name"
        if not seq:
            return "backref" if ph.definite else "none"
        if ph.definite and self.word(j) in r.backref:
            return "backref"
        # A ل complement names the organisation unless it is itself a back-reference (المكتب المسير للجمعية).
        lam = [s for s in info["lam"] if not (s.startswith("ال") and s[2:] in r.single_heads)]
        words = [self.toks[m].text for m in range(j, end_k) if self.toks[m].kind == "ar"]
        plain = [w for w in words if not w.startswith("ل")]
        generic = all(w in r.generic_adj or _nisba(w) or (is_definite(w) and (w[2:] in r.generic_adj or _nisba(w))) for w in plain)
        if strength == "lam":
            return "name" if lam else ("backref" if ph.definite else "none")
        if ph.definite:
            if lam or "indef" in seq or len(seq) >= 3:
                return "name"
            return "backref" if generic or len(seq) == 1 else "none"
        last = words[-1] if words else ""
        if not lam and last.startswith("ال") and last[2:] in r.single_heads:
            return "none"  # مجلس إدارة الجمعية
        if strength == "weak" and self._only_place(j, end_k):
            return "none"
        if seq[0] == "lam" and "indef" not in seq:
            return "none"  # مركز للتبرع بالدم
        if generic and not lam:
            return "none"  # جمعية خيرية، مركز صحي
        if strength == "weak" and not lam and len(seq) < 2 and "indef" not in seq:
            return "none"
        return "name"

    def _only_place(self, j: int, end_k: int) -> bool:
        """``مركز بلبيس``: a district, not a centre, when the rest is exactly a place name."""
        w = self.word(j)
        hit = self.place_at(j, w) if w else None
        return bool(hit) and j + hit[0] == end_k

    def _genitive_locality(self, ph: Phrase, j: int, end_k: int) -> None:
        """``المجلس الجماعي لتاغجيجت``: a council's ``ل`` complement names a place even when the gazetteer lacks it."""
        if ph.pattern["id"] != "org.head.council" or j >= end_k:
            return
        w = self.word(j)
        if w and w[0] == "ل" and not w.startswith("لل") and len(w) > 3 and w[1:] not in self.rules.single_triggers:
            if not self.place_at(j, w[1:], fuzzy=True):
                self.add(Candidate("LOC", self.toks[j].start + 1, self.toks[j].end, "org.council_of_place", 0.7))

    def find_latin(self) -> None:
        """Latin-script organisation names in bullet lists, and acronyms."""
        r = self.rules
        for k, t in enumerate(self.toks):
            if t.kind == "lat" and t.text.isupper() and 2 <= len(t.text) <= 8 and t.text.isalpha() and t.text not in r.acronym_stop:
                self.add(Candidate("ORG", t.start, t.end, "org.acronym", 0.5))
            if t.text in r.bullets and (k == 0 or self.toks[k - 1].kind == "nl") and k + 1 < self.n and self.toks[k + 1].kind == "lat":
                end = self._latin_run(k + 1)
                words = end - (k + 1)
                line_end = next((m for m in range(end, self.n) if self.toks[m].kind == "nl"), self.n)
                if 1 <= words <= 6 and all(self.toks[m].kind == "punct" for m in range(end, line_end)):
                    self.add(Candidate("ORG", self.toks[k + 1].start, self.toks[end - 1].end, "org.latin_bullet", 0.7))

    # -- PER -----------------------------------------------------------------
    def is_first_name(self, k: int) -> bool:
        """A listed first name; ``علي`` only when written with ي (``على`` folds to the same key)."""
        w = self.word(k)
        if w is None:
            return False
        if w == "علي":
            last = self.norm.original[self.norm.index[self.toks[k].end - 1]]
            return last == "ي"
        return w in self.rules.first_names

    def name_like(self, k: int) -> bool:
        r = self.rules
        w = self.word(k)
        if w is None or len(w) < 2:
            return False
        if w == "علي":
            return self.is_first_name(k)
        if w in r.stop or w in r.single_titles or w in r.single_heads or w in r.single_triggers:
            return False
        if w in r.ordinals or w in r.backref or w in r.breakers or w in r.generic_adj:
            return False
        if self.conj_rest(w) is not None and w not in r.first_names:
            return False
        if w[0] in "بلك" and w[1:3] == "ال" and w not in r.first_names:
            return False
        if w.startswith("لل") or w.endswith(("ها", "هم")) and len(w) > 4:
            return False
        return True

    def name_from(self, k: int, min_units: int = 1, max_units: int = MAX_NAME_UNITS) -> int | None:
        """End token (exclusive) of the person name starting at k, or None.

        A third word is taken only after a second first name (أحمد سعيد الزروالي),
        or when it is a family name in ال ending in ي (… الغزالي); a fourth only
        after a third of that kind: longer runs are the sentence going on.
        """
        r, units, m, kinds = self.rules, 0, k, []
        while m < self.n and units < max_units:
            if not self.name_like(m) or (m > k and self.gap(m - 1, m).strip()):
                break
            w = self.word(m)
            if units and w[0] == "و" and not self.is_first_name(m):
                break
            if units >= 2:
                prev_first = kinds[-1] == "first"
                if not (prev_first or (is_definite(w) and w.endswith("ي")) or w in r.name_particles):
                    break
            if w in r.name_particles and self.name_like(m + 1) and not self.gap(m, m + 1).strip():
                m += 2
                kinds.append("particle")
            else:
                kinds.append("first" if self.is_first_name(m) else "other")
                m += 1
            units += 1
        if units < min_units:
            return None
        return m

    def find_titled_people(self) -> None:
        r = self.rules
        k = 0
        while k < self.n:
            k = self._next(self.title_tokens, k)
            if k is None:
                break
            hit = self.phrase_at(k, r.titles, ("", "و", "ل", "ول", "ف"))
            weak = False
            if hit is None:
                if self.word(k) in r.abbrevs and self._abbrev_dot(k):
                    used = 2
                else:
                    k += 1
                    continue
            else:
                used, weak = hit[1], bool(hit[0].pattern.get("weak"))
            m = k + used
            # Further titles: السيد الحاج، السيدة الدكتورة، د. (with its dot).
            while True:
                nxt = self.phrase_at(m, r.titles, ("",))
                if nxt:
                    m += nxt[1]
                    weak = weak and bool(nxt[0].pattern.get("weak"))
                    continue
                if self.word(m) in r.abbrevs and self._abbrev_dot(m):
                    m += 2
                    continue
                break
            role = self.phrase_at(m, r.roles, ("",))
            if role:
                # السيد المتصرف الرئيسي عبد اللطيف: a role and its adjectives, then maybe the name.
                m += role[1]
                while self.word(m) and is_definite(self.word(m)) and not self.is_first_name(m) and self.word(m) not in r.known:
                    m += 1
                if not (self.is_first_name(m) or self.word(m) == "عبد"):
                    k = m
                    continue
            end = self.name_from(m, 1)
            if end is not None and end > m and (not weak or any(self.is_first_name(x) for x in range(m, end))):
                w = self.word(m)
                if not (end - m == 1 and (is_definite(w) and _nisba(w))):
                    self.add(Candidate("PER", self.toks[m].start, self.toks[end - 1].end, "per.title", 0.9))
                k = end
            else:
                k = m

    def find_role_people(self) -> None:
        """``رئيس الجمعية، سعيد بنعمر`` and ``حسب رئيسها، X Y``: a role, its complement, a comma, then the name."""
        r = self.rules
        for k in range(self.n):
            w = self.word(k)
            if w is None:
                continue
            base = w[:-2] if w.endswith("ها") else w[:-1] if w.endswith("ه") and len(w) > 4 else w
            if not (self.phrase_at(k, r.roles, ("", "و", "ل", "ول")) or base in r.single_titles):
                continue
            for m in range(k + 1, min(self.n, k + 10)):
                t = self.toks[m]
                if t.kind == "nl" or t.text in ".:؛;!؟?":
                    break
                if t.text in ",،":
                    end = self.name_from(m + 1, 2)
                    if end is not None and any(self.is_first_name(x) for x in range(m + 1, end)):
                        after = self.toks[end] if end < self.n else None
                        if after is None or after.kind in ("punct", "nl") or self.word(end) in r.single_titles:
                            self.add(Candidate("PER", self.toks[m + 1].start, self.toks[end - 1].end, "per.role_comma", 0.75))
                    break

    def find_first_name_people(self) -> None:
        r = self.rules
        k = 0
        while k < self.n:
            w = self.word(k)
            if w is None:
                k += 1
                continue
            conj = w[0] == "و" and not self.is_first_name(k) and w[1:] in r.first_names
            if not (self.is_first_name(k) or conj or (w == "عبد" and self.word(k + 1))):
                k += 1
                continue
            prev = self.word(k - 1)
            stem = w[1:] if conj else w
            if prev and not conj and (prev in r.single_heads or prev in r.single_triggers or prev in r.place_particles
                         or (is_definite(stem) and is_definite(prev))):
                k += 1
                continue
            if conj:
                end = self.name_from(k + 1, 1, MAX_NAME_UNITS - 1)
                start_k, s = k, self.toks[k].start + 1
            else:
                end = self.name_from(k, 2)
                start_k, s = k, self.toks[k].start
                if end is None:
                    # Surname first: ``بوزيان أحمد رئيس الجماعة``.
                    after = self.word(k + 1)
                    if (self.name_like(k - 1) and prev not in r.first_names and not is_definite(prev or "")
                            and prev not in r.place_particles and prev[0] != "و"
                            and (after in r.single_titles or (k + 1 < self.n and self.toks[k + 1].text in ",،"))):
                        start_k, s, end = k - 1, self.toks[k - 1].start, k + 1
            if end is not None and end > start_k + (0 if conj else 1) and self.word(start_k + 1) not in r.ordinals:
                self.add(Candidate("PER", s, self.toks[end - 1].end, "per.first_name", 0.6))
                k = end
                continue
            k += 1

    def find_line_people(self) -> None:
        """Bullet lines ``- NAME – role`` and short byline lines of 2–3 name words."""
        r = self.rules
        starts = [0] + [m + 1 for m, t in enumerate(self.toks) if t.kind == "nl"]
        for s in starts:
            e = next((m for m in range(s, self.n) if self.toks[m].kind == "nl"), self.n)
            if s >= e:
                continue
            k = s
            bullet = self.toks[k].text in r.bullets
            if bullet:
                k += 1
            while k < e and (self.toks[k].kind == "punct" or self.word(k) in r.byline_cues):
                k += 1
            if k >= e or self.phrase_at(k, r.titles, ("",)):
                continue
            end = self.name_from(k, 2)
            if end is None:
                continue
            rest = self.toks[end:e]
            if bullet and rest and rest[0].text in "-–—،,:":
                self.add(Candidate("PER", self.toks[k].start, self.toks[end - 1].end, "per.bullet", 0.7))
            elif all(t.kind == "punct" for t in rest) and (self.is_first_name(k) or self.is_first_name(end - 1)) and end - k <= 3:
                self.add(Candidate("PER", self.toks[k].start, self.toks[end - 1].end, "per.byline", 0.65))

    # -- LOC -----------------------------------------------------------------
    def find_triggered_places(self) -> None:
        r = self.rules
        k = 0
        while k < self.n:
            k = self._next(self.trigger_tokens, k)  # a trigger word, or a word long enough to hide one
            if k is None:
                break
            hit = self.phrase_at(k, r.triggers)
            if hit is None:
                glued = self._glued_trigger(k)
                if glued is not None:
                    start, end, pid, why = glued
                    self.add(Candidate("LOC", start, end, why, 0.85, place=pid))
                k += 1
                continue
            ph, used, pre = hit
            j = k + used
            again = self.phrase_at(j, r.triggers, ("", "و"))  # ولاية جهة X، عمالات وأقاليم X
            if again:
                j += again[1]
                ph = again[0]
            # A definite trigger alone (الإقليم، الجهة) points back; only a known name may follow it.
            open_name = not (ph.definite and len(ph.words) == 1)
            if ph.pattern.get("plural"):
                found = self._list_after(j, first=True)
                last_known = max((i for i, it in enumerate(found) if it[2]), default=-1)
                items = [(a, b, pid, "list", off) for i, (a, b, pid, off) in enumerate(found) if pid or i < last_known]
            else:
                items = [it for it in [self._trigger_name(j, ph, open_name)] if it]
            for (a, b, pid, how, off) in items:
                self.add(Candidate("LOC", self.toks[a].start + off, self.toks[b - 1].end, f"{ph.pattern['id']}:{how}", 0.9 if pid else 0.8, place=pid))
            if items and ph.pattern.get("acting") and not ph.pattern.get("plural") and self._acting(k, pre):
                s, restore = self.stem_span_start(k, pre, ph.words[0]) if pre else (self.toks[k].start, False)
                self.add(Candidate("ORG", s, self.toks[items[0][1] - 1].end, "org.acting_" + ph.pattern["level"], 0.8, restore_alef=restore))
            k = max(k + 1, items[-1][1] if items else k + 1)

    def _trigger_name(self, j: int, ph: Phrase, open_name: bool = True) -> tuple[int, int, str | None, str, int] | None:
        w = self.word(j)
        if w is None or (j > 0 and "\n" in self.gap(j - 1, j)):
            return None
        if not open_name and is_definite(w) and _nisba(w):
            return None  # الدولة المغربية
        hit = self.place_at(j, w, fuzzy=open_name)
        if hit:
            return (j, j + hit[0], hit[2], "gazetteer", 0)
        if ph.pattern.get("gazetteer_only") or not open_name or not self._place_word(w):
            return None
        r = self.rules
        end = j + 1
        nxt = self.word(end)
        adjacent = nxt is not None and self.gap(end - 1, end) == " "
        if w in r.place_particles and self._place_word(nxt):
            end = j + 2
            if nxt in r.place_particles and self._place_word(self.word(j + 2)):
                end = j + 3
        elif end < self.n and self.toks[end].text == "-" and self.word(end + 1) and not self.gap(end - 1, end).strip() and not self.gap(end, end + 1).strip():
            end += 2
        elif (adjacent and self._place_word(nxt) and self.conj_rest(nxt) is None and not is_definite(w)
              and not self.is_first_name(end) and not (is_definite(nxt) and _nisba(nxt))):
            end += 1  # أيت بوكماز، عين اللوح
        return (j, end, None, "name", 0)

    def _place_word(self, w: str | None) -> bool:
        r = self.rules
        if w is None or len(w) < 2 or w in r.stop or w in r.backref or w in r.generic_adj or w in r.single_titles or w in r.single_heads:
            return False
        if w in r.breakers or w in r.single_triggers or w.endswith(("ها", "هم")) and len(w) > 4:
            return False
        if w[0] in "بل" and (w[1:3] == "ال" or w[1:] in r.stop or (w[0] == "ل" and len(w) <= 4)):
            return bool(self.gaz.alias_index.get(w))
        if self.conj_rest(w) is not None:
            return False
        if _nisba(w) and not is_definite(w):
            return bool(self.gaz.alias_index.get(w))
        if is_definite(w) and (_nisba(w) or w[2:] in r.single_triggers or w[2:] in r.single_heads):
            return bool(self.gaz.alias_index.get(w))
        return True

    def _glued_trigger(self, k: int) -> tuple[int, int, str, str] | None:
        """``بإقليمأزيلال``: a trigger word and a place name typed without a space."""
        w = self.word(k)
        if w is None or len(w) < 7 or w in self.gaz.alias_index:
            return None
        triggers, heads = self.rules.single_triggers, self.rules.trigger_heads
        for pre, stem in readings(w):
            if stem[:2] not in heads:
                continue  # no trigger word of three letters or more starts like this stem
            for n in self.rules.trigger_lengths:
                if len(stem) - n >= 3 and stem[:n] in triggers:
                    ids = self.gaz.alias_index.get(stem[n:])
                    if ids:
                        s = self.toks[k].start + len(pre) + n
                        return (s, self.toks[k].end, ids[0], "loc.glued_trigger")
        return None

    def _acting(self, k: int, pre: str) -> bool:
        """A commune/prefecture acts when an organising or partnership word precedes it in the clause."""
        r = self.rules
        if "و" in pre and any(c.label == "ORG" and not c.generic and 0 <= self.toks[k].start - c.end <= 3 for c in self.out):
            return True
        for m in range(k - 1, max(-1, k - 5), -1):
            t = self.toks[m]
            if t.kind == "nl" or t.text in ".؛;:":
                return False
            if t.text in r.organiser_cues or any(stem in r.organiser_cues for _, stem in readings(t.text)):
                return True
        return False

    def find_gazetteer_places(self) -> None:
        """Bare place names: salient ones anywhere, towns after a preposition."""
        r, gaz = self.rules, self.gaz
        covered = {(c.start, c.end) for c in self.out if c.label == "LOC"}
        k = 0
        while k < self.n:
            best = None
            for pre, stem in self.place_heads[k]:
                hit = self.place_at(k, stem)
                if hit:
                    best = (pre, stem, hit)
                    break  # the bare reading first: وجدة stays وجدة
            if best is None:
                k += 1
                continue
            pre, stem, (m, key, pid) = best
            sal = gaz.salience(key)
            glued_prep = "ب" in pre or "ل" in pre
            after_prep = glued_prep or (self.word(k - 1) in r.place_preps and not pre)
            ok = sal == "high" or (sal == "medium" and after_prep) or (key in gaz.ambiguous and "ب" in pre and is_definite(stem) and len(key) >= 5)
            if ok and not (self.is_first_name(k) and self.name_like(k + 1) and sal != "high"):
                s, restore = self.stem_span_start(k, pre, stem)
                e = self.toks[k + m - 1].end
                if (s, e) not in covered:
                    self.add(Candidate("LOC", s, e, f"gazetteer.{sal}", 0.7 if sal == "high" else 0.6, place=pid, restore_alef=restore))
            k += m

    def find_list_places(self) -> None:
        """Items of a list that holds places are places (``كتالوين، وإغرم، وأولاد برحيل، وورزازات``).

        Known names (gazetteer, fuzzy for the press's spellings) are taken
        anywhere in the list; unknown name words only when a known place comes
        after them, so the list is certainly one of places.
        """
        found = [c for c in self.out if c.label == "LOC" and not c.generic]
        starts = {c.start for c in found}
        ending_at = {t.end: k for k, t in enumerate(self.toks)}  # tokens do not overlap: one per end
        accepted = {ending_at.get(c.end) for c in found} - {None}
        # Seeds: accepted places, and known town names not yet accepted (تالوين، وتافراوت، وطاطا).
        seeds = {t: None for t in accepted}
        for k in range(self.n):
            w = self.word(k)
            if w and k not in seeds and (self.toks[k + 1].text in ",،" if k + 1 < self.n else False):
                hit = self.place_at(k, w)
                if hit and hit[1] not in self.gaz.ambiguous and len(hit[1]) >= 4:
                    seeds[k + hit[0] - 1] = (k, hit[2])
        for t_end in sorted(seeds):
            items = self._list_after(t_end + 1)
            seed = seeds[t_end]
            if seed is not None:
                # A town that opens a list counts only if a place already accepted is in it.
                ends = {self.toks[b - 1].end for _, b, _, _ in items}
                if not ends & {c.end for c in found}:
                    continue
                items = [(seed[0], t_end + 1, seed[1], 0)] + items
            last_known = max((i for i, it in enumerate(items) if it[2]), default=-1)
            for i, (a, b, pid, off) in enumerate(items):
                s = self.toks[a].start + off
                e = self.toks[b - 1].end
                if (pid is None and i > last_known) or any(c.label == "LOC" and c.start < e and s < c.end for c in self.out):
                    continue
                self.add(Candidate("LOC", s, e, "loc.list", 0.65, place=pid))
                starts.add(s)
            if seed is None:
                self._list_before(t_end)

    def _list_after(self, k: int, first: bool = False) -> list[tuple[int, int, str | None, int]]:
        """Items after token k separated by commas and و: (start token, end token, place id or None, clitic length)."""
        r, items = self.rules, []
        while k < self.n and len(items) < 20:
            sep = self.toks[k].text in ",،"
            if sep:
                k += 1
            w = self.word(k)
            if w is None:
                break
            conj = w[0] == "و" and len(w) > 2 and w not in self.gaz.alias_index and w not in r.known
            if not (sep or conj or (first and not items)):
                break
            hit, off = None, 0
            for fuzzy in (False, True):  # every reading exactly before any loosely (وورزازات)
                for pre, stem in readings(w):
                    if pre in ("", "و", "وب", "ب", "ك", "وك"):
                        hit = self.place_at(k, stem, fuzzy=fuzzy)
                        if hit and hit[1] not in self.gaz.ambiguous:
                            off = self.stem_span_start(k, pre, stem)[0] - self.toks[k].start
                            break
                        hit = None
                if hit:
                    break
            if hit:
                items.append((k, k + hit[0], hit[2], off))
                k += hit[0]
                continue
            off = 1 if conj else 0
            stem = w[off:]
            if not self._place_word(stem) or is_definite(stem) or (self.is_first_name(k) and not off):
                break
            end = k + 1
            nxt = self.word(end)
            if nxt and self.gap(k, end) == " " and self._place_word(nxt) and nxt[0] != "و" and not self.is_first_name(end):
                end += 1  # أولاد برحيل، عين الشقف
            items.append((k, end, None, off))
            k = end
        return items

    def _list_before(self, t_end: int) -> None:
        """``أمزميز وإمنتانوت``: a known town just before a place joined by و."""
        # Find the token where the place ending at t_end starts with a conjunction و.
        k = t_end
        while k > 0 and self.gap(k - 1, k) == "" and self.toks[k - 1].kind == "ar":
            k -= 1
        w = self.word(k)
        if w is None or w[0] != "و" or k == 0:
            return
        prev = self.word(k - 1)
        if prev is None or self.gap(k - 1, k) != " ":
            return
        hit = self.gaz.alias_index.get(prev)
        if hit and prev not in self.gaz.ambiguous and self.gaz.salience(prev) != "low" or (hit and len(prev) >= 5 and prev not in self.gaz.ambiguous):
            s = self.toks[k - 1].start
            if not any(c.start == s and c.label == "LOC" for c in self.out):
                self.add(Candidate("LOC", s, self.toks[k - 1].end, "loc.list", 0.65, place=hit[0]))

    def run(self) -> list[Candidate]:
        self.find_orgs()
        self.find_latin()
        self.find_triggered_places()
        self.find_titled_people()
        self.find_role_people()
        self.find_first_name_people()
        self.find_line_people()
        self.find_gazetteer_places()
        self.find_list_places()
        return self.out


def _nisba(w: str) -> bool:
    """Relative adjectives (صحي، خيرية، الجبلية) end in ي or يه after normalisation."""
    return len(w) > 3 and (w.endswith("ي") or w.endswith("يه"))


def _strip_article_head(w: str, r: RuleSet) -> bool:
    return w.startswith("ال") and w[2:] in r.single_heads


def find_candidates(text: str | Normalised, rules: RuleSet | None = None, gazetteer: Gazetteer | None = None) -> tuple[Normalised, list[Candidate]]:
    """All rule candidates of one article, in normalised offsets, with the normalised text."""
    norm = text if isinstance(text, Normalised) else normalised(text)
    scan = _Scan(norm, rules or default_rules(), gazetteer or default_gazetteer())
    return norm, scan.run()


# -- spaCy component ----------------------------------------------------------

CANDIDATES_KEY = "civic_rule_candidates"  # doc.user_data: exact candidates for the merge stage


class EntityRuler:
    """Rule spans into ``doc.spans[spans_key]`` (token-aligned, ``_.why`` set).

    The exact character spans (which may cut a glued proclitic off a token) are
    kept for the merge stage in ``doc.user_data["civic_rule_candidates"]``.
    Patterns load at ``initialize`` (or from the packaged data files) and are
    written to ``patterns.jsonl`` by :meth:`to_disk`, as spaCy's SpanRuler does.
    """

    def __init__(self, nlp: Language, name: str = "civic_entity_ruler", *, spans_key: str = "civic_rules", use_gazetteer: bool = True):
        self.nlp, self.name, self.spans_key, self.use_gazetteer = nlp, name, spans_key, use_gazetteer
        self.rules = default_rules()
        if use_gazetteer:
            default_gazetteer().key_prefixes  # built with the pipeline, not on the first article

    @property
    def patterns(self) -> list[dict[str, Any]]:
        return self.rules.to_patterns()

    def initialize(self, get_examples=None, *, nlp: Language | None = None, patterns: list[dict[str, Any]] | None = None, lexicon: dict[str, Any] | None = None) -> None:
        if patterns is not None or lexicon is not None:
            self.rules = RuleSet.from_patterns(patterns, lexicon)

    def add_patterns(self, patterns: list[dict[str, Any]]) -> None:
        self.rules = RuleSet.from_patterns(self.rules.patterns + list(patterns), self.rules.lexicon)

    def __call__(self, doc: Doc) -> Doc:
        gaz = default_gazetteer() if self.use_gazetteer else Gazetteer.from_records([])
        norm, cands = find_candidates(extensions.doc_text(doc), self.rules, gaz)
        doc.user_data[CANDIDATES_KEY] = (norm, cands)
        spans = []
        for c in cands:
            s, e = norm.span(c.start, c.end)
            span = doc.char_span(s, e, label=c.label, alignment_mode="expand")
            if span is not None:
                span._.why = c.why
                spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        with (path / "patterns.jsonl").open("w", encoding="utf-8") as fh:
            for p in self.rules.patterns:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
        (path / "lexicon.json").write_text(json.dumps(self.rules.lexicon, ensure_ascii=False), encoding="utf-8")
        (path / "cfg.json").write_text(json.dumps({"spans_key": self.spans_key, "use_gazetteer": self.use_gazetteer}), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "EntityRuler":
        path = ensure_path(path)
        with (path / "patterns.jsonl").open(encoding="utf-8") as fh:
            patterns = [json.loads(line) for line in fh if line.strip()]
        lexicon = json.loads((path / "lexicon.json").read_text(encoding="utf-8"))
        cfg = json.loads((path / "cfg.json").read_text(encoding="utf-8"))
        self.spans_key, self.use_gazetteer = cfg["spans_key"], cfg["use_gazetteer"]
        self.rules = RuleSet.from_patterns(patterns, lexicon)
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps({"patterns": self.rules.patterns, "lexicon": self.rules.lexicon, "spans_key": self.spans_key, "use_gazetteer": self.use_gazetteer}, ensure_ascii=False).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "EntityRuler":
        d = json.loads(data.decode("utf-8"))
        self.spans_key, self.use_gazetteer = d["spans_key"], d["use_gazetteer"]
        self.rules = RuleSet.from_patterns(d["patterns"], d["lexicon"])
        return self


@Language.factory(
    "civic_entity_ruler",
    assigns=["doc.spans"],
    requires=[],
    default_config={"spans_key": "civic_rules", "use_gazetteer": True},
)
def make_entity_ruler(nlp: Language, name: str, spans_key: str, use_gazetteer: bool) -> EntityRuler:
    """``spans_key``: the span group written; ``use_gazetteer``: let bare gazetteer names become LOC spans."""
    extensions.register()
    return EntityRuler(nlp, name, spans_key=spans_key, use_gazetteer=use_gazetteer)
