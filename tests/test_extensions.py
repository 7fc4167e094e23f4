"""The Doc text cache of :mod:`civic_extract.extensions`."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from civic_extract.extensions import doc_text, set_doc_text
from civic_extract.tokenise import build_tokenizer

TEXTS = [
    "نظمت جمعية النور للتنمية قافلة طبية بمدينة آسفي يوم 3 مارس 2024.",
    "  مسافات في البداية\nوسطر ثان ،  وعلامات؛ ونهاية بمسافة ",
    "سطر واحد",
]


@pytest.fixture(scope="module")
def make_doc():
    nlp = spacy.blank("ar")
    nlp.tokenizer = build_tokenizer(nlp)
    return nlp.make_doc


@pytest.mark.parametrize("text", TEXTS)
def test_doc_text_equals_spacy_text(make_doc, text):
    doc = make_doc(text)
    assert doc_text(doc) == doc.text == text
    assert doc_text(doc) is doc_text(doc)  # built once


@pytest.mark.parametrize("text", TEXTS)
def test_copied_user_data_is_not_taken_for_another_docs_text(make_doc, text):
    doc = make_doc(text)
    doc_text(doc)
    part = doc[1:3].as_doc(copy_user_data=True)
    assert doc_text(part) == part.text
    clone = Doc(doc.vocab).from_bytes(doc.to_bytes())
    assert doc_text(clone) == clone.text == text


def test_set_doc_text_is_what_doc_text_returns(make_doc):
    doc = make_doc(TEXTS[0])
    given = set_doc_text(doc, TEXTS[0])
    assert doc_text(doc) is given
