"""The gazetteer: ``Place`` records, an alias index on normalised names, and the linker.

Shaped like scispacy's knowledge base and linker: a plain record type read from
JSONL into two indexes (id → place, alias key → ids), a ``from_records``
constructor so tests can use a ten-entry fixture, and a spaCy component that
sets ``span._.place`` on LOC spans. Keys are :func:`norm_key` forms, so
``إغرم``/``اغرم`` and ``واحة سيدي إبراهيم``/``واحة سيدي ابراهيم`` agree; a second,
looser "skeleton" key (long vowels dropped inside the word) lets the press's
``إيغرم``, ``تاليوين``/``تالوين`` reach the HCP spelling when a trigger word
says a place name follows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from .. import extensions
from ..normalise import norm_key
from .tokens import readings

LEVEL_RANK = {"country": 0, "region": 1, "province": 2, "prefecture": 2, "city": 3, "commune": 3, "arrondissement": 4}
# Population above which a city or commune is named without a trigger word
# in the press often enough to match bare; below SMALL it needs a trigger.
BIG, SMALL = 100_000, 5_000


@dataclass(frozen=True)
class Place:
    """One gazetteer entry (a line of ``places.jsonl``)."""

    id: str
    name_ar: str
    name_latin: str | None = None
    aliases: tuple[str, ...] = ()
    level: str = "city"
    parent: str | None = None
    region: str | None = None
    country: str | None = None
    code: str | None = None
    lat: float | None = None
    lon: float | None = None
    population: int | None = None
    source: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Place":
        known = {k: d.get(k) for k in cls.__dataclass_fields__ if k in d}
        known["aliases"] = tuple(d.get("aliases") or ())
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        # Field by field rather than dataclasses.asdict, which deep-copies every
        # value (all immutable here) and is the slow part of building an entity.
        d = {name: getattr(self, name) for name in _PLACE_FIELDS}
        d["aliases"] = list(self.aliases)
        return d

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name_ar, *self.aliases)


_PLACE_FIELDS = tuple(f.name for f in fields(Place))


@lru_cache(maxsize=4096)
def skeleton(key: str) -> str:
    """A loose key: alef, waw and yeh dropped after the first letter of each word.

    ``ايغرم`` and ``اغرم`` give ``اغرم``; ``تاليوين`` and ``تالوين`` give ``تلن``.
    Only used after a trigger word, where a place name is certain to follow.
    """
    return " ".join(w[0] + "".join(c for c in w[1:] if c not in "اوي") for w in key.split() if w)


@dataclass
class Gazetteer:
    """Places with an alias index (norm key → ids, best first) and a skeleton index."""

    places: dict[str, Place]
    alias_index: dict[str, tuple[str, ...]] = field(default_factory=dict)
    skeleton_index: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ambiguous: frozenset[str] = frozenset()
    max_words: int = 1

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any] | Place], ambiguous: Iterable[str] = ()) -> "Gazetteer":
        places = {}
        for r in records:
            p = r if isinstance(r, Place) else Place.from_dict(r)
            places[p.id] = p
        return cls.build(places, ambiguous)

    @classmethod
    def from_files(cls, paths: Iterable[str | Path] | None = None, ambiguous: Iterable[str] | None = None) -> "Gazetteer":
        """Read JSONL place files (default: the packaged ``places.jsonl``)."""
        if paths is None:
            return default_gazetteer()
        return cls.from_records(_read_jsonl(paths), _ambiguous_words() if ambiguous is None else ambiguous)

    @classmethod
    def build(cls, places: dict[str, Place], ambiguous: Iterable[str] = ()) -> "Gazetteer":
        aliases: dict[str, list[str]] = {}
        for p in places.values():
            for name in p.names:
                key = norm_key(name)
                if not key:
                    continue
                for k in {key, key.replace(" ", "")}:
                    aliases.setdefault(k, []).append(p.id)
            if p.name_latin:
                aliases.setdefault(norm_key(p.name_latin), []).append(p.id)
        order = lambda pid: _preference(places[pid])  # noqa: E731
        alias_index = {k: tuple(sorted(dict.fromkeys(v), key=order)) for k, v in aliases.items()}
        skel: dict[str, list[str]] = {}
        for k, ids in alias_index.items():
            if len(skeleton(k).replace(" ", "")) >= 4:
                skel.setdefault(skeleton(k), []).extend(ids)
        skeleton_index = {k: tuple(sorted(dict.fromkeys(v), key=order)) for k, v in skel.items()}
        max_words = max((len(k.split()) for k in alias_index), default=1)
        return cls(places, alias_index, skeleton_index, frozenset(norm_key(a) for a in ambiguous), max_words)

    @cached_property
    def key_prefixes(self) -> frozenset[str]:
        """Every leading run of words of an alias key (``سيدي``, ``سيدي بنور``): a longer
        look-up can only succeed while its words so far are one of these."""
        return frozenset(" ".join(words[:n]) for words in (k.split(" ") for k in self.alias_index)
                         for n in range(1, len(words) + 1))

    def __len__(self) -> int:
        return len(self.places)

    def __contains__(self, name: str) -> bool:
        return norm_key(name) in self.alias_index

    def lookup(self, name: str, fuzzy: bool = False) -> list[Place]:
        """Places whose name or alias has the norm key of ``name``, best first."""
        key = norm_key(name)
        ids = self.alias_index.get(key, ())
        if not ids and fuzzy and len(skeleton(key).replace(" ", "")) >= 4 and not key.endswith(("ها", "هم")):
            ids = self.skeleton_index.get(skeleton(key), ())
        return [self.places[i] for i in ids]

    def best(self, name: str, fuzzy: bool = False, country: str | None = None, level: str | None = None) -> Place | None:
        """The preferred place for ``name``; ``country``/``level`` break ties between namesakes."""
        found = self.lookup(name, fuzzy)
        if not found:
            return None
        if level:
            found = sorted(found, key=lambda p: p.level != level and not (level == "province" and p.level == "prefecture"))
        if country:
            found = sorted(found, key=lambda p: p.country != country)
        return found[0]

    def salience(self, key: str) -> str:
        """How safely a bare mention of ``key`` is a place: "high", "medium" or "low".

        high: countries, regions, provinces and big cities, matched anywhere;
        medium: towns and communes, matched after a preposition or in a list;
        low: villages and words that are common nouns, matched after a trigger only.
        """
        ids = self.alias_index.get(key)
        if not ids or key in self.ambiguous:
            return "low"
        p = self.places[ids[0]]
        pop = p.population or 0
        if p.level in ("country", "region", "province", "prefecture") or pop >= BIG:
            return "high"
        if pop >= SMALL or (p.level in ("commune", "arrondissement") and len(key) >= 4):
            return "medium"
        return "low"


def _preference(p: Place) -> tuple:
    return (LEVEL_RANK.get(p.level, 5) if p.level in ("country", "region") else 2, -(p.population or 0), p.id)


def _read_jsonl(paths: Iterable[str | Path]) -> Iterator[dict[str, Any]]:
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


@lru_cache(maxsize=1)
def _ambiguous_words() -> tuple[str, ...]:
    ref = resources.files("civic_extract.data") / "patterns" / "place_ambiguous.json"
    return tuple(json.loads(ref.read_text(encoding="utf-8"))["words"])


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The packaged gazetteer, loaded once per process."""
    ref = resources.files("civic_extract.data") / "places.jsonl"
    with resources.as_file(ref) as path:
        return Gazetteer.from_records(_read_jsonl([path]), _ambiguous_words())


class PlaceLinker:
    """Sets ``span._.place`` (a place dict) on LOC spans of ``doc.ents`` and of the given span groups.

    Like scispacy's linker, it only resolves spans found by other components;
    names are looked up with the proclitic-stripping rule of the merge stage, so
    the NER's ``بمراكش`` resolves as ``مراكش``.
    """

    def __init__(self, gazetteer: Gazetteer, span_keys: Iterable[str] = ("civic_rules",), labels: Iterable[str] = ("LOC",)):
        self.gazetteer = gazetteer
        self.span_keys = tuple(span_keys)
        self.labels = frozenset(labels)

    @classmethod
    def from_gazetteer(cls, gazetteer: Gazetteer, **kwargs: Any) -> "PlaceLinker":
        return cls(gazetteer, **kwargs)

    def link(self, text: str) -> Place | None:

        name = bare_place_name(text, self.gazetteer)
        return self.gazetteer.best(name, fuzzy=True)

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = list(doc.ents)
        for key in self.span_keys:
            if key in doc.spans:
                spans.extend(doc.spans[key])
        for span in spans:
            if span.label_ in self.labels and span._.place is None:
                place = self.link(span.text)
                if place is not None:
                    span._.place = place.to_dict()
        return doc


@Language.factory(
    "civic_place_linker",
    assigns=["span._.place"],
    requires=["doc.ents"],
    default_config={"span_keys": ["civic_rules"], "labels": ["LOC"], "places_path": None},
)
def make_place_linker(nlp: Language, name: str, span_keys: list[str], labels: list[str], places_path: str | None) -> PlaceLinker:
    """``places_path``: a JSONL gazetteer to use instead of the packaged one."""
    extensions.register()
    gaz = Gazetteer.from_files([places_path]) if places_path else default_gazetteer()
    return PlaceLinker(gaz, span_keys=span_keys, labels=labels)


# -- place names without their proclitic (used by the linker and the merge) ---------------------

def bare_place_name(text: str, gazetteer: Gazetteer | None = None) -> str:
    """``بمراكش`` → ``مراكش``, ``وورزازات`` → ``ورزازات``, but ``وجدة`` stays (the gazetteer decides)."""
    gaz = gazetteer or default_gazetteer()
    key = norm_key(text)
    if not key or key in gaz.alias_index:
        return text
    shift, alef = place_clitic(key, gaz)
    if shift:
        return ("ا" if alef else "") + text.lstrip()[shift:]
    return text


def place_clitic(key: str, gaz: Gazetteer) -> tuple[int, bool]:
    """Length of the proclitic to drop from a place name's first word, and whether ``لل`` ate an alef."""
    first, _, rest = key.partition(" ")
    for pre, stem in readings(first)[1:]:
        cand = (stem + " " + rest).strip()
        if cand in gaz.alias_index or (pre and stem.startswith("ال") and len(stem) > 4 and not first.startswith("ال")):
            return len(pre), not first[len(pre):] == stem
    return 0, False
