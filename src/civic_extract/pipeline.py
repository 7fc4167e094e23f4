"""The civic_extract pipeline: build it, run it on articles, turn Docs into Records.

The stages are spaCy components registered as factories, added in the order of
:data:`STAGES`, so ``nlp.pipe_names`` shows the pipeline and ``nlp.config``
describes it. Splitting a raw page into an article happens before the Doc is
made (a Doc's text cannot change), in :func:`prepare`.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from . import dates, events, extensions, figures, spans, tokenise  # noqa: F401  (register factories and the tokenizer)
from . import split as split_stage
from .entities import merge  # noqa: F401
from .readers import RawInput, clean_text, iso_date
from .schema import Record, error_record

# (factory name, config) in pipeline order.
STAGES: list[tuple[str, dict[str, Any]]] = [
    ("civic_segment", {}),
    ("civic_dates", {}),
    ("civic_figures", {}),
    ("civic_entities", {}),
    ("civic_events", {}),
    ("civic_spans", {}),  # last: mirrors dates, figures and event triggers into doc.spans
]

NLP_CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "civic_extract.tokenizer.v1"}}}


def load(
    enable: Iterable[str] | None = None,
    disable: Iterable[str] | None = None,
    config: dict[str, dict[str, Any]] | None = None,
) -> Language:
    """A ready pipeline.

    ``enable``: only these stages (by factory name), plus any optional component
    named (``"camel_ner"``, see :mod:`civic_extract.optional`), which is added to
    the stages before the one that reads it; ``disable``: all but these;
    ``config``: per-stage config overrides, ``{"civic_segment": {"read_header": False}}``;
    A pipeline folder written by :func:`civic_extract.packaging.save` is loaded
    with ``civic_extract.load(model=...)``.
    """
    from .optional import add_optional, select

    extensions.register()
    wanted, extra = select([name for name, _ in STAGES], enable, disable, "the default pipeline")
    nlp = spacy.blank("ar", config=NLP_CONFIG)
    overrides = config or {}
    for name, cfg in STAGES:
        if name in wanted:
            nlp.add_pipe(name, config={**cfg, **overrides.get(name, {})})
    add_optional(nlp, extra, overrides)
    return nlp


def prepare(raw: RawInput) -> split_stage.SplitArticle:
    """Split the raw input (plain text or HTML) into the clean article."""
    if raw.kind == "html":
        return split_stage.split_html(raw.text, published=raw.published)
    return split_stage.split_text(raw.text, published=raw.published)


def make_doc(nlp: Language, article: split_stage.SplitArticle, raw: RawInput) -> Doc:
    doc = nlp.make_doc(article.text)
    # spaCy's tokenizer keeps every character, so the Doc's text is the article's:
    # record it instead of having Doc.text join the tokens again.
    extensions.set_doc_text(doc, article.text)
    doc.user_data[split_stage.SPLIT_DONE] = True
    doc._.title = article.title
    doc._.byline = article.byline
    doc._.published = article.published
    doc._.article_id = raw.id
    doc._.source = raw.source_url or raw.source
    return doc


def to_record(doc: Doc) -> Record:
    """Flatten a processed Doc into the output Record (a doc-consumer, as in medspacy)."""
    error = doc.user_data.get("civic_error")
    return Record(
        id=str(doc._.article_id if doc._.article_id is not None else "0"),
        source=doc._.source,
        title=doc._.title,
        byline=doc._.byline,
        published=doc._.published,
        text=extensions.doc_text(doc),
        entities=list(doc._.entities),
        dates=list(doc._.dates),
        figures=list(doc._.figures),
        events=list(doc._.events),
        error=error,
    )


def _run_one(nlp: Language, doc: Doc) -> Doc:
    """Run every stage on one Doc; a stage that raises marks the Doc instead of stopping the batch."""
    for name, proc in nlp.pipeline:
        try:
            doc = proc(doc)
        except Exception as exc:  # noqa: BLE001 - any failure becomes an error record
            where = doc._.source or doc._.article_id
            doc.user_data["civic_error"] = f"{where}: stage {name} failed: {type(exc).__name__}: {exc}"
            return doc
    return doc


_NLP: Language | None = None


def default_nlp() -> Language:
    """The pipeline built once per process for :func:`extract` and :func:`extract_many`."""
    global _NLP
    if _NLP is None:
        _NLP = load()
    return _NLP


def _as_input(item: str | dict | RawInput, n: int) -> RawInput:
    if isinstance(item, RawInput):
        return item
    if isinstance(item, str):
        return RawInput(id=str(n), source=None, text=item)
    if isinstance(item, dict):
        return RawInput(id=str(item.get("id", n)), source=item.get("source"), text=item.get("text") or "",
                        kind=item.get("kind", "text"), published=iso_date(item.get("published")),
                        source_url=item.get("source_url"))
    raise TypeError(f"input {n}: expected str, dict or RawInput, got {type(item).__name__}")


def records(nlp: Language, inputs: Iterable[RawInput], batch_size: int = 32) -> Iterator[Record]:
    """One Record per input, in input order; failures become error records.

    Batches go through ``nlp.pipe`` (the statistical NER is fastest on
    batches). If any stage raises inside a batch, that batch is run again Doc
    by Doc, so only the input that failed becomes an error record; every stage
    overwrites what it sets, so running a Doc again is safe.
    """
    for batch in minibatch(inputs, batch_size):
        items: list[Record | Doc] = [_prepared(nlp, raw) for raw in batch]
        docs = [d for d in items if isinstance(d, Doc)]
        try:
            done = list(nlp.pipe(docs, batch_size=batch_size))
        except Exception:  # noqa: BLE001 - isolate the failing input
            done = [_run_one(nlp, d) for d in docs]
        out = iter(done)
        for item in items:
            yield item if isinstance(item, Record) else to_record(next(out))


def _prepared(nlp: Language, raw: RawInput) -> Record | Doc:
    """The input's Doc, or its error record when it cannot be read or split."""
    if raw.error:
        return error_record(raw.id, raw.source, raw.error)
    where = raw.source or f"input {raw.id}"
    if not isinstance(raw.text, str):
        return error_record(raw.id, raw.source, f"{where}: text must be a string, got {type(raw.text).__name__}")
    raw.text = clean_text(raw.text)  # API callers may pass lone surrogates; files are cleaned by the readers
    if len(raw.text) > nlp.max_length:
        return error_record(raw.id, raw.source, f"{where}: article of {len(raw.text):,} characters is over the "
                            f"pipeline's limit of {nlp.max_length:,} (nlp.max_length)")
    try:
        article = prepare(raw)
        if not article.text.strip():
            return error_record(raw.id, raw.source, f"{where}: no article text after removing boilerplate")
        return make_doc(nlp, article, raw)
    except Exception as exc:  # noqa: BLE001 - any failure becomes a record
        return error_record(raw.id, raw.source, f"{where}: could not split: {type(exc).__name__}: {exc}")


def extract(text: str, published: str | None = None, id: str = "0", source: str | None = None) -> Record:
    raw = RawInput(id=id, source=source, text=text, published=iso_date(published))
    return next(records(default_nlp(), [raw]))


def extract_many(items: Iterable[str | dict | RawInput], nlp: Language | None = None, batch_size: int = 32) -> Iterator[Record]:
    inputs = (_as_input(item, n) for n, item in enumerate(items))
    return records(nlp or default_nlp(), inputs, batch_size=batch_size)
