"""Property tests: the offset map of normalise() always points back into the original."""

from hypothesis import given, settings
from hypothesis import strategies as st

from civic_extract.normalise import normalise

ARABIC_ALPHABET = (
    "ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإؤئىة"  # letters, hamza seats, folded letters
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640"  # harakat, tanwin, dagger alef, tatweel
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹0123456789٬٫،؛؟"  # digits in three scripts and separators
    "\u200f\u200e\u200b\u200c\u200d\ufeff\u00a0 \n.-ﻻﷲ"  # bidi marks, zero-width, ligatures
)
texts = st.text(alphabet=ARABIC_ALPHABET, max_size=80) | st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_index_is_monotonic_and_in_range(text):
    n = normalise(text)
    assert len(n.index) == len(n.text)
    assert all(0 <= i < len(text) for i in n.index)
    assert list(n.index) == sorted(n.index)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_each_character_comes_from_its_source(text):
    """Normalising the original character at index[i] yields normalised character i."""
    n = normalise(text)
    for i, ch in enumerate(n.text):
        assert ch in normalise(text[n.index[i]]).text


@settings(max_examples=300, deadline=None)
@given(texts, st.data())
def test_spans_round_trip(text, data):
    """Any span of the normalised text maps to an original span that normalises back to it."""
    n = normalise(text)
    if not n.text:
        return
    start = data.draw(st.integers(0, len(n.text) - 1))
    end = data.draw(st.integers(start + 1, len(n.text)))
    s, e = n.span(start, end)
    assert 0 <= s < e <= len(text)
    back = normalise(text[s:e]).text
    assert n.text[start:end] in back


@settings(max_examples=400, deadline=None)
@given(texts, st.booleans())
def test_equals_the_character_by_character_definition(text, fold):
    """Each character replaced by its table entry (itself if none), every output character indexed to its source."""
    from civic_extract.normalise import _table

    table = _table(fold)
    out, index = [], []
    for i, ch in enumerate(text):
        rep = table.get(ch, ch)
        out.append(rep)
        index += [i] * len(rep)
    n = normalise(text, fold)
    assert (n.text, list(n.index)) == ("".join(out), index)
