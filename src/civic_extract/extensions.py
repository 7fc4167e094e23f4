"""Every custom ``._`` attribute of civic_extract, declared once (as medspacy does).

Stages read and write only these; :func:`register` is idempotent and is called
by every component factory, so a pipeline built from config alone has them too.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span

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


register()
