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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

from .. import extensions
from ..normalise import Normalised, normalise
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


class _Scan:
    """One article's tokens with the rule set and gazetteer; the rules are its methods."""

    def __init__(self, norm: Normalised, rules: RuleSet, gaz: Gazetteer):
        self.norm, self.text, self.rules, self.gaz = norm, norm.text, rules, gaz
        self.toks = tokenize(norm.text)
        self.n = len(self.toks)
        self.out: list[Candidate] = []

    # -- helpers -------------------------------------------------------------
    def word(self, k: int) -> str | None:
        return self.toks[k].text if 0 <= k < self.n and self.toks[k].kind == "ar" else None

    def gap(self, a: int, b: int) -> str:
        """Text between token a's end and token b's start."""
        return self.text[self.toks[a].end:self.toks[b].start]

    def phrase_at(self, k: int, table: dict[tuple[str, ...], Phrase], prefixes: Iterable[str] = ("", "و", "ب", "ل", "وب", "ول", "ف", "فب", "ك")) -> tuple[Phrase, int, str] | None:
        """Longest phrase of ``table`` starting at token k, allowing proclitics on its first word."""
        w = self.word(k)
        if w is None or not self.rules.first_words:
            return None
        best = None
        for pre, stem in readings(w):
            if pre not in prefixes or stem not in self.rules.first_words:
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
        if best is None and fuzzy:
            for m in (2, 1):
                if k + m > self.n or any(self.toks[k + x].kind != "ar" for x in range(1, m)):
                    continue
                key = " ".join([stem] + [self.toks[k + x].text for x in range(1, m)])
                found = self.gaz.lookup(key, fuzzy=True)
                if found:
                    return (m, key, found[0].id)
        return best

    # -- ORG -----------------------------------------------------------------
    def org_chain(self, j: int, head_definite: bool) -> tuple[int, dict[str, Any]]:
        """Extend an ORG name from token j; returns the end token index (exclusive) and what the chain held."""
        r, info = self.rules, {"words": 0, "lam": False, "indef": False, "quoted": None, "latin": False, "first": None, "places": []}
        k, last_def, last_lam = j, head_definite, False
        while k < self.n and info["words"] < MAX_ORG_WORDS:
            t = self.toks[k]
            if t.kind in ("punct", "nl"):
                if t.text in QUOTES and info["quoted"] is None and (k == j or info["words"] <= 3):
                    close = self._closing_quote(k)
                    if close is not None:
                        info["quoted"] = (self.toks[k + 1].start, self.toks[close - 1].end)
                        k = close + 1
                        break
                if t.text == "-" and k > j and k + 1 < self.n and self.toks[k + 1].kind == "ar" and not self.gap(k - 1, k).strip() and not self.gap(k, k + 1).strip():
                    k += 2
                    info["words"] += 1
                    continue
                break
            if t.kind == "num":
                if info["words"] and len(t.text) <= 3 and not self.gap(k - 1, k).strip("  "):
                    k += 1
                    info["words"] += 1
                break
            if t.kind == "lat":
                if info["words"] == 0:
                    k = self._latin_run(k)
                    info["latin"] = True
                    info["words"] += 1
                break
            w = t.text
            if w in r.stop or w in r.single_titles or w in r.abbrevs and self._abbrev_dot(k):
                break
            if info["words"] == 0 and w in r.backref:
                break
            if w[0] == "و" and len(w) > 2:
                rest = w[1:]
                if (rest in r.stop or rest in r.single_heads or rest in r.single_titles or rest in r.single_triggers
                        or self.phrase_at(k, r.org_heads) or self.phrase_at(k, r.titles) or self.phrase_at(k, r.roles)):
                    break
                if rest[0] in "بل" and len(rest) > 3 and not rest.startswith("ال"):
                    break
                if is_definite(rest) or (last_lam and not rest.startswith("ب")):
                    k += 1
                    info["words"] += 1
                    last_def = True
                    continue
                break
            if w[0] == "ب" and len(w) > 3:
                stem = w[1:]
                if stem in r.breakers or stem in r.single_triggers or self.phrase_at(k, r.triggers, ("ب",)):
                    break
                if self._salient_place(k, stem):
                    break
                k += 1
                info["words"] += 1
                last_def, last_lam = is_definite(stem), False
                continue
            if w[0] == "ل" and len(w) > 3 and w not in r.first_names:
                stem = "ا" + w[1:] if w.startswith("لل") else w[1:]
                if w in r.breakers or stem in r.breakers:
                    break
                place = self.place_at(k, stem, fuzzy=True) if stem not in r.single_triggers else None
                if place:
                    info["places"].append((k, place))
                k += 1
                info["words"] += 1
                info["lam"] = True
                last_def, last_lam = is_definite(stem), True
                continue
            if is_definite(w):
                if w in r.backref and info["words"] == 0:
                    break
                k += 1
                info["words"] += 1
                last_def, last_lam = True, False
                continue
            # An indefinite word continues a construct chain, or starts a proper name.
            if not last_def or w in r.first_names or w in r.place_particles:
                if info["first"] is None:
                    info["first"] = w
                k += 1
                info["words"] += 1
                info["indef"] = True
                last_def, last_lam = False, False
                continue
            break
        return k, info

    def _salient_place(self, k: int, stem: str) -> bool:
        if stem.startswith("ال") and stem[2:] in self.rules.single_triggers:
            return True  # بالإقليم، بالمحافظة
        hit = self.place_at(k, stem)
        return bool(hit) and self.gaz.salience(hit[1]) != "low" or bool(hit and len(hit[1]) >= 5)

    def _closing_quote(self, k: int) -> int | None:
        for m in range(k + 1, min(self.n, k + 12)):
            t = self.toks[m]
            if t.kind == "nl":
                return None
            if t.text in QUOTES:
                return m if m > k + 1 else None
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
            hit = self.phrase_at(k, r.org_heads)
            if hit is None:
                k += 1
                continue
            ph, used, pre = hit
            start, restore = self.stem_span_start(k, pre, ph.words[0]) if pre else (self.toks[k].start, False)
            end_k, info = self.org_chain(k + used, ph.definite)
            strength = ph.pattern.get("strength", "strong")
            last = max(k + used, end_k) - 1
            end = self.toks[last].end
            head = ph.pattern["id"]
            if info["quoted"] and end_k > 0 and self.toks[end_k - 1].text in QUOTES:
                end = self.toks[end_k - 2].end
            named = self._is_named(ph, info, strength)
            if named:
                aliases = (self.text[info["quoted"][0]:info["quoted"][1]],) if info["quoted"] else ()
                c = Candidate("ORG", start, end, f"{head}+chain", 0.9, head=head, aliases=aliases, restore_alef=restore)
                if info["latin"]:
                    lat_start = self.toks[k + used].start
                    c.aliases = (self.text[lat_start:end],)
                self.add(c)
                for pk, (m, key, pid) in info["places"]:
                    w = self.toks[pk].text
                    stem = "ا" + w[1:] if w.startswith("لل") else w[1:]
                    s, rest = self.stem_span_start(pk, "ل", stem)
                    self.add(Candidate("LOC", s, self.toks[pk + m - 1].end, "org.genitive_place", 0.85, place=pid, restore_alef=rest))
                self._genitive_locality(ph, k + used, end_k)
            elif ph.definite and info["words"] == 0 or (ph.definite and info["words"] == 1 and self._backref_word(k + used)):
                self.add(Candidate("ORG", start, self.toks[k + used - 1].end, f"{head}:backref", 0.5, generic=True, head=head, restore_alef=restore))
            k = max(k + used, end_k if named else k + used)

    def _backref_word(self, k: int) -> bool:
        w = self.word(k)
        return w is not None and w in self.rules.backref

    def _is_named(self, ph: Phrase, info: dict[str, Any], strength: str) -> bool:
        if strength == "named":
            return True
        if info["quoted"] or info["latin"]:
            return True
        if info["words"] == 0:
            return False
        if ph.definite:
            return info["lam"] or info["indef"] or info["words"] >= 2
        if strength == "weak":
            return info["lam"] or info["words"] >= 2 or (info["indef"] and info["first"] not in self.rules.generic_adj and not _nisba(info["first"] or ""))
        first = info["first"]
        if first is not None and info["words"] == 1 and (first in self.rules.generic_adj or _nisba(first)):
            return False
        return True

    def _genitive_locality(self, ph: Phrase, j: int, end_k: int) -> None:
        """``المجلس الجماعي لتينزولين``: a council's ``ل`` complement names a place even when the gazetteer lacks it."""
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
    def name_like(self, w: str | None) -> bool:
        r = self.rules
        if w is None or len(w) < 2 or w in r.stop or w in r.single_titles or w in r.single_heads or w in r.single_triggers:
            return False
        if w in r.ordinals or w in r.backref or w in r.breakers:
            return False
        if w[0] == "و" and w not in r.first_names:
            return False
        if w[0] in "بلك" and w[1:3] == "ال" and w not in r.first_names:
            return False
        if w.startswith("لل"):
            return False
        return True

    def name_from(self, k: int, min_units: int = 1) -> int | None:
        """End token (exclusive) of the person name starting at k, or None."""
        r, units, m = self.rules, 0, k
        while m < self.n and units < MAX_NAME_UNITS:
            w = self.word(m)
            if not self.name_like(w) or (m > k and self.gap(m - 1, m).strip()):
                break
            if units and w in r.first_names and m + 1 < self.n and self.word(m + 1) in r.single_titles:
                break
            if w in r.name_particles and self.name_like(self.word(m + 1)) and not self.gap(m, m + 1).strip():
                m += 2
            else:
                m += 1
            units += 1
        if units < min_units:
            return None
        # A trailing particle alone (… بن) is not a name end.
        return m

    def find_titled_people(self) -> None:
        r = self.rules
        k = 0
        while k < self.n:
            hit = self.phrase_at(k, r.titles, ("", "و", "ل", "ول", "ف"))
            abbrev = False
            if hit is None:
                w = self.word(k)
                if w in r.abbrevs and self._abbrev_dot(k):
                    hit, abbrev = (None, 2, ""), True
                else:
                    k += 1
                    continue
            _, used, _ = hit
            m = k + used
            # Further titles: السيد الحاج، السيدة الدكتورة، د. (with its dot).
            while True:
                nxt = self.phrase_at(m, r.titles, ("",))
                if nxt:
                    m += nxt[1]
                    continue
                w = self.word(m)
                if w in r.abbrevs and self._abbrev_dot(m):
                    m += 2
                    continue
                break
            if self.phrase_at(m, r.roles, ("",)):
                k = m
                continue
            end = self.name_from(m, 1)
            if end is not None and end > m:
                if self.word(m) in r.first_names or end - m >= 2 or not abbrev:
                    self.add(Candidate("PER", self.toks[m].start, self.toks[end - 1].end, "per.title", 0.9))
                k = end
            else:
                k = m

    def find_role_people(self) -> None:
        """``رئيس الجمعية، لحسن قريشي`` and ``حسب رئيسها، X Y``: a role, its complement, a comma, then the name."""
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
                    if end is not None:
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
            pre, stem = "", w
            if w not in r.first_names and w[0] == "و" and w[1:] in r.first_names:
                pre, stem = "و", w[1:]
            if stem not in r.first_names and not (stem == "عبد" and self.word(k + 1)):
                k += 1
                continue
            prev = self.word(k - 1)
            if prev and (prev in r.single_heads or prev in r.single_triggers or prev in r.place_particles or _strip_article_head(prev, r)):
                k += 1
                continue
            end = self.name_from(k + 1, 0) if pre else self.name_from(k, 1)
            if pre and end is not None:
                end = end if end > k + 1 else None
            start_k = k
            if end is not None and end - k < 2 and not pre:
                # Surname first: ``جرمون محمد رئيس الجماعة``.
                after = self.word(end)
                if self.name_like(prev) and prev not in r.first_names and (after in r.single_titles or (end < self.n and self.toks[end].text in ",،")) and not is_definite(prev or ""):
                    start_k = k - 1
                else:
                    end = None
            if end is not None and end - start_k >= 2 and self.word(start_k + 1) not in r.ordinals:
                s = self.toks[start_k].start + (1 if pre and start_k == k else 0)
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
            if k >= e:
                continue
            if self.phrase_at(k, r.titles, ("",)):
                continue
            end = self.name_from(k, 2)
            if end is None:
                continue
            rest = self.toks[end:e]
            if bullet and rest and rest[0].text in "-–—،,:":
                self.add(Candidate("PER", self.toks[k].start, self.toks[end - 1].end, "per.bullet", 0.7))
            elif not rest or all(t.kind == "punct" for t in rest):
                words = [self.word(m) for m in range(k, end)]
                if any(w in r.first_names for w in words) and end - k <= 4 and not any(w in self.gaz.alias_index for w in words):
                    self.add(Candidate("PER", self.toks[k].start, self.toks[end - 1].end, "per.byline", 0.65))
            # Dateline ``وجدة - NAME`` at the head of a line.
            elif self.toks[end].text in "-–—" and all(self.toks[m].kind == "punct" for m in range(end + 1, e)):
                pass

    # -- LOC -----------------------------------------------------------------
    def find_triggered_places(self) -> None:
        r = self.rules
        k = 0
        while k < self.n:
            hit = self.phrase_at(k, r.triggers)
            glued = None
            if hit is None:
                glued = self._glued_trigger(k)
                if glued is None:
                    k += 1
                    continue
            if glued:
                start, end, pid, why = glued
                self.add(Candidate("LOC", start, end, why, 0.85, place=pid))
                k += 1
                continue
            ph, used, pre = hit
            j = k + used
            # ولاية جهة X: a second trigger.
            again = self.phrase_at(j, r.triggers, ("",))
            if again:
                j += again[1]
                ph = again[0]
            items = self._place_list(j, ph) if ph.pattern.get("plural") else [self._trigger_name(j, ph)]
            items = [it for it in items if it]
            for (a, b, pid, how) in items:
                self.add(Candidate("LOC", self.toks[a].start, self.toks[b - 1].end, f"{ph.pattern['id']}:{how}", 0.9 if pid else 0.8, place=pid))
            if items and ph.pattern.get("acting") and not ph.pattern.get("plural"):
                a, b, _, _ = items[0]
                if self._acting(k, pre):
                    s, restore = self.stem_span_start(k, pre, ph.words[0]) if pre else (self.toks[k].start, False)
                    self.add(Candidate("ORG", s, self.toks[b - 1].end, "org.acting_" + ph.pattern["level"], 0.8, restore_alef=restore))
            k = max(k + 1, items[-1][1] if items else k + 1)

    def _trigger_name(self, j: int, ph: Phrase) -> tuple[int, int, str | None, str] | None:
        w = self.word(j)
        if w is None or (j > 0 and "\n" in self.gap(j - 1, j)):
            return None
        hit = self.place_at(j, w, fuzzy=True)
        if hit:
            return (j, j + hit[0], hit[2], "gazetteer")
        if ph.pattern.get("gazetteer_only") or not self._place_word(w):
            return None
        r = self.rules
        end = j + 1
        if w in r.place_particles and self._place_word(self.word(j + 1)):
            end = j + 2
            if self.word(j + 1) in r.place_particles and self._place_word(self.word(j + 2)):
                end = j + 3
        elif (end < self.n and self.toks[end].text == "-" and self.word(end + 1) and not self.gap(end - 1, end).strip() and not self.gap(end, end + 1).strip()):
            end += 2
        elif self._place_word(self.word(end)) and not is_definite(self.word(end)) and not is_definite(w) and not self.gap(end - 1, end).strip():
            end += 1
        return (j, end, None, "name")

    def _place_word(self, w: str | None) -> bool:
        r = self.rules
        if w is None or len(w) < 2 or w in r.stop or w in r.backref or w in r.generic_adj or w in r.single_titles or w in r.single_heads:
            return False
        if w[0] in "وبلك" and (w[1:3] == "ال" or w[1:] in r.stop):
            return False
        if _nisba(w) and not is_definite(w):
            return False
        if is_definite(w) and (_nisba(w) or w[2:] in r.single_triggers):
            return bool(self.gaz.alias_index.get(w))
        return True

    def _place_list(self, j: int, ph: Phrase) -> list[tuple[int, int, str | None, str]]:
        """``أقاليم ميدلت، بولمان وورزازات``: items separated by commas and و."""
        items, k = [], j
        while k < self.n and len(items) < 30:
            w = self.word(k)
            if w is None:
                break
            stem = w[1:] if w[0] == "و" and len(w) > 2 and not self.gaz.alias_index.get(w) else w
            off = len(w) - len(stem)
            hit = self.place_at(k, stem, fuzzy=True)
            if hit:
                items.append((k, k + hit[0], hit[2], "list"))
                k += hit[0]
            elif self._place_word(stem) and not is_definite(stem):
                items.append((k, k + 1, None, "list"))
                k += 1
            else:
                break
            if off:
                a, b, pid, how = items[-1]
                items[-1] = (a, b, pid, how + "+conj")
            if k < self.n and self.toks[k].text in ",،-–":
                k += 1
            elif not (self.word(k) or "").startswith("و"):
                break
        return items

    def _glued_trigger(self, k: int) -> tuple[int, int, str, str] | None:
        """``بإقليمأزيلال``: a trigger word and a place name typed without a space."""
        w = self.word(k)
        if w is None or len(w) < 7:
            return None
        for pre, stem in readings(w):
            for trig in self.rules.single_triggers:
                if len(trig) >= 3 and stem.startswith(trig) and len(stem) - len(trig) >= 3:
                    rest = stem[len(trig):]
                    ids = self.gaz.alias_index.get(rest)
                    if ids:
                        s = self.toks[k].start + len(pre) + len(trig)
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
            w = t.text
            if any(stem in r.organiser_cues for _, stem in readings(w)) or w in r.organiser_cues:
                return True
        return False

    def find_gazetteer_places(self) -> None:
        """Bare place names: salient ones anywhere, towns after a preposition."""
        r, gaz = self.rules, self.gaz
        covered = {(c.start, c.end) for c in self.out if c.label == "LOC"}
        k = 0
        while k < self.n:
            w = self.word(k)
            if w is None:
                if self.toks[k].kind == "lat":
                    pass
                k += 1
                continue
            best = None
            for pre, stem in readings(w):
                hit = self.place_at(k, stem)
                if hit:
                    best = (pre, stem, hit)
                    break  # the bare reading first: وجدة stays وجدة
            if best is None:
                k += 1
                continue
            pre, stem, (m, key, pid) = best
            sal = gaz.salience(key)
            prev = self.word(k - 1)
            after_prep = bool(pre.strip("وف")) or (prev in r.place_preps and not pre)
            ok = sal == "high" or (sal == "medium" and after_prep)
            if ok:
                s, restore = self.stem_span_start(k, pre, stem)
                e = self.toks[k + m - 1].end
                if (s, e) not in covered:
                    self.add(Candidate("LOC", s, e, f"gazetteer.{sal}", 0.7 if sal == "high" else 0.6, place=pid, restore_alef=restore))
            k += m

    def find_list_places(self) -> None:
        """A place name after ``و`` or a comma that follows a place is a place too (``بتازة وتايناست``)."""
        locs = sorted((c for c in self.out if c.label == "LOC" and not c.generic), key=lambda c: c.start)
        ends = {c.end: c for c in locs}
        starts = {c.start for c in locs}
        for k, t in enumerate(self.toks):
            if k == 0:
                continue
            prev_end = self.toks[k - 1].end
            sep_k = k - 1
            if self.toks[k - 1].text in ",،" and k >= 2:
                prev_end = self.toks[k - 2].end
            elif t.kind == "ar" and t.text[0] == "و":
                pass
            else:
                continue
            if prev_end not in ends or t.kind != "ar":
                continue
            w = t.text
            stems = [(pre, stem) for pre, stem in readings(w) if pre in ("", "و", "وب", "ب")]
            for pre, stem in stems:
                if self.toks[sep_k].text not in ",،" and "و" not in pre:
                    continue
                hit = self.place_at(k, stem, fuzzy=True)
                if hit and self.gaz.salience(hit[1]) != "low" or hit and len(hit[1]) >= 4:
                    s, restore = self.stem_span_start(k, pre, stem)
                    if s not in starts:
                        self.add(Candidate("LOC", s, self.toks[k + hit[0] - 1].end, "loc.list", 0.65, place=hit[2], restore_alef=restore))
                        ends[self.toks[k + hit[0] - 1].end] = self.out[-1]
                    break

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
    norm = text if isinstance(text, Normalised) else normalise(text)
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
        norm, cands = find_candidates(doc.text, self.rules, gaz)
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
