"""Every custom ``._`` attribute of civic_extract, declared once (as medspacy does).

Stages read and write only these; :func:`register` is idempotent and is called
by every component factory, so a pipeline built from config alone has them too.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any, Callable

import srsly
from spacy.tokens import Doc, Span

from . import schema

# name -> default, per object type. Mutable defaults use getters so that no
# two Docs ever share a list.
DOC_ATTRIBUTES: dict[str, Any] = {
    "published": None,  # ISO date string of publication, or None
    "title": None,  # headline found by the split stage
    "byline": None,  # byline/dateline line
    "article_id": None,  # id of the input the Doc came from
    "source": None,  # file:line, URL or <stdin>
}
DOC_LISTS = (
    "paragraphs",  # list[tuple[int, int]] character spans of paragraphs
    "dates",  # list[schema.DateValue]
    "figures",  # list[schema.Figure]
    "entities",  # list[schema.Entity] (one per distinct entity, all mentions)
    "events",  # list[schema.Event]
)
SPAN_ATTRIBUTES: dict[str, Any] = {
    "place": None,  # gazetteer record (dict) a LOC span resolved to
    "why": None,  # the rule or source that produced the span
}


def _list_getter(name: str):
    key = f"civic_{name}"

    def get(doc: Doc) -> list:
        if key not in doc.user_data:
            doc.user_data[key] = []
        return doc.user_data[key]

    return get


def _list_setter(name: str):
    key = f"civic_{name}"

    def set_(doc: Doc, value: list) -> None:
        doc.user_data[key] = list(value)

    return set_


# The doc._ lists hold schema dataclasses in doc.user_data, which Doc.to_bytes
# packs with msgpack: these hooks (srsly's registry, the way thinc handles numpy)
# pack each item as a tagged dict and rebuild it on load.
_TAG = "__civic_extract__"
_ITEM_TYPES: dict[str, Callable[[dict], Any]] = {
    "Entity": lambda d: schema.Entity(**d),
    "DateValue": lambda d: schema.DateValue(**d),
    "Figure": lambda d: schema.Figure(**d),
    "Event": schema.event_from_dict,
}


def _encode(obj: Any, chain: Callable | None = None) -> Any:
    if is_dataclass(obj) and type(obj).__name__ in _ITEM_TYPES:
        return {_TAG: type(obj).__name__, "data": asdict(obj)}
    return obj if chain is None else chain(obj)


def _decode(obj: Any, chain: Callable | None = None) -> Any:
    if isinstance(obj, dict) and _TAG in obj:
        return _ITEM_TYPES[obj[_TAG]](obj["data"])
    return obj if chain is None else chain(obj)


# doc.user_data key of the Doc's text, built once (see :func:`doc_text`).
_TEXT_KEY = "civic_text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc and then reused by every stage.

    spaCy's ``Doc.text`` joins every token's text on each access; the stages read
    it about seven times per article. The cache carries the Doc's ``id`` and
    length, so a ``user_data`` copied into another Doc (``Span.as_doc(copy_user_data=True)``,
    a Doc rebuilt from bytes) is never taken for that Doc's text.
    """
    cached = doc.user_data.get(_TEXT_KEY)
    if cached is not None and cached[0] == id(doc) and cached[1] == len(doc):
        return cached[2]
    return set_doc_text(doc, doc.text)


def set_doc_text(doc: Doc, text: str) -> str:
    """Record ``text`` as the Doc's text: for a caller that made the Doc from ``text`` (``nlp.make_doc``)."""
    doc.user_data[_TEXT_KEY] = (id(doc), len(doc), text)
    return text


def register() -> None:
    """Declare all attributes; safe to call any number of times."""
    for name, default in DOC_ATTRIBUTES.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    for name in DOC_LISTS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, getter=_list_getter(name), setter=_list_setter(name))
    for name, default in SPAN_ATTRIBUTES.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    if "civic_extract" not in srsly.msgpack_encoders.get_all():
        srsly.msgpack_encoders.register("civic_extract", func=_encode)
        srsly.msgpack_decoders.register("civic_extract", func=_decode)


register()
