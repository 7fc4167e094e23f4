"""civic_extract: structured, citable civic health event records from Arabic press articles.

    import civic_extract
    nlp = civic_extract.load()                      # a spaCy Language; nlp.pipe_names shows the stages
    record = civic_extract.extract(text)            # a schema.Record
    records = list(civic_extract.extract_many(texts, workers=2))
    frames = civic_extract.to_frames(records)       # pandas DataFrames (the "pandas" extra)

Nothing heavy is imported here: the pipeline is built on the first call.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from spacy.language import Language

    from .readers import RawInput
    from .schema import Record

__all__ = ["__version__", "load", "extract", "extract_many", "to_frames"]


def load(
    enable: Iterable[str] | None = None,
    disable: Iterable[str] | None = None,
    config: dict[str, dict[str, Any]] | None = None,
    model: str | Path | None = None,
) -> "Language":
    """The civic_extract pipeline as a spaCy ``Language``.

    ``enable``: only these stages, plus optional components named here
    (``"camel_ner"``: CAMeL Tools' BERT NER as an extra entity source, the
    ``camel`` extra); ``disable``: all stages but these; ``config``: per-stage
    overrides, ``{"civic_segment": {"read_header": False}}``; ``model``: a
    pipeline folder written by :func:`civic_extract.packaging.save`.
    """
    if model is not None:
        from .packaging import load_saved

        return load_saved(model, enable=enable, disable=disable, config=config)
    from .pipeline import load as _load

    return _load(enable=enable, disable=disable, config=config)


def extract(text: str, published: str | None = None, id: str = "0", source: str | None = None) -> "Record":
    """Split a raw article or page and run the pipeline on it; returns one Record."""
    from .pipeline import extract as _extract

    return _extract(text, published=published, id=id, source=source)


def extract_many(
    items: Iterable["str | dict | RawInput"],
    workers: int | None = 1,
    *,
    nlp: "Language | None" = None,
    batch_size: int = 32,
    chunk_size: int = 32,
    **load_options: Any,
) -> Iterator["Record"]:
    """Stream one Record per item, in input order; an input that fails becomes a record with ``error``.

    ``items``: strings, dicts with ``id``, ``text`` and optionally ``published``
    (a JSONL line), or :class:`~civic_extract.readers.RawInput`.
    ``workers``: processes to run (``None``: one per CPU); with more than one,
    each worker builds its own pipeline from ``load_options`` (the arguments of
    :func:`load`, e.g. ``model=...``), because a ``Language`` object cannot be
    sent to another process. ``nlp``: a pipeline to use in this process
    (``workers=1`` only).
    """
    from .pipeline import _as_input, default_nlp, records

    inputs = (_as_input(item, n) for n, item in enumerate(items))
    if workers == 1:
        pipe = nlp or (load(**load_options) if load_options else default_nlp())
        return records(pipe, inputs, batch_size=batch_size)
    if nlp is not None:
        raise ValueError("extract_many: a Language object cannot be sent to worker processes; "
                         "pass load options (model=..., enable=..., config=...) instead of nlp=, or use workers=1")
    return _parallel(inputs, workers, batch_size, chunk_size, load_options)


def _parallel(inputs: Iterator["RawInput"], workers: int | None, batch_size: int, chunk_size: int,
              load_options: dict[str, Any]) -> Iterator["Record"]:
    """Records from :func:`civic_extract.batch.run` (process pool, input order, dead workers retried)."""
    import json

    from . import batch
    from .schema import Record

    build = partial(load, **load_options) if load_options else batch.build_default
    for result in batch.run(inputs, workers=workers, chunk_size=chunk_size, batch_size=batch_size, build=build):
        yield Record.from_dict(json.loads(result.line))


def to_frames(records: Iterable["Record | dict"]) -> dict[str, "pd.DataFrame"]:
    """pandas DataFrames ``articles``, ``events``, ``entities``, ``figures``, ``dates`` (see :mod:`civic_extract.frames`)."""
    from .frames import to_frames as _to_frames

    return _to_frames(records)
