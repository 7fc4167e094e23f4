"""Convert openly licensed Arabic NER corpora (and the team's corpus) to spaCy DocBin files.

    python models/convert.py --data /work/shared/data --corpus corpus --out models/corpus

Writes ``train.spacy`` and ``dev.spacy`` (training corpora, dev = held-out slices of
them), ``test_camel.spacy`` (the official CAMeL Lab ANERcorp test split) and
``test_clean.spacy`` (the same sentences with CLEANANERCorp's corrected labels), plus
``stats.json`` with counts per source and the leakage check.

Why these choices:

* Labels are reduced to ORG, PER, LOC, the only types the project extracts. MISC,
  titles (CAraNER TIT), AQMAR's per-article MIS0-3 and Wojood's other 17 types become
  ``O``; Wojood's nested layers keep the outermost ORG/PER/LOC span, so ``بلدية نابلس``
  is one ORG (the project's guideline), not an ORG around a LOC.
* Docs are built from the corpus words with ``Doc(vocab, words, spaces)``, and the
  spaces are reconstructed (no space before closing punctuation) so the text looks like
  press text. ``spacy train`` re-tokenizes that text with the pipeline's tokenizer
  (``civic_extract.tokenizer.v1``) and aligns the gold entities to it, so the model
  learns on the tokens it will see at run time.
* ANERcorp test sentences must never be trained on: ``anercorp_original`` and
  ``wikifane_gold/NewsFANE_*`` contain them and are not read at all, the CLEAN TEST
  half is read only as a test set, and any training or dev sentence whose text equals
  a test sentence is dropped (and counted in ``stats.json``).
* The team corpus (``corpus/articles/*.json``, GUIDELINES.md format) has article-level
  names without offsets: every occurrence of a name (or an ``alt``) is found in the
  normalised text, also with a glued proclitic (``بمراكش``, ``للجمعية``), and the span
  covers the whole written token, as ANERcorp does. ``optional`` names are marked as
  missing (neither entity nor ``O``). Articles whose text overlaps the shared dev set
  are skipped, so dev articles are never trained on.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import regex
from spacy.util import filter_spans

LABELS = ("ORG", "PER", "LOC")

MISSING = "-"
# Source type -> project label, per corpus; types not listed become O. MISSING marks
# types the guideline leaves optional (venues): their tokens are neither entity nor O.
LABEL_MAPS: dict[str, dict[str, str]] = {
    "anercorp": {"PERS": "PER", "LOC": "LOC", "ORG": "ORG"},
    "caraner": {"PER": "PER", "LOC": "LOC", "ORG": "ORG"},
    "aqmar": {"PER": "PER", "LOC": "LOC", "ORG": "ORG"},
    # GPE (countries, cities, villages) is the guideline's LOC; FAC is a venue.
    "wojood": {"PERS": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": MISSING},
    # WikiFANE's fine classes by their ACE coarse class (wikifane_gold/SOURCE.md). Group
    # (المسلمون، العرب) is not a named entity in our guideline; GPE-Cluster and
    # Celestial are borderline, facilities are venues.
    "wikifane": {
        **dict.fromkeys(["Politician", "Athlete", "Artist", "Scientist", "Businessperson", "Religious_PER",
                         "Police", "Engineer", "Lawyer", "Other_PER"], "PER"),
        **dict.fromkeys(["Government", "Non-Governmental", "Commercial", "Educational", "Media", "Sports",
                         "Entertainment", "Medical-Science", "Religious_ORG"], "ORG"),
        **dict.fromkeys(["Nation", "Population-Center", "State-or-Province", "County-or-District",
                         "Continent", "Water-Body", "Land-Region-Natural"], "LOC"),
        **dict.fromkeys(["GPE-Cluster", "Celestial", "Building-Grounds", "Airport", "Path",
                         "Subarea-Facility"], MISSING),
    },
}

# AQMAR is split by article so no article is in both train and dev.
AQMAR_DEV_ARTICLES = ("Damascus", "Real_Madrid", "Linux")
DEV_FRACTION = 0.1
# The team corpus is the only in-genre data (civic health reports, Maghrebi and
# Levantine press) and about 2% of the words: each train article is seen this often.
TEAM_REPEAT = 4
# Word n-gram length for the near-duplicate (leakage) check against the test split.
LEAK_NGRAM = 8

# Punctuation written without a space before it (closing) or after it (opening).
_CLOSING = frozenset(".,،؛;:!?؟)]}»”…%٪")
_OPENING = frozenset("([{«“")

_TAG = regex.compile(r"^([BI])[-_]+(.+)$")


@dataclass
class Sentence:
    """Corpus words with token-level ``(start, end, label)`` spans in project labels."""

    words: list[str]
    spans: list[tuple[int, int, str]]
    source: str


# ---------------------------------------------------------------- IOB parsing

def iob_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Token spans from an IOB2 tag sequence, tolerant of the corpora's malformed tags.

    ``B_ORG`` (CAraNER) and ``I--ORG`` (AQMAR typo) are read like ``B-ORG``/``I-ORG``;
    an ``I-`` that does not continue a span of its type opens a new one; unreadable
    tags (``IO``, ``OO``) are ``O``.
    """
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        m = _TAG.match(tag.strip("`"))
        prefix, kind = (m.group(1), m.group(2).strip("`")) if m else (None, None)
        if start is not None and not (prefix == "I" and kind == label):
            spans.append((start, i, label))
            start, label = None, None
        if prefix == "B" or (prefix == "I" and start is None):
            start, label = i, kind
    return spans


def map_spans(spans: Iterable[tuple[int, int, str]], label_map: dict[str, str]) -> list[tuple[int, int, str]]:
    """Keep the mapped types; where spans overlap keep the longest (the outermost layer)."""
    mapped = [(s, e, label_map[t]) for s, e, t in spans if t in label_map]
    kept: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for s, e, label in sorted(mapped, key=lambda x: (x[0] - x[1], x[0])):
        if not taken.intersection(range(s, e)):
            kept.append((s, e, label))
            taken.update(range(s, e))
    return sorted(kept)


def read_blocks(path: Path) -> Iterator[list[list[str]]]:
    """Blank-line separated blocks of whitespace-split rows (BOM and LRM marks stripped)."""
    block: list[list[str]] = []
    with path.open(encoding="utf-8-sig") as fh:
        for line in fh:
            row = line.replace("\u200e", "").split()
            if row:
                block.append(row)
            elif block:
                yield block
                block = []
    if block:
        yield block


# ---------------------------------------------------------------- corpus readers

def read_conll(path: Path, source: str, label_map: dict[str, str]) -> list[Sentence]:
    """``token tag`` per line, blank line between sentences (ANERcorp CLEAN/CAMeL, AQMAR)."""
    sentences = []
    for block in read_blocks(path):
        rows = [r for r in block if len(r) >= 2]
        words = [r[0] for r in rows]
        spans = map_spans(iob_spans([r[-1] for r in rows]), label_map)
        sentences.append(Sentence(words, spans, source))
    return sentences


def read_wojood(path: Path) -> list[Sentence]:
    """Wojood: ``token TAG [TAG ...]``, one column per nesting layer (outermost first).

    The pseudo-token ``$#$`` marks a segment break inside a block, so the block is cut
    there.
    """
    sentences = []
    for block in read_blocks(path):
        segment: list[list[str]] = []
        for row in block + [["$#$", "O"]]:
            if row[0] != "$#$":
                segment.append(row)
                continue
            if segment:
                depth = max(len(r) for r in segment)
                spans = [sp for k in range(1, depth)
                         for sp in iob_spans([r[k] if len(r) > k else "O" for r in segment])]
                sentences.append(Sentence([r[0] for r in segment], map_spans(spans, LABEL_MAPS["wojood"]), "wojood"))
            segment = []
    return sentences


def read_caraner(path: Path) -> dict[int, Sentence]:
    """CAraNER CSV: one row per token; the final label is ``Revised_Label`` (``B_ORG``)."""
    rows_by_sentence: dict[int, list[tuple[int, str, str]]] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            rows_by_sentence.setdefault(int(row["Sentence_ID"]), []).append(
                (int(row["Word_ID"]), row["Word"].strip(), row["Revised_Label"].strip()))
    out = {}
    for sid, rows in rows_by_sentence.items():
        rows = [r for r in sorted(rows) if r[1]]
        spans = map_spans(iob_spans([r[2] for r in rows]), LABEL_MAPS["caraner"])
        out[sid] = Sentence([r[1] for r in rows], spans, "caraner")
    return out


# WikiFANE splits clitics off as tokens (``و المغرب``, ``عاصمت ها``) and writes every
# hamza-alef as a bare alef; press text does neither, so both are undone.
_PROCLITICS = frozenset("وفبلك")
_ENCLITICS = frozenset(["ه", "ها", "هم", "هما", "هن", "كم", "كما", "كن", "نا", "ي"])
_ARABIC_WORD = regex.compile(r"^\p{Arabic}+$")
_BARE_ALEF = str.maketrans("أإآ", "ااا")


def alef_restorer(reference: Counter) -> dict[str, str]:
    """Bare-alef spelling -> the most frequent spelling in the reference corpora."""
    best: dict[str, tuple[int, str]] = {}
    for word, n in reference.items():
        key = word.translate(_BARE_ALEF)
        if key != word and n > best.get(key, (0, ""))[0]:
            best[key] = (n, word)
    return {k: w for k, (_, w) in best.items() if reference.get(k, 0) < best[k][0]}


def glue_clitics(words: list[str], tags: list[str]) -> tuple[list[str], list[str]]:
    """Re-attach split proclitics and enclitics; a glued word keeps its stem's tag.

    ``ل`` + ``ال…`` is written ``لل…`` and a final ``ة`` before an enclitic ``ت``
    (``عاصمة`` + ``ها`` = ``عاصمتها``). A clitic next to punctuation or a number stays
    a word of its own.
    """
    out_w: list[str] = []
    out_t: list[str] = []
    pending = ""
    for i, (w, t) in enumerate(zip(words, tags)):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in _PROCLITICS and _ARABIC_WORD.match(nxt):
            pending += w
            continue
        if w in _ENCLITICS and not pending and out_w and _ARABIC_WORD.match(out_w[-1]):
            stem = out_w[-1]
            out_w[-1] = (stem[:-1] + "ت" if stem.endswith("ة") else stem) + w
            continue
        if pending.endswith("ل") and w.startswith("ال") and len(w) > 2:
            w = w[1:]
        out_w.append(pending + w)
        out_t.append(t)
        pending = ""
    if pending:
        out_w.append(pending)
        out_t.append("O")
    return out_w, out_t


def read_wikifane(path: Path, reference: Counter) -> list[Sentence]:
    """WikiFANE Gold (Wikipedia): clitics glued back, hamza-alef spelling restored."""
    restore = alef_restorer(reference)
    sentences = []
    for block in read_blocks(path):
        rows = [r for r in block if len(r) >= 2]
        words = [restore.get(r[0], r[0]) for r in rows]
        words, tags = glue_clitics(words, [r[-1] for r in rows])
        spans = map_spans(iob_spans(tags), LABEL_MAPS["wikifane"])
        sentences.append(Sentence(words, spans, "wikifane"))
    return sentences


# ---------------------------------------------------------------- team corpus

_PROCLITIC = "(?:[وف]?[بلك]|[وف])?"
_WORD_CHAR = r"[\p{L}\p{M}\p{N}]"


def name_pattern(name: str) -> "regex.Pattern[str] | None":
    """A pattern for a (normalised) name in normalised text, with an optional glued proclitic.

    ``ل`` before the article drops the alef (``للجمعية``), so names starting with
    ``ال`` also match ``[وف]?ل`` + the name without its alef.
    """
    words = name.split()
    if not words:
        return None
    body = r"\s+".join(regex.escape(w) for w in words)
    alts = [_PROCLITIC + body]
    if words[0].startswith("ال") and len(words[0]) > 2:
        alts.append("[وف]?ل" + r"\s+".join(regex.escape(w) for w in [words[0][1:]] + words[1:]))
    return regex.compile(rf"(?<!{_WORD_CHAR})(?:{'|'.join(alts)})(?!{_WORD_CHAR})", regex.IGNORECASE)


def find_mentions(text: str, names: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans in ``text`` of every occurrence of any of ``names``."""
    from civic_extract.normalise import normalise

    folded = normalise(text)
    spans = set()
    for name in names:
        pattern = name_pattern(" ".join(normalise(name).text.split()))
        if pattern is None:
            continue
        for m in pattern.finditer(folded.text):
            spans.add(folded.span(m.start(), m.end()))
    return sorted(spans)


def _sentence_keys(text: str, min_chars: int = 40) -> set[str]:
    """Long sentences of a text as normalised keys, to detect shared articles."""
    from civic_extract.normalise import norm_key

    return {k for part in regex.split(r"[.!؟?\n]+", text) if len(k := norm_key(part)) >= min_chars}


def _claim(spans: Iterable[tuple[int, int]], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans (longest first) that overlap nothing in ``taken``; ``taken`` grows."""
    won = []
    for s, e in sorted(set(spans), key=lambda x: (x[0] - x[1], x[0])):
        if all(e <= ts or s >= te for ts, te in taken):
            won.append((s, e))
            taken.append((s, e))
    return won


def article_spans(text: str, entities: dict) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """Character spans of an annotated article: ``(start, end, label)`` and missing spans.

    Main names are placed first (longest wins, so an ORG that contains a place name
    stays one ORG); an ``alt`` boundary only where no main name was found, since alts
    are often the longer variant with a trailing place (``مديرية ... بالمنيا``) that the
    guideline leaves out; ``optional`` names last, as missing (not O).
    """
    taken: list[tuple[int, int]] = []
    ents: list[tuple[int, int, str]] = []
    for key in ("name", "alt"):
        candidates = {}
        for label in LABELS:
            for ent in entities.get(label, []):
                names = [ent["name"]] if key == "name" else ent.get("alt", [])
                for span in find_mentions(text, names):
                    candidates.setdefault(span, label)
        ents += [(s, e, candidates[(s, e)]) for s, e in _claim(candidates, taken)]
    missing = _claim(find_mentions(text, entities.get("optional", [])), taken)
    return sorted(ents), sorted(missing)


def read_team_corpus(corpus_dir: Path, nlp, split: str, forbidden: set[str]) -> tuple[list, Counter]:
    """Docs for the ``split`` ids of ``corpus/splits.json`` (empty if the corpus is absent).

    ``forbidden`` holds sentence keys of the shared dev set: an article that shares one
    is skipped and counted, never trained on.
    """
    counts: Counter = Counter()
    splits_path, articles = corpus_dir / "splits.json", corpus_dir / "articles"
    if not splits_path.exists() or not articles.is_dir():
        return [], counts
    splits = json.loads(splits_path.read_text(encoding="utf-8"))
    ids = splits.get(split, []) if isinstance(splits, dict) else []
    docs = []
    for art_id in ids:
        path = articles / f"{art_id}.json"
        if not path.exists():
            counts["missing_file"] += 1
            continue
        art = json.loads(path.read_text(encoding="utf-8"))
        text = art["text"]
        if _sentence_keys(text) & forbidden:
            counts["skipped_shared_with_eval_dev"] += 1
            continue
        doc = nlp.make_doc(text)
        ents_chars, missing_chars = article_spans(text, art.get("entities", {}))
        ents = [sp for s, e, label in ents_chars
                if (sp := doc.char_span(s, e, label=label, alignment_mode="expand")) is not None]
        missing = [sp for s, e in missing_chars if (sp := doc.char_span(s, e, alignment_mode="expand")) is not None]
        # Token expansion can make two character spans touch the same token.
        ents = filter_spans(ents)
        taken = {i for sp in ents for i in range(sp.start, sp.end)}
        missing = [sp for sp in filter_spans(missing) if not taken.intersection(range(sp.start, sp.end))]
        doc.set_ents(ents, missing=missing, default="outside")
        docs.append(doc)
        counts["articles"] += 1
        counts.update(sp.label_ for sp in ents)
    return docs, counts


# ---------------------------------------------------------------- Docs and splits

def detok_spaces(words: list[str]) -> list[bool]:
    """Whether each word is followed by a space, as press text writes punctuation."""
    spaces = []
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        spaces.append(nxt is not None and nxt not in _CLOSING and w not in _OPENING)
    return spaces


def sentence_key(words: list[str]) -> str:
    """Matching key of a sentence, for the leakage check."""
    from civic_extract.normalise import norm_key

    return norm_key(" ".join(words))


def shingles(key: str, n: int = LEAK_NGRAM) -> set[tuple[str, ...]]:
    """Word n-grams of a sentence key; a short sentence is its own single shingle."""
    ws = key.split()
    if len(ws) < n:
        return {tuple(ws)} if ws else set()
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}


def to_doc(vocab, sent: Sentence):
    """A Doc of the corpus words with the sentence's entities set (everything else O)."""
    from spacy.tokens import Doc, Span

    doc = Doc(vocab, words=sent.words, spaces=detok_spaces(sent.words))
    ents = [Span(doc, s, e, label=label) for s, e, label in sent.spans if label != MISSING]
    missing = [Span(doc, s, e) for s, e, label in sent.spans if label == MISSING]
    doc.set_ents(ents, missing=missing, default="outside")
    return doc


def split_corpora(data: Path, with_wikifane: bool = True) -> dict[str, list[Sentence]]:
    """Train and dev sentences from the four training corpora (see module docstring)."""
    out: dict[str, list[Sentence]] = {"train": [], "dev": []}
    aner = read_conll(data / "cleananercorp" / "cleananercorp_TRAIN.txt", "cleananercorp_train", LABEL_MAPS["anercorp"])
    # The last tenth as one block: ANERcorp is sequential news, so a contiguous slice
    # keeps an article from straddling train and dev.
    cut = int(len(aner) * (1 - DEV_FRACTION))
    out["train"] += aner[:cut]
    out["dev"] += aner[cut:]
    for sid, sent in sorted(read_caraner(data / "caraner" / "CAraNER.csv").items()):
        # Sentences are shuffled single sentences from many articles: every tenth id.
        out["dev" if sid % 10 == 0 else "train"].append(sent)
    for path in sorted((data / "aqmar").glob("*.txt")):
        for sent in read_conll(path, "aqmar", LABEL_MAPS["aqmar"]):
            out["dev" if path.stem in AQMAR_DEV_ARTICLES else "train"].append(sent)
    for name in ("train", "test"):
        out["train"] += read_wojood(data / "wojood_sample" / f"{name}.txt")
    out["dev"] += read_wojood(data / "wojood_sample" / "val.txt")
    if with_wikifane:
        # Wikipedia only; NewsFANE (ANERcorp text) is never read. Its spelling is
        # restored from the other corpora, so they are the reference vocabulary.
        reference = Counter(w for sents in out.values() for sent in sents for w in sent.words)
        out["train"] += read_wikifane(data / "wikifane_gold" / "WikiFANE_Gold_2014_500K.txt", reference)
    return out


def drop_leaks(sentences: list[Sentence], test_shingles: set[tuple[str, ...]]) -> tuple[list[Sentence], int]:
    """Remove sentences equal to a test sentence or sharing an 8-word run with one.

    Exact matching is not enough: ANERcorp repeats agency stories with small edits,
    and a shared 8-word run is a near-copy, not a coincidence.
    """
    kept = [s for s in sentences if not shingles(sentence_key(s.words)) & test_shingles]
    return kept, len(sentences) - len(kept)


def shared_dev_keys(path: Path | None) -> set[str]:
    """Sentence keys of the shared evaluation dev articles (to keep them out of training)."""
    if path is None or not path.exists():
        return set()
    keys: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                keys |= _sentence_keys(json.loads(line)["text"])
    return keys


def label_counts(docs) -> dict[str, int]:
    return dict(sorted(Counter(e.label_ for d in docs for e in d.ents).items()))


def convert(data: Path, corpus: Path, out: Path, shared_dev: Path | None, with_wikifane: bool = True,
            team_repeat: int = TEAM_REPEAT, seed: int = 0) -> dict:
    """Write the DocBin files and return the statistics written to ``stats.json``."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("ar", config={"nlp": {"tokenizer": {"@tokenizers": "civic_extract.tokenizer.v1"}}})
    tests = {
        "test_camel": read_conll(data / "anercorp_camel_splits" / "ANERCorp_CamelLab_test.txt", "anercorp_camel_test", LABEL_MAPS["anercorp"]),
        "test_clean": read_conll(data / "cleananercorp" / "cleananercorp_TEST.txt", "cleananercorp_test", LABEL_MAPS["anercorp"]),
    }
    test_shingles = {g for sents in tests.values() for s in sents for g in shingles(sentence_key(s.words))}
    parts = split_corpora(data, with_wikifane)
    stats: dict = {"sources": {}, "dropped_as_test_duplicates": {}}
    docs: dict[str, list] = {}
    for split, sents in parts.items():
        sents, dropped = drop_leaks(sents, test_shingles)
        stats["dropped_as_test_duplicates"][split] = dropped
        docs[split] = [to_doc(nlp.vocab, s) for s in sents]
        for src in sorted({s.source for s in sents}):
            stats["sources"][f"{split}/{src}"] = sum(1 for s in sents if s.source == src)
    forbidden = shared_dev_keys(shared_dev)
    for split in ("train", "dev"):
        team_docs, team_counts = read_team_corpus(corpus, nlp, split, forbidden)
        docs[split] += team_docs * (team_repeat if split == "train" else 1)
        stats["sources"][f"{split}/team_corpus"] = dict(team_counts)
    random.Random(seed).shuffle(docs["train"])
    for name, sents in tests.items():
        docs[name] = [to_doc(nlp.vocab, s) for s in sents]
    out.mkdir(parents=True, exist_ok=True)
    for name, ds in docs.items():
        DocBin(docs=ds, store_user_data=False).to_disk(out / f"{name}.spacy")
        stats[name] = {"docs": len(ds), "words": sum(len(d) for d in ds), "entities": label_counts(ds)}
    seen = {g for d in docs["train"] + docs["dev"] for g in shingles(sentence_key([t.text for t in d]))}
    stats["test_sentences_in_train_or_dev"] = sum(
        1 for sents in tests.values() for s in sents if shingles(sentence_key(s.words)) & seen)
    (out / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8")
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"), help="shared corpora folder")
    ap.add_argument("--corpus", type=Path, default=Path("corpus"), help="team corpus folder (articles/, splits.json)")
    ap.add_argument("--out", type=Path, default=Path("models/corpus"), help="output folder for *.spacy")
    ap.add_argument("--shared-dev", type=Path, default=Path("/work/shared/eval/dev/articles.jsonl"),
                    help="shared evaluation articles that must never be trained on")
    ap.add_argument("--no-wikifane", action="store_true", help="leave WikiFANE Gold (Wikipedia) out of training")
    ap.add_argument("--team-repeat", type=int, default=TEAM_REPEAT, help="copies of each team train article")
    args = ap.parse_args(argv)
    stats = convert(args.data, args.corpus, args.out, args.shared_dev, with_wikifane=not args.no_wikifane,
                    team_repeat=args.team_repeat)
    json.dump(stats, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0 if stats["test_sentences_in_train_or_dev"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
