"""The trained NER as an optional stage: loads the shipped model, passes multi-word spans to the merge."""

import pytest
import spacy

import civic_extract
from civic_extract.entities import ner

TEXT = "قال رئيس جمعية الأمل للتنمية محمد العلوي إن الجمعية نظمت قافلة طبية بمدينة تزنيت."


@pytest.fixture(scope="module")
def model_path():
    path = ner.shipped_model_path()
    if path is None:
        pytest.skip("the trained model is not installed with the package")
    return path


def test_optional_stage_runs_before_the_merge(model_path):
    nlp = civic_extract.load(enable=["civic_ner"])
    names = nlp.pipe_names
    assert names.index("civic_ner") == names.index("civic_entities") - 1
    rec = next(civic_extract.extract_many([TEXT], nlp=nlp))
    assert ("PER", "محمد العلوي") in [(e.label, e.name) for e in rec.entities]


def test_not_in_the_default_pipeline():
    assert "civic_ner" not in civic_extract.load().pipe_names


@pytest.mark.parametrize("min_words", [1, 2, 3])
def test_min_words_filters_short_spans(model_path, min_words):
    nlp = spacy.blank("ar", config={"nlp": {"tokenizer": {"@tokenizers": "civic_extract.tokenizer.v1"}}})
    nlp.add_pipe("civic_ner", config={"min_words": min_words})
    doc = nlp(TEXT)
    assert all(len(e.text.split()) >= min_words for e in doc.ents)
    assert all(e.label_ in ner.LABELS and e._.why == "ner" for e in doc.ents)


def test_pipe_equals_call(model_path):
    nlp = spacy.blank("ar", config={"nlp": {"tokenizer": {"@tokenizers": "civic_extract.tokenizer.v1"}}})
    comp = nlp.add_pipe("civic_ner", config={"min_words": 1})
    one = [(e.start_char, e.end_char, e.label_) for e in comp(nlp.make_doc(TEXT)).ents]
    [piped] = list(comp.pipe([nlp.make_doc(TEXT)]))
    assert [(e.start_char, e.end_char, e.label_) for e in piped.ents] == one


def test_missing_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(ner, "shipped_model_path", lambda: None)
    nlp = spacy.blank("ar")
    with pytest.raises(FileNotFoundError, match="civic_ner"):
        nlp.add_pipe("civic_ner")
