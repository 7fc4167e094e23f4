"""The statistical NER as a pipeline stage: the model trained here, read by the entity merge.

The model (``models/ar_civic_ner``, trained with ``spacy train`` from
``models/config.cfg``; see ``models/README.md``) ships inside the package as
``civic_extract.models``. It runs as its own small pipeline on the article text
(same registered tokenizer) and its spans are copied onto the Doc as
``doc.ents``, where ``civic_entities`` reconciles them with the rules and the
gazetteer.

Only names of at least ``min_words`` words are passed on. On held-out
articles (the corpus dev split), single-word spans of the model cost more
precision than they bring recall, while multi-word ones raise PER and ORG
recall; the rules already find single-word places and names through the
gazetteer and the first-name list.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, minibatch

from .. import extensions, tokenise  # noqa: F401  (the model's config names the project tokenizer)

LABELS = ("ORG", "PER", "LOC")
MODEL_NAME = "ar_civic_ner"


def shipped_model_path() -> Path | None:
    """The model folder shipped with the package, or None when it is not installed."""
    try:
        path = Path(str(resources.files("civic_extract.models") / MODEL_NAME))
    except ModuleNotFoundError:
        return None
    return path if (path / "meta.json").exists() else None


@lru_cache(maxsize=4)
def load_model(path: str) -> Language:
    """Load a trained NER pipeline once per process."""
    return spacy.load(path)


def copy_ents(doc: Doc, source: Doc, min_words: int) -> Doc:
    """Put the model's ORG/PER/LOC spans on ``doc`` by character offsets."""
    spans: list[Span] = []
    for ent in source.ents:
        if ent.label_ not in LABELS or len(ent.text.split()) < min_words:
            continue
        span = doc.char_span(ent.start_char, ent.end_char, label=ent.label_, alignment_mode="contract")
        if span is not None and len(span):
            span._.why = "ner"
            spans.append(span)
    doc.ents = filter_spans(list(doc.ents) + spans)
    return doc


class CivicNER:
    """Runs the trained NER on the Doc's text and sets ``doc.ents``."""

    def __init__(self, nlp: Language, name: str, model: str, min_words: int) -> None:
        self.name = name
        self.min_words = min_words
        path = model or shipped_model_path()
        if not path:
            raise FileNotFoundError(
                "the trained NER model is not installed (civic_extract.models/ar_civic_ner); "
                "reinstall the package from a checkout that has models/, or load(disable=['civic_ner'])")
        self.model_path = str(path)
        self.model = load_model(self.model_path)

    def __call__(self, doc: Doc) -> Doc:
        return copy_ents(doc, self.model(doc.text), self.min_words)

    def pipe(self, docs: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        """Batches through the model's own ``pipe`` (the neural layers are faster on batches)."""
        for batch in minibatch(docs, batch_size):
            for doc, source in zip(batch, self.model.pipe([d.text for d in batch], batch_size=batch_size)):
                yield copy_ents(doc, source, self.min_words)


@Language.factory(
    "civic_ner",
    assigns=["doc.ents"],
    default_config={"model": "", "min_words": 2},
)
def make_civic_ner(nlp: Language, name: str, model: str, min_words: int) -> CivicNER:
    """``model``: a trained pipeline folder (default: the one shipped with the package);
    ``min_words``: shortest span, in words, passed on to the entity merge."""
    extensions.register()
    return CivicNER(nlp, name, model, min_words)
