"""The public API of ``civic_extract``: load, extract, extract_many, the extension table, span groups."""

from __future__ import annotations

import json

import jsonschema
import pytest
import spacy
from spacy import displacy
from spacy.tokens import Doc, Span

import civic_extract
from civic_extract import extensions
from civic_extract.pipeline import STAGES
from civic_extract.schema import SCHEMA_VERSION, Record, json_schema

# Written for these tests: invented association and numbers, real places.
CARAVAN = ("نظمت جمعية النخيل للتنمية يوم 12 ماي 2024 قافلة طبية بجماعة تافراوت استفاد منها 350 مواطنا، "
           "بمشاركة 14 طبيبا.")
BLOOD = "أطلق مركز تحاقن الدم بقسنطينة حملة للتبرع بالدم يومي 3 و4 جانفي 2024 جمعت 95 كيسا."
NOTHING = "ارتفعت أسعار الخضر في أسواق المدينة هذا الأسبوع."


def with_spans(nlp):
    """The pipeline with civic_spans last (it is added to STAGES by the lead; added here if not yet)."""
    import civic_extract.spans  # noqa: F401

    if "civic_spans" not in nlp.pipe_names:
        nlp.add_pipe("civic_spans")
    return nlp


def test_load_is_a_spacy_pipeline_of_the_stages():
    nlp = civic_extract.load()
    assert isinstance(nlp, spacy.language.Language)
    assert nlp.pipe_names == [n for n, _ in STAGES]
    for name in nlp.pipe_names:
        assert nlp.config["components"][name]["factory"] == name


@pytest.mark.parametrize("kwargs,expected", [
    ({"enable": ["civic_segment", "civic_dates"]}, ["civic_segment", "civic_dates"]),
    ({"disable": ["civic_events"]}, [n for n, _ in STAGES if n != "civic_events"]),
    ({"enable": []}, []),
])
def test_load_enable_disable(kwargs, expected):
    assert civic_extract.load(**kwargs).pipe_names == [n for n in expected if n in {s for s, _ in STAGES}]


def test_load_config_overrides_a_stage():
    nlp = civic_extract.load(config={"civic_segment": {"read_header": False}})
    assert nlp.config["components"]["civic_segment"]["read_header"] is False


def test_unknown_stage_names_the_stages_and_the_optional_ones():
    with pytest.raises(ValueError, match="camel_ner"):
        civic_extract.load(enable=["civic_nothing"])


def test_extract_returns_a_valid_versioned_record():
    rec = civic_extract.extract(CARAVAN, published="2024-05-13", id="c1", source="test")
    assert isinstance(rec, Record)
    d = rec.to_dict()
    jsonschema.validate(d, json_schema())
    assert d["schema_version"] == SCHEMA_VERSION
    assert (rec.id, rec.source, rec.published, rec.error) == ("c1", "test", "2024-05-13", None)
    assert [e.type for e in rec.events] == ["medical_caravan"]
    for item in [*rec.entities, *rec.dates, *rec.figures]:
        for s, e in item.offsets:
            assert rec.text[s:e]


def test_record_round_trips_through_json():
    rec = civic_extract.extract(BLOOD)
    again = Record.from_dict(json.loads(rec.to_json()))
    assert again == rec
    assert again.to_dict() == rec.to_dict()


def test_extract_many_keeps_order_ids_and_errors():
    items = [CARAVAN, {"id": "k", "text": BLOOD, "published": "2024-01-05"}, {"id": "empty", "text": ""}, NOTHING]
    out = list(civic_extract.extract_many(items))
    assert [r.id for r in out] == ["0", "k", "empty", "3"]
    assert [r.error is not None for r in out] == [False, False, True, False]
    assert out[1].published == "2024-01-05"
    assert out[3].events == []


def test_extract_many_with_workers_equals_one_process():
    items = [CARAVAN, BLOOD, NOTHING, {"id": "x", "text": CARAVAN}, BLOOD, NOTHING]
    one = list(civic_extract.extract_many(items))
    two = list(civic_extract.extract_many(items, workers=2, chunk_size=2))
    assert two == one


def test_extract_many_refuses_to_ship_a_language_to_workers(nlp):
    with pytest.raises(ValueError, match="worker processes"):
        list(civic_extract.extract_many([CARAVAN], workers=2, nlp=nlp))


def test_extension_table_is_registered_and_lists_are_per_doc(nlp):
    for name in [*extensions.DOC_ATTRIBUTES, *extensions.DOC_LISTS]:
        assert Doc.has_extension(name), name
    for name in extensions.SPAN_ATTRIBUTES:
        assert Span.has_extension(name), name
    a, b = nlp.make_doc("نص أول"), nlp.make_doc("نص ثان")
    a._.dates.append("x")
    assert b._.dates == []


def test_doc_extensions_hold_schema_items(nlp):
    doc = nlp(CARAVAN)
    rec = civic_extract.extract(CARAVAN)
    assert doc._.events == rec.events and doc._.dates == rec.dates and doc._.figures == rec.figures
    assert all(sp._.why for sp in doc.spans["civic_entities"])


def test_span_groups_cover_dates_figures_and_events(nlp):
    doc = with_spans(civic_extract.load())(CARAVAN)
    dates = [(s.text, s.label_) for s in doc.spans["civic_dates"]]
    figures = [(s.text, s.label_) for s in doc.spans["civic_figures"]]
    events = [(s.text, s.label_) for s in doc.spans["civic_events"]]
    assert dates and all(label == "DATE" for _, label in dates)
    assert ("350 مواطنا", "beneficiaries") in figures
    assert events == [("قافلة طبية", "medical_caravan")]
    assert all(s._.why for key in ("civic_dates", "civic_figures", "civic_events") for s in doc.spans[key])


@pytest.mark.parametrize("key", ["civic_entities", "civic_dates", "civic_figures", "civic_events"])
def test_displacy_renders_each_span_group(key):
    doc = with_spans(civic_extract.load())(CARAVAN)
    html = displacy.render(doc, style="span", options={"spans_key": key}, page=False)
    for span in doc.spans[key]:
        assert span.label_ in html
