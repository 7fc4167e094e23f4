"""Reconcile NER spans, rule spans and gazetteer hits into one entity per distinct name.

Steps, each a small function:

1. NER spans (character offsets into the article, labels ORG/PER/LOC; ANERcorp's
   PERS and GPE are accepted) are cleaned like rule spans: proclitics stripped
   with a check against the gazetteer and word lists (``وورزازات`` → ``ورزازات``,
   ``وجدة`` stays, ``لجمعية`` → ``جمعية``), titles peeled off person names, and a
   bare definite head word (``الجمعية``) turned into a back-reference.
2. Overlaps are resolved by score; a place may sit inside an organisation name
   when a trigger or genitive put it there (``مجلس جهة فاس مكناس``).
3. Back-references are dropped from the entity list but each is resolved to the
   nearest preceding named organisation of the same kind (else any), returned by
   :func:`find_entities_and_references` for the event stage.
4. Mentions are grouped into one :class:`schema.Entity` each: same norm key,
   same gazetteer place, a shorter ORG name that is a prefix of a longer one,
   a person's surname or a one-letter misspelling of the same person.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .. import extensions
from ..normalise import Normalised, norm_key, normalise
from ..schema import Entity
from .gazetteer import Gazetteer, bare_place_name, default_gazetteer, place_clitic, skeleton  # noqa: F401
from .rules import RuleSet, default_rules
from .ruler import CANDIDATES_KEY, Candidate, find_candidates
from .tokens import is_definite, readings

NER_LABELS = {"ORG": "ORG", "PER": "PER", "PERS": "PER", "PERSON": "PER", "LOC": "LOC", "GPE": "LOC"}
NER_SCORE = 0.65
# Nested spans allowed: a place inside an organisation name when a rule put it there.
_NESTED_LOC_RULES = ("loc.", "org.genitive", "org.council")


@dataclass(frozen=True)
class Reference:
    """A generic back-reference (``الجمعية``) and the named entity it points to."""

    label: str
    text: str
    offsets: list[list[int]]
    refers_to: str | None


# -- name cleaning --------------------------------------------------------------

def clean_span(label: str, start: int, end: int, norm: Normalised, rules: RuleSet, gaz: Gazetteer) -> Candidate | None:
    """A NER span (normalised offsets) made bare: proclitics and titles off; None if nothing is left."""
    text = norm.text
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if end <= start:
        return None
    words = text[start:end].split()
    restore = False
    if label == "LOC":
        shift, restore = place_clitic(norm_key(text[start:end]), gaz)
        start += shift
    else:
        first = words[0]
        for pre, stem in readings(first)[1:]:
            ok = (stem in rules.single_heads or stem in rules.first_names or stem in rules.single_titles
                  or (label == "ORG" and stem.startswith("ال") and stem[2:] in rules.single_heads))
            if ok and first not in rules.first_names:
                start += len(pre)
                restore = first[len(pre):] != stem
                break
    if label == "PER":
        start = _strip_titles(text, start, end, rules)
        if start is None:
            return None
    name = norm_key(text[start:end])
    if not name:
        return None
    generic = label == "ORG" and (name in {"ال" + h for h in rules.single_heads} or name in rules.single_heads)
    return Candidate(label, start, end, "ner", NER_SCORE, generic=generic, restore_alef=restore)


def _strip_titles(text: str, start: int, end: int, rules: RuleSet) -> int | None:
    """Drop leading titles and roles (``السيد``, ``الدكتورة``, ``د.``) from a person span."""
    pos = start
    while pos < end:
        word_end = pos
        while word_end < end and not text[word_end].isspace() and text[word_end] != ".":
            word_end += 1
        w = text[pos:word_end]
        if w in rules.single_titles or w in rules.abbrevs and word_end < end and text[word_end] == ".":
            pos = word_end
            while pos < end and (text[pos].isspace() or text[pos] == "."):
                pos += 1
            continue
        break
    return pos if pos < end else None


def to_normalised(norm: Normalised, start: int, end: int) -> tuple[int, int]:
    """Original character offsets → normalised ones (the inverse of ``Normalised.span``)."""
    return bisect_left(norm.index, start), bisect_left(norm.index, end)


# -- overlap resolution -----------------------------------------------------------

def resolve(cands: list[Candidate]) -> list[Candidate]:
    """Keep the best candidates that do not clash; nested places inside organisations may stay."""
    named = [c for c in cands if not c.generic]
    order = sorted(named, key=lambda c: (-c.score, -(c.end - c.start), c.start))
    kept: list[Candidate] = []
    for c in order:
        clash = False
        for k in kept:
            if c.start < k.end and k.start < c.end:
                if (c.start, c.end, c.label) == (k.start, k.end, k.label):
                    clash = True
                    break
                if _nested_ok(c, k) or _nested_ok(k, c):
                    continue
                clash = True
                break
        if not clash:
            kept.append(c)
    spans = [(k.start, k.end) for k in kept if k.label == "ORG"]
    generic = [c for c in cands if c.generic and not any(s <= c.start and c.end <= e for s, e in spans)]
    return sorted(kept + generic, key=lambda c: (c.start, c.end))


def _nested_ok(inner: Candidate, outer: Candidate) -> bool:
    return (inner.label == "LOC" and outer.label == "ORG" and outer.start <= inner.start and inner.end <= outer.end
            and inner.why.startswith(_NESTED_LOC_RULES) or inner.why.startswith("loc.trigger") and outer.why.startswith("org.")
            and outer.start <= inner.start and inner.end <= outer.end)


# -- grouping ---------------------------------------------------------------------

@dataclass
class _Mention:
    cand: Candidate
    name: str  # bare name in original script
    key: str  # norm key
    offsets: tuple[int, int]


_QUOTES = str.maketrans("", "", '"«»“”„')


def _mention(c: Candidate, norm: Normalised) -> _Mention:
    s, e = norm.span(c.start, c.end)
    # A quoted name (جمعية "أمل الغد") is written without its quotes.
    name = " ".join((("ا" if c.restore_alef else "") + norm.original[s:e]).translate(_QUOTES).split())
    return _Mention(c, name, norm_key(name), (s, e))


def _person_key(key: str) -> str:
    return key.replace("عبد ", "عبد")


def _close(a: str, b: str) -> bool:
    """One edit apart (شاكري/شاكيري), or one a prefix of the other by one letter (أهنص/أهنصو)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 3:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def _same_person(a: str, b: str) -> bool:
    ta, tb = _person_key(a).split(), _person_key(b).split()
    if set(ta) == set(tb):
        return True
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if len(short) == 1 and short[0] in long_ and len(short[0]) >= 3:
        return True
    if len(ta) == len(tb) >= 2:
        pairs = list(zip(sorted(ta), sorted(tb)))
        return all(_close(x, y) for x, y in zip(ta, tb)) or all(_close(x, y) for x, y in pairs)
    return False


def _org_words(key: str) -> list[str]:
    """ORG key words with the article off the head word (الجمعية الوطنية = جمعية الوطنية)."""
    words = key.split()
    if words and words[0].startswith("ال") and len(words[0]) > 4:
        words[0] = words[0][2:]
    return words


def _same_org(a: str, b: str) -> bool:
    ta, tb = _org_words(a), _org_words(b)
    if ta == tb:
        return True
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return len(short) >= 2 and long_[: len(short)] == short


def group(mentions: list[_Mention], gaz: Gazetteer) -> list[list[_Mention]]:
    """Connected groups of mentions that name the same entity (union-find over pairs)."""
    parent = list(range(len(mentions)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, m in enumerate(mentions):
        for j in range(i):
            o = mentions[j]
            if o.cand.label == m.cand.label and find(i) != find(j) and _same_group(m, [o], gaz):
                parent[find(i)] = find(j)
    groups: dict[int, list[_Mention]] = {}
    for i, m in enumerate(mentions):
        groups.setdefault(find(i), []).append(m)
    return list(groups.values())


def _same_group(m: _Mention, g: list[_Mention], gaz: Gazetteer) -> bool:
    label = m.cand.label
    for o in g:
        if m.key == o.key:
            return True
        if label == "LOC":
            if m.cand.place and m.cand.place == o.cand.place:
                return True
            if len(m.key) >= 4 and skeleton(m.key) == skeleton(o.key):
                return True
        elif label == "PER" and _same_person(m.key, o.key):
            return True
        elif label == "ORG":
            if _same_org(m.key, o.key):
                return True
            al_m = {norm_key(a) for a in m.cand.aliases}
            al_o = {norm_key(a) for a in o.cand.aliases}
            if (al_m & ({o.key} | al_o)) or (al_o & {m.key}):
                return True
    return False


def _entity(g: list[_Mention], gaz: Gazetteer) -> Entity:
    label = g[0].cand.label
    counts = Counter(m.key for m in g)
    by_key = {}
    for m in g:
        by_key.setdefault(m.key, m)
    if label == "ORG":
        # The longest form that another mention confirms (as itself or as a
        # longer form starting with it): one mention's overrun (… المتطوعين)
        # does not become the name when a shorter form recurs.
        support = {k: sum(n for o, n in counts.items() if _org_words(o)[: len(_org_words(k))] == _org_words(k)) for k in by_key}
        pool = [k for k in by_key if support[k] >= 2] or list(by_key)
        best = max(pool, key=lambda k: (len(k.split()), counts[k]))
    elif label == "PER":
        best = max(by_key, key=lambda k: (counts[k], len(k.split()), len(k)))
    else:
        linked = [k for k in by_key if by_key[k].cand.place]
        best = max(linked or by_key, key=lambda k: (counts[k], len(k)))
    rep = by_key[best]
    alt = [by_key[k].name for k in by_key if k != best]
    for m in g:
        for a in m.cand.aliases:
            if norm_key(a) != best and a not in alt:
                alt.append(a)
    place = None
    pid = next((m.cand.place for m in g if m.cand.place), None)
    if label == "LOC":
        p = gaz.places.get(pid) if pid else gaz.best(rep.name, fuzzy=True)
        place = p.to_dict() if p else None
    offsets = sorted({m.offsets for m in g})
    why = "+".join(sorted({m.cand.why for m in g}))
    first = min(g, key=lambda m: m.offsets)
    return Entity(label=label, name=rep.name, text=first.name, offsets=[list(o) for o in offsets], alt=alt, place=place, why=why)


def _references(generic: list[_Mention], named: list[_Mention]) -> list[Reference]:
    refs = []
    for m in generic:
        before = [n for n in named if n.cand.label == "ORG" and n.offsets[0] < m.offsets[0]]
        same = [n for n in before if n.cand.head and m.cand.head and n.cand.head == m.cand.head]
        pick = (same or before)
        target = max(pick, key=lambda n: n.offsets[0]) if pick else None
        refs.append(Reference("ORG", m.name, [list(m.offsets)], target.name if target else None))
    return refs


def find_entities_and_references(
    text: str,
    ner_spans: list[tuple[int, int, str]] | None = None,
    *,
    rules: RuleSet | None = None,
    gazetteer: Gazetteer | None = None,
    candidates: tuple[Normalised, list[Candidate]] | None = None,
) -> tuple[list[Entity], list[Reference]]:
    """Entities of one article (one per distinct entity) and the back-references to them."""
    rules = rules or default_rules()
    gaz = gazetteer or default_gazetteer()
    norm, cands = candidates if candidates is not None else find_candidates(text, rules, gaz)
    cands = list(cands)
    for s, e, label in ner_spans or ():
        lab = NER_LABELS.get(label)
        if lab is None:
            continue
        ns, ne = to_normalised(norm, s, e)
        c = clean_span(lab, ns, ne, norm, rules, gaz)
        if c is not None:
            if c.label == "LOC":
                p = gaz.best(norm.text[c.start:c.end], fuzzy=True)
                c.place = p.id if p else None
            cands.append(c)
    kept = resolve(cands)
    mentions = [_mention(c, norm) for c in kept]
    named = [m for m in mentions if not m.cand.generic and m.key]
    generic = [m for m in mentions if m.cand.generic]
    entities = [_entity(g, gaz) for g in group(named, gaz)]
    entities.sort(key=lambda e: e.offsets[0])
    return entities, _references(generic, named)


def find_entities(text: str, ner_spans: list[tuple[int, int, str]] | None = None) -> list[Entity]:
    """ORG, PER and LOC entities of one article, one per distinct entity, with all mention offsets.

    ``ner_spans``: (start, end, label) character spans from a statistical NER, if any.
    """
    return find_entities_and_references(text, ner_spans)[0]


# -- spaCy component ----------------------------------------------------------------

class EntityMerger:
    """Sets ``doc._.entities`` and ``doc.spans[spans_key]`` from NER ents and the rule candidates."""

    def __init__(self, nlp: Language, name: str = "civic_entities", *, spans_key: str = "civic_entities", refs_key: str = "civic_references", use_ner: bool = True):
        self.nlp, self.name, self.spans_key, self.refs_key, self.use_ner = nlp, name, spans_key, refs_key, use_ner
        # Load the rules and the gazetteer (and its look-up tables) when the pipeline
        # is built, not on the first article.
        default_rules()
        default_gazetteer().key_prefixes

    def __call__(self, doc: Doc) -> Doc:
        ner = [(e.start_char, e.end_char, e.label_) for e in doc.ents] if self.use_ner else None
        # Taken out of user_data: the cache is not serialisable (DocBin, n_process).
        cached = doc.user_data.pop(CANDIDATES_KEY, None)
        entities, refs = find_entities_and_references(extensions.doc_text(doc), ner, candidates=cached)
        doc._.entities = entities
        spans = []
        for ent in entities:
            for s, e in ent.offsets:
                span = doc.char_span(s, e, label=ent.label, alignment_mode="expand")
                if span is not None:
                    span._.why = ent.why
                    span._.place = ent.place
                    spans.append(span)
        doc.spans[self.spans_key] = sorted(spans, key=lambda sp: (sp.start, sp.end))
        ref_spans = []
        for r in refs:
            s, e = r.offsets[0]
            span = doc.char_span(s, e, label=r.label, alignment_mode="expand")
            if span is not None:
                span._.why = f"refers_to:{r.refers_to}"
                ref_spans.append(span)
        doc.spans[self.refs_key] = ref_spans
        return doc


@Language.factory(
    "civic_entities",
    assigns=["doc._.entities", "doc.spans"],
    requires=[],
    default_config={"spans_key": "civic_entities", "refs_key": "civic_references", "use_ner": True},
)
def make_entity_merger(nlp: Language, name: str, spans_key: str, refs_key: str, use_ner: bool) -> EntityMerger:
    """``use_ner``: read ``doc.ents`` from a statistical NER earlier in the pipeline."""
    extensions.register()
    return EntityMerger(nlp, name, spans_key=spans_key, refs_key=refs_key, use_ner=use_ner)


def entity_rows(entities: Iterable[Entity]) -> list[dict[str, Any]]:
    """Entities in the scorer's shape (label, name, text)."""
    return [{"label": e.label, "name": e.name, "text": e.text} for e in entities]
