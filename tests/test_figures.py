"""figures: the golden table (tests/golden/figures.json), offsets, and the spaCy component.

Every golden case is a sentence written for this table (organisations and
numbers invented) with the figures it must give: text as written, value,
category and qualifier, in text order. Cases with an empty list are the
exclusions: dates, ages, ordinals, laws, phones, percentages, rankings,
scores, times, durations, names, family sizes, market talk, non-civic text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from civic_extract.figures import find_figures
from civic_extract.schema import CATEGORIES, QUALIFIERS, Figure

GOLDEN = json.loads((Path(__file__).parent / "golden" / "figures.json").read_text(encoding="utf-8"))


def _short(req: str) -> str:
    return req[:40]


@pytest.mark.parametrize("case", GOLDEN, ids=[_short(c["req"]) for c in GOLDEN])
def test_golden(case: dict) -> None:
    got = [{"text": f.text, "value": f.value, "category": f.category, "qualifier": f.qualifier}
           for f in find_figures(case["req"])]
    assert got == case["res"]


@pytest.mark.parametrize("case", [c for c in GOLDEN if c["res"]], ids=lambda c: _short(c["req"]))
def test_offsets_point_at_the_text(case: dict) -> None:
    for fig in find_figures(case["req"]):
        start, end = fig.offsets[0]
        assert case["req"][start:end] == fig.text
        assert fig.category in CATEGORIES and fig.qualifier in QUALIFIERS
        assert fig.rule


def test_golden_covers_every_category() -> None:
    seen = {r["category"] for c in GOLDEN for r in c["res"]}
    assert seen == set(CATEGORIES)


def test_repeat_is_listed_once_with_both_spans() -> None:
    text = "استفاد من القافلة 250 مريضا. وأكد المنظمون أن 250 مريضا تلقوا العلاج."
    (fig,) = find_figures(text)
    assert [text[a:b] for a, b in fig.offsets] == ["250 مريضا", "250 مريضا"]
    assert len(find_figures(text, merge_repeats=False)) == 2


def test_money_fields() -> None:
    (fig,) = find_figures("تبرعت الجمعية الخيرية بمبلغ 12 ألف دينار كويتي للمستشفى.")
    assert (fig.value, fig.category, fig.currency, fig.noun) == (12000, "money", "KWD", "دينار")


def test_centimes_are_converted() -> None:
    (fig,) = find_figures("جمعت الحملة الخيرية 250 ألف سنتيم.")
    assert (fig.value, fig.currency) == (2500, "MAD")


def test_noun_as_written_with_diacritics() -> None:
    (fig,) = find_figures("استفاد من القافلة الطبية ٤٧١٨ مستفيداً.")
    assert fig.noun == "مستفيداً" and fig.rule == "number+noun"


def test_sorted_by_offset() -> None:
    text = "وزعت الجمعية 30 طردا غذائيا و12 كرسيا متحركا على 40 أسرة."
    figs = find_figures(text)
    assert [f.value for f in figs] == [30, 12, 40]


def test_empty_text() -> None:
    assert find_figures("") == []


def test_component_sets_doc_figures() -> None:
    nlp = spacy.blank("ar")
    nlp.add_pipe("civic_figures")
    doc = nlp("نظمت الجمعية ثلاث قوافل طبية استفاد منها 1200 مستفيد.")
    assert [(f.value, f.category) for f in doc._.figures] == [(3, "units"), (1200, "beneficiaries")]
    assert all(isinstance(f, Figure) for f in doc._.figures)
    assert nlp.get_pipe_meta("civic_figures").assigns == ["doc._.figures"]
