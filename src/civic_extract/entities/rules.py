"""The rule set of the entity ruler: patterns and word lists, loaded once from data files.

Patterns are SpanRuler-style dicts (``{"label", "pattern", "id", ...}``), one
JSONL file per label under ``data/patterns/`` (ORG head words, person titles
and roles, LOC trigger words); the word lists they need (breakers, particles,
first names …) are in ``lexicon.json`` and ``first_names.txt``. Everything is
compared on :func:`norm_key` forms. :class:`RuleSet` turns them into lookup
tables; :mod:`.ruler` applies them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from spacy.lang.ar.stop_words import STOP_WORDS

from ..normalise import norm_key

PATTERN_FILES = ("org_heads.jsonl", "person_titles.jsonl", "loc_triggers.jsonl")


def _data(name: str) -> str:
    return (resources.files("civic_extract.data") / "patterns" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_patterns() -> tuple[dict[str, Any], ...]:
    rows = []
    for name in PATTERN_FILES:
        rows += [json.loads(line) for line in _data(name).splitlines() if line.strip()]
    return tuple(rows)


@lru_cache(maxsize=1)
def default_lexicon() -> dict[str, Any]:
    lex = json.loads(_data("lexicon.json"))
    lex["first_names"] = {"words": [n for n in _data("first_names.txt").splitlines() if n and not n.startswith("#")]}
    return lex


def _words(lex: dict[str, Any], key: str) -> frozenset[str]:
    entry = lex.get(key, {})
    words = entry["words"] if isinstance(entry, dict) else entry
    if isinstance(words, str):
        words = words.split()
    return frozenset(k for k in (norm_key(w) if key != "acronym_stoplist" and key != "bullets" else w for w in words) if k)


@dataclass
class Phrase:
    """A head word, title or trigger: its words and its pattern dict."""

    words: tuple[str, ...]
    pattern: dict[str, Any]
    definite: bool


@dataclass
class RuleSet:
    patterns: list[dict[str, Any]]
    lexicon: dict[str, Any]
    org_heads: dict[tuple[str, ...], Phrase] = field(default_factory=dict)
    titles: dict[tuple[str, ...], Phrase] = field(default_factory=dict)
    roles: dict[tuple[str, ...], Phrase] = field(default_factory=dict)
    triggers: dict[tuple[str, ...], Phrase] = field(default_factory=dict)
    abbrevs: frozenset[str] = frozenset()
    first_words: frozenset[str] = frozenset()  # first word of any head/title/role/trigger phrase
    max_phrase: int = 1
    # Word lists from lexicon.json (norm keys).
    stop: frozenset[str] = frozenset()
    breakers: frozenset[str] = frozenset()
    bi_breakers: frozenset[str] = frozenset()
    li_breakers: frozenset[str] = frozenset()
    backref: frozenset[str] = frozenset()
    generic_adj: frozenset[str] = frozenset()
    ordinals: frozenset[str] = frozenset()
    place_particles: frozenset[str] = frozenset()
    name_particles: frozenset[str] = frozenset()
    organiser_cues: frozenset[str] = frozenset()
    place_preps: frozenset[str] = frozenset()
    byline_cues: frozenset[str] = frozenset()
    acronym_stop: frozenset[str] = frozenset()
    bullets: frozenset[str] = frozenset()
    first_names: frozenset[str] = frozenset()
    single_heads: frozenset[str] = frozenset()
    single_triggers: frozenset[str] = frozenset()
    single_titles: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()  # every listed word, to tell و+word from a word that starts with و
    trigger_lengths: tuple[int, ...] = ()
    trigger_heads: frozenset[str] = frozenset()  # first two letters of those trigger words

    @classmethod
    def from_patterns(cls, patterns: list[dict[str, Any]] | None = None, lexicon: dict[str, Any] | None = None) -> "RuleSet":
        rs = cls(list(patterns if patterns is not None else default_patterns()), lexicon or default_lexicon())
        for p in rs.patterns:
            words = tuple(norm_key(p["pattern"]).split())
            if not words:
                continue
            kind = p.get("kind")
            table = {"org_head": rs.org_heads, "title": rs.titles, "role": rs.roles, "loc_trigger": rs.triggers}.get(kind)
            if kind == "abbrev":
                rs.abbrevs = rs.abbrevs | {words[0]}
                continue
            if table is None:
                raise ValueError(f"unknown pattern kind {kind!r} in {p}")
            definite = words[0].startswith("ال")
            table.setdefault(words, Phrase(words, p, definite))
            # Head words and triggers also come with the article (جمعية → الجمعية).
            if kind in ("org_head", "loc_trigger") and not definite:
                table.setdefault(("ال" + words[0],) + words[1:], Phrase(("ال" + words[0],) + words[1:], p, True))
        tables = (rs.org_heads, rs.titles, rs.roles, rs.triggers)
        rs.first_words = frozenset(w[0] for t in tables for w in t)
        rs.max_phrase = max((len(w) for t in tables for w in t), default=1)
        lex = rs.lexicon
        rs.stop = frozenset(norm_key(w) for w in STOP_WORDS) | _words(lex, "breakers")
        rs.breakers = _words(lex, "breakers")
        rs.bi_breakers = _words(lex, "bi_breakers")
        rs.li_breakers = _words(lex, "li_breakers")
        rs.backref = _words(lex, "backref_modifiers")
        rs.generic_adj = _words(lex, "generic_adjectives")
        rs.ordinals = _words(lex, "ordinals")
        rs.place_particles = _words(lex, "place_particles")
        rs.name_particles = _words(lex, "name_particles")
        rs.organiser_cues = _words(lex, "organiser_cues")
        rs.place_preps = _words(lex, "place_prepositions")
        rs.byline_cues = _words(lex, "byline_cues")
        rs.acronym_stop = _words(lex, "acronym_stoplist")
        rs.bullets = _words(lex, "bullets")
        rs.first_names = _words(lex, "first_names")
        rs.single_heads = frozenset(w[0] for w in rs.org_heads if len(w) == 1)
        rs.single_triggers = frozenset(w[0] for w in rs.triggers)
        rs.single_titles = frozenset(w[0] for w in rs.titles) | frozenset(w[0] for w in rs.roles if len(w) == 1)
        rs.trigger_lengths = tuple(sorted({len(t) for t in rs.single_triggers if len(t) >= 3}))
        rs.trigger_heads = frozenset(t[:2] for t in rs.single_triggers if len(t) >= 3)
        rs.known = rs.stop | rs.single_heads | rs.single_triggers | rs.single_titles | rs.first_names | rs.first_words
        return rs

    def to_patterns(self) -> list[dict[str, Any]]:
        return list(self.patterns)


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    return RuleSet.from_patterns()
