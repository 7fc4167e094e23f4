"""The shipped statistical NER (models/ar_civic_ner) and the converter that builds its data.

The model tests skip when the pipeline directory is absent (a fresh checkout before
``spacy project run all models``); the converter tests always run. Sentences are
written for these tests; organisations and people are invented, places are real.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "ar_civic_ner"
TOKENIZER = "civic_extract.tokenizer.v1"


def _load_convert():
    spec = importlib.util.spec_from_file_location("ner_convert", ROOT / "models" / "convert.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


convert = _load_convert()


@pytest.fixture(scope="module")
def nlp():
    if not (MODEL / "meta.json").exists():
        pytest.skip(f"{MODEL} is absent: build it with `python -m spacy project run all models`")
    import spacy

    import civic_extract.tokenise  # noqa: F401  registers the tokenizer named in the config

    return spacy.load(MODEL)


# ------------------------------------------------------------------ the shipped model

def test_labels_are_the_project_types(nlp):
    assert set(nlp.get_pipe("ner").labels) == {"ORG", "PER", "LOC"}


def test_config_names_the_project_tokenizer(nlp):
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == TOKENIZER
    assert f'@tokenizers = "{TOKENIZER}"' in (ROOT / "models" / "config.cfg").read_text(encoding="utf-8")


@pytest.mark.parametrize("text", [
    "وزعت الجمعية 120 قفة لـ35 أسرة بمراكش.",
    "استفاد منها أزيد من 2025 مستفيداً.",
])
def test_model_tokenizes_like_the_project(nlp, text):
    import spacy

    blank = spacy.blank("ar", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    assert [t.text for t in nlp.make_doc(text)] == [t.text for t in blank.make_doc(text)]


# (text, label, a word the entity of that label must contain)
TAGGED = [
    ("نظمت جمعية النور للتنمية قافلة طبية بمدينة أكادير", "ORG", "جمعية"),
    ("نظمت جمعية النور للتنمية قافلة طبية بمدينة أكادير", "LOC", "أكادير"),
    ("وقال الدكتور كريم بنسالم رئيس المصلحة إن الحملة ستتواصل", "PER", "بنسالم"),
    ("وأعلنت وزارة الصحة المصرية عن حملة للتبرع بالدم في القاهرة", "ORG", "وزارة"),
    ("وأعلنت وزارة الصحة المصرية عن حملة للتبرع بالدم في القاهرة", "LOC", "القاهرة"),
    ("وصل الوفد إلى بيروت قادما من عمان بعد زيارة دامت يومين", "LOC", "بيروت"),
]


@pytest.mark.parametrize(("text", "label", "word"), TAGGED)
def test_model_tags_written_sentences(nlp, text, label, word):
    ents = [(e.label_, e.text) for e in nlp(text).ents]
    assert any(lab == label and word in ent for lab, ent in ents), ents


def test_no_entity_in_a_sentence_without_names(nlp):
    assert list(nlp("واستفاد من الفحوصات عدد كبير من المرضى خلال يومين").ents) == []


def test_meta_carries_scores_and_sources(nlp):
    meta = json.loads((MODEL / "meta.json").read_text(encoding="utf-8"))
    test = meta["evaluation"]["anercorp_camel_test"]["entities"]
    assert set(test) >= {"ALL", "ORG", "PER", "LOC"}
    assert all(0 < row["f"] <= 100 for row in test.values())
    assert all(src["license"] for src in meta["sources"])
    assert meta["training_data"]["test_sentences_in_train_or_dev"] == 0


# ------------------------------------------------------------------ the converter

@pytest.mark.parametrize(("tags", "spans"), [
    (["B-ORG", "I-ORG", "O", "B-LOC"], [(0, 2, "ORG"), (3, 4, "LOC")]),
    (["B_PER", "I_PER", "B_PER"], [(0, 2, "PER"), (2, 3, "PER")]),     # CAraNER underscores
    (["O", "I-LOC", "I-LOC"], [(1, 3, "LOC")]),                         # I- after O opens a span
    (["B-ORG", "I--ORG", "IO"], [(0, 2, "ORG")]),                       # AQMAR typos
    (["B-ORG", "I-LOC"], [(0, 1, "ORG"), (1, 2, "LOC")]),
])
def test_iob_spans(tags, spans):
    assert convert.iob_spans(tags) == spans


def test_map_spans_keeps_the_outer_layer_and_drops_other_types():
    spans = [(0, 3, "ORG"), (2, 3, "GPE"), (4, 5, "DATE"), (6, 7, "FAC")]
    assert convert.map_spans(spans, convert.LABEL_MAPS["wojood"]) == [(0, 3, "ORG"), (6, 7, convert.MISSING)]


@pytest.mark.parametrize(("words", "glued"), [
    ("و تعتبر مدينة فاس عاصمة ها", ["وتعتبر", "مدينة", "فاس", "عاصمتها"]),
    ("ف ل ه 800 و ل الجمعية", ["فله", "800", "وللجمعية"]),
    ("قال ، و 12 مستفيدا", ["قال", "،", "و", "12", "مستفيدا"]),
])
def test_glue_clitics(words, glued):
    ws = words.split()
    assert convert.glue_clitics(ws, ["O"] * len(ws))[0] == glued


def test_glued_word_keeps_the_stem_tag():
    assert convert.glue_clitics(["ب", "مراكش"], ["O", "B-LOC"]) == (["بمراكش"], ["B-LOC"])


def test_alef_restorer_prefers_the_common_spelling():
    restore = convert.alef_restorer(convert.Counter({"أفريقيا": 5, "افريقيا": 1, "أن": 1, "ان": 9}))
    assert restore == {"افريقيا": "أفريقيا"}


@pytest.mark.parametrize(("text", "name", "found"), [
    ("نظمت جمعية الوفاء قافلة بمراكش وأخرى في مراكش", "مراكش", ["بمراكش", "مراكش"]),
    ("شكر المتحدث للجمعية المغربية دعمها", "الجمعية المغربية", ["للجمعية المغربية"]),
    ("وأشرفت مندوبية الصحة على الحملة", "مندوبيه الصحه", ["مندوبية الصحة"]),
    ("زار الوفد مراكشية قديمة", "مراكش", []),
])
def test_find_mentions(text, name, found):
    assert [text[s:e] for s, e in convert.find_mentions(text, [name])] == found


def test_article_spans_prefers_the_main_name_and_marks_optional_as_missing():
    text = "نظمت مديرية الصحة بالمنيا قافلة في قاعة الأفراح وحضرها سمير حنا"
    entities = {
        "ORG": [{"name": "مديرية الصحة", "alt": ["مديرية الصحة بالمنيا"]}],
        "PER": [{"name": "سمير حنا"}],
        "LOC": [{"name": "المنيا"}],
        "optional": ["قاعة الأفراح"],
    }
    ents, missing = convert.article_spans(text, entities)
    assert [(text[s:e], label) for s, e, label in ents] == [
        ("مديرية الصحة", "ORG"), ("بالمنيا", "LOC"), ("سمير حنا", "PER")]
    assert [text[s:e] for s, e in missing] == ["قاعة الأفراح"]


def test_drop_leaks_removes_near_copies_of_test_sentences():
    test = "قال المتحدث باسم الوزارة إن الاجتماع سيعقد في العاصمة يوم الخميس المقبل"
    near = "وقال المتحدث باسم الوزارة إن الاجتماع سيعقد في العاصمة غدا"
    other = "افتتح المعرض الدولي للكتاب أبوابه أمام الزوار صباح اليوم في المدينة"
    shingles = convert.shingles(convert.sentence_key(test.split()))
    sents = [convert.Sentence(s.split(), [], "x") for s in (near, other)]
    kept, dropped = convert.drop_leaks(sents, shingles)
    assert dropped == 1 and kept[0].words == other.split()
