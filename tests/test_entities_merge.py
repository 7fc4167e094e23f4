"""Merge: proclitic and title stripping, NER spans, grouping into entities, back-references, the spaCy component.

Sentences are written for these tests; organisations and people are invented.
"""

from __future__ import annotations

import pytest
import spacy

from civic_extract import schema
from civic_extract.entities import find_entities, find_entities_and_references
from civic_extract.entities.gazetteer import default_gazetteer
from civic_extract.entities.merge import _close, _same_person, clean_span, resolve
from civic_extract.entities.rules import default_rules
from civic_extract.entities.ruler import Candidate
from civic_extract.normalise import normalise


def names(text: str, label: str, ner=None) -> list[str]:
    return [e.name for e in find_entities(text, ner) if e.label == label]


def span_of(text: str, part: str) -> tuple[int, int]:
    i = text.index(part)
    return i, i + len(part)


@pytest.mark.parametrize("text, place", [
    ("انطلقت القافلة بمراكش", "مراكش"),
    ("انتقل الفريق إلى تنغير وورزازات", "ورزازات"),
    ("وصل الوفد إلى وجدة", "وجدة"),
    ("شارك متطوعون من الرباط وفاس", "فاس"),
    ("تبرع سكان للرباط بالدم", "الرباط"),
])
def test_proclitics_are_stripped_from_places(text, place):
    assert place in names(text, "LOC")


@pytest.mark.parametrize("text, part, label, expected", [
    ("وصلت القافلة وورزازات صباحا", "وورزازات", "LOC", "ورزازات"),
    ("ثم وصلت إلى وجدة", "وجدة", "LOC", "وجدة"),
    ("وصرح السيد سمير الكتاني بأن", "السيد سمير الكتاني", "PER", "سمير الكتاني"),
    ("وقالت الدكتورة هند الريفي إن", "الدكتورة هند الريفي", "PER", "هند الريفي"),
    ("وأشار د. كمال الزين إلى", "د. كمال الزين", "PER", "كمال الزين"),
    ("بتعاون مع لجمعية البدر", "لجمعية البدر", "ORG", "جمعية البدر"),
])
def test_ner_spans_are_cleaned(text, part, label, expected):
    s, e = span_of(text, part)
    assert expected in names(text, label, [(s, e, label)])


def test_ner_back_reference_is_not_an_entity():
    text = "وأكدت الجمعية استمرار العمل"
    s, e = span_of(text, "الجمعية")
    assert names(text, "ORG", [(s, e, "ORG")]) == []


@pytest.mark.parametrize("label", ["PERS", "GPE"])
def test_anercorp_labels_are_mapped(label):
    text = "التقى زياد القباني بوفد من طنجة"
    part = "زياد القباني" if label == "PERS" else "طنجة"
    s, e = span_of(text, part)
    ents = find_entities(text, [(s, e, label)])
    assert any(x.name == part for x in ents)


def test_ner_adds_names_rules_miss():
    text = "فاز نادي الأمل على فريق الساحل بفضل هدف للاعب زكرياء بنعمر"
    s, e = span_of(text, "فريق الساحل")
    assert "فريق الساحل" in names(text, "ORG", [(s, e, "ORG")])
    assert "فريق الساحل" not in names(text, "ORG")


def test_rule_span_wins_over_a_clashing_ner_span():
    text = "نظمت جمعية الأفق للتنمية قافلة"
    s, e = span_of(text, "الأفق للتنمية قافلة")
    assert names(text, "ORG", [(s, e, "ORG")]) == ["جمعية الأفق للتنمية"]


def test_mentions_are_grouped_with_offsets_and_alt():
    text = "نظمت جمعية الأفق للتنمية القروية قافلة. وأكد رئيس جمعية الأفق أن القافلة نجحت، وشكرت جمعية الأفق للتنمية القروية المتطوعين."
    [org] = [e for e in find_entities(text) if e.label == "ORG"]
    assert org.name == "جمعية الأفق للتنمية القروية"
    assert "جمعية الأفق" in org.alt
    assert len(org.offsets) == 3
    assert all(text[s:e].startswith("جمعية الأفق") for s, e in org.offsets)


def test_person_variants_are_one_entity():
    text = "حضر السيد عبد الحميد الوزاني اللقاء. وقال السيد عبدالحميد الوزاني إن الحملة ناجحة. وختم الوزاني كلمته."
    people = [e for e in find_entities(text) if e.label == "PER"]
    assert len(people) == 1
    assert len(people[0].offsets) >= 2


@pytest.mark.parametrize("a, b, same", [
    ("لمياء الشاكري", "لمياء الشاكيري", True),
    ("حميد اوبلا", "حميد اوبلاو", True),
    ("ادريس امزيل", "امزيل ادريس", True),
    ("عبد الحميد بوطالب", "عبدالحميد بوطالب", True),
    ("محمد العلوي", "محمد الفاسي", False),
])
def test_same_person(a, b, same):
    assert _same_person(a, b) is same


def test_close_is_one_edit():
    assert _close("شاكري", "شاكيري") and not _close("شاكري", "بوكري")


def test_places_carry_the_gazetteer_record():
    text = "انطلقت الحملة من إقليم تارودانت نحو جماعة إغرم"
    places = {e.name: e.place for e in find_entities(text) if e.label == "LOC"}
    assert places["تارودانت"]["level"] in ("province", "commune")
    assert places["إغرم"]["name_ar"] == "إيغرم"
    assert places["إغرم"]["country"] == "MA"


def test_offsets_point_into_the_original_text_with_diacritics():
    text = "نَظّمت جمعيةُ الأفقِ للتنمية قافلةً بمدينةِ فاس"
    for e in find_entities(text):
        for s, t in e.offsets:
            assert normalise(text[s:t]).text == normalise(e.text).text


def test_back_references_point_to_the_nearest_named_entity():
    text = "نظمت مندوبية الصحة بالحوز ومؤسسة النخيل للتنمية قافلة طبية. وأكدت المؤسسة أن المندوبية وفرت الأطر."
    ents, refs = find_entities_and_references(text)
    assert {e.name for e in ents if e.label == "ORG"} == {"مندوبية الصحة", "مؤسسة النخيل للتنمية"}
    by_text = {r.text: r.refers_to for r in refs}
    assert by_text["المؤسسة"] == "مؤسسة النخيل للتنمية"
    assert by_text["المندوبية"] == "مندوبية الصحة"


def test_acting_commune_is_org_and_place():
    text = "وقعت جمعية السلام للتنمية وجماعة تالوين اتفاقية شراكة"
    ents = find_entities(text)
    assert ("ORG", "جماعة تالوين") in {(e.label, e.name) for e in ents}
    assert ("LOC", "تالوين") in {(e.label, e.name) for e in ents}


def test_resolve_keeps_places_nested_in_org_names_by_rule_only():
    org = Candidate("ORG", 0, 30, "org.head.council+chain", 0.9)
    nested = Candidate("LOC", 20, 28, "org.genitive_place", 0.85)
    bare = Candidate("LOC", 10, 15, "gazetteer.high", 0.7)
    kept = resolve([org, nested, bare])
    assert org in kept and nested in kept and bare not in kept


def test_clean_span_strips_title_and_clitic():
    text = "والسيدة نجاة البقالي"
    norm = normalise(text)
    c = clean_span("PER", 0, len(text), norm, default_rules(), default_gazetteer())
    assert norm.text[c.start:c.end] == "نجاه البقالي"


def test_entities_are_schema_items():
    ents = find_entities("نظمت جمعية الأفق للتنمية قافلة بمدينة فاس")
    assert all(isinstance(e, schema.Entity) and e.why and e.offsets for e in ents)
    assert find_entities("") == []


# -- spaCy components ---------------------------------------------------------------

@pytest.fixture(scope="module")
def entity_nlp():
    nlp = spacy.blank("ar")
    nlp.add_pipe("civic_entity_ruler")
    nlp.add_pipe("civic_place_linker")
    nlp.add_pipe("civic_entities")
    return nlp


def test_components_set_entities_and_span_groups(entity_nlp):
    text = "نظمت جمعية الأفق للتنمية قافلة بمدينة فاس بحضور السيد كريم الصبار"
    doc = entity_nlp(text)
    assert [(e.label, e.name) for e in doc._.entities] == [
        ("ORG", "جمعية الأفق للتنمية"), ("LOC", "فاس"), ("PER", "كريم الصبار")]
    assert {s.label_ for s in doc.spans["civic_entities"]} == {"ORG", "LOC", "PER"}
    loc = [s for s in doc.spans["civic_entities"] if s.label_ == "LOC"][0]
    assert loc._.place["name_latin"].startswith("F")
    assert doc._.entities == find_entities(text)


def test_merge_component_reads_doc_ents():
    nlp = spacy.blank("ar")
    merger = nlp.add_pipe("civic_entities")
    doc = nlp.make_doc("فاز فريق الساحل باللقب")
    doc.ents = [doc.char_span(4, 15, label="ORG")]
    doc = merger(doc)
    assert [(e.label, e.name) for e in doc._.entities] == [("ORG", "فريق الساحل")]
