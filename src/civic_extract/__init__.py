"""civic_extract: structured, citable civic health event records from Arabic press articles.

    import civic_extract
    nlp = civic_extract.load()           # a spaCy Language; nlp.pipe_names shows the stages
    record = civic_extract.extract(text) # a schema.Record

Nothing heavy is imported here: the pipeline is built on the first call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

    from .schema import Record

__all__ = ["__version__", "load", "extract", "extract_many"]


def load(**kwargs: Any) -> "Language":
    """Build the civic_extract pipeline (see :func:`civic_extract.pipeline.load`)."""
    from .pipeline import load as _load

    return _load(**kwargs)


def extract(text: str, published: str | None = None, id: str = "0", source: str | None = None) -> "Record":
    """Split a raw article or page and run the pipeline on it; returns one Record."""
    from .pipeline import extract as _extract

    return _extract(text, published=published, id=id, source=source)


def extract_many(texts: Iterable[str | dict], **kwargs: Any) -> Iterator["Record"]:
    """Stream Records for many texts (strings, or dicts with ``id``, ``text``, ``published``)."""
    from .pipeline import extract_many as _extract_many

    return _extract_many(texts, **kwargs)
