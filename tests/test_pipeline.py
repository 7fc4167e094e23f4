import json

import jsonschema
import pytest
import spacy

import civic_extract
from civic_extract.pipeline import STAGES, load, records
from civic_extract.readers import RawInput
from civic_extract.schema import Record, json_schema

PAGE = "قافلة طبية بجماعة أمزميز\nنشر في الجهة 24 يوم 03 - 04 - 2024\nنظمت جمعية الأطلس للتنمية قافلة طبية بجماعة أمزميز."


def test_pipe_names_follow_stages(nlp):
    assert nlp.pipe_names == [name for name, _ in STAGES]
    assert nlp.config["components"]["civic_segment"]["factory"] == "civic_segment"


def test_factories_declare_assigns():
    for name, _ in STAGES:
        meta = spacy.Language.get_factory_meta(name)
        assert meta.assigns, f"{name} declares nothing it assigns"


def test_enable_disable_and_unknown():
    assert load(disable=["civic_segment"]).pipe_names == [n for n, _ in STAGES if n != "civic_segment"]
    with pytest.raises(ValueError, match="unknown stages"):
        load(enable=["no_such_stage"])


def test_nlp_on_raw_text_reads_the_header(nlp):
    doc = nlp(PAGE)
    assert doc._.published == "2024-04-03"
    assert doc._.title == "قافلة طبية بجماعة أمزميز"
    assert [doc.text[s:e] for s, e in doc._.paragraphs][0] == doc._.title
    assert len(list(doc.sents)) == 3


def test_nlp_pipe_streams(nlp):
    docs = list(nlp.pipe([PAGE, "نص ثان. وجملة ثالثة؟ نعم"]))
    assert len(docs) == 2
    assert [s.text for s in docs[1].sents] == ["نص ثان.", "وجملة ثالثة؟", "نعم"]


def test_extract_returns_a_valid_record():
    rec = civic_extract.extract(PAGE, id="a1")
    assert isinstance(rec, Record)
    d = rec.to_dict()
    jsonschema.validate(d, json_schema())
    assert Record.from_dict(json.loads(json.dumps(d))) == rec
    assert rec.published == "2024-04-03" and rec.error is None


def test_records_keep_input_order_with_errors(nlp):
    inputs = [
        RawInput(id="a", source="s:1", text=PAGE),
        RawInput(id="b", source="s:2", error="s:2: missing 'text'"),
        RawInput(id="c", source="s:3", text="شكرا على الإبلاغ!"),
        RawInput(id="d", source="s:4", text="نص آخر."),
    ]
    out = list(records(nlp, inputs, batch_size=2))
    assert [r.id for r in out] == ["a", "b", "c", "d"]
    assert [r.error is not None for r in out] == [False, True, True, False]
    assert "s:3" in out[2].error


def test_a_failing_stage_becomes_an_error_record():
    nlp = load()

    @spacy.Language.component("civic_test_boom")
    def boom(doc):
        if "انفجار" in doc.text:
            raise RuntimeError("boom")
        return doc

    nlp.add_pipe("civic_test_boom")
    out = list(records(nlp, [RawInput(id="x", source="f:1", text="انفجار هنا."), RawInput(id="y", source="f:2", text="عادي.")]))
    assert out[0].error and "civic_test_boom" in out[0].error and "f:1" in out[0].error
    assert out[1].error is None


def test_extract_many_accepts_strings_and_dicts():
    out = list(civic_extract.extract_many(["نص أول.", {"id": "k", "text": "نص ثان.", "published": "2024-01-02"}]))
    assert [r.id for r in out] == ["0", "k"]
    assert out[1].published == "2024-01-02"


def test_doc_bytes_round_trip_keeps_items(nlp):
    from spacy.tokens import Doc

    doc = nlp("نظمت جمعية الأمل قافلة طبية بمدينة تزنيت يوم 12 ماي 2024 استفاد منها 300 مستفيد.")
    back = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    for attr in ("entities", "dates", "figures", "events"):
        assert getattr(back._, attr) == getattr(doc._, attr)
    assert back._.events and back._.events[0].type == "medical_caravan"
