"""Rule patterns of the entity ruler: parametrised sentences (written for these tests) and the component's disk round trip.

Organisations and people here are invented; places are real.
"""

from __future__ import annotations

import pytest
import spacy

from civic_extract.entities.ruler import EntityRuler, find_candidates
from civic_extract.entities.rules import default_patterns


def spans(text: str, label: str, generic: bool = False) -> list[str]:
    norm, cands = find_candidates(text)
    out = []
    for c in cands:
        if c.label == label and c.generic == generic:
            s, e = norm.span(c.start, c.end)
            out.append(("ا" if c.restore_alef else "") + text[s:e])
    return out


@pytest.mark.parametrize("text, org", [
    ("نظمت جمعية النور للتنمية المستدامة بإقليم تارودانت قافلة طبية", "جمعية النور للتنمية المستدامة"),
    ("وقعت مندوبية وزارة الصحة والحماية الاجتماعية بإقليم أزيلال اتفاقية شراكة", "مندوبية وزارة الصحة والحماية الاجتماعية"),
    ("بشراكة مع المجلس الجماعي لعين الشقف", "المجلس الجماعي لعين الشقف"),
    ("أشرفت المديرية الجهوية للصحة بجهة الشرق على الحملة", "المديرية الجهوية للصحة"),
    ("تبرع المواطنون لفائدة الوكالة الوطنية للدم ومشتقاته بالرباط", "الوكالة الوطنية للدم ومشتقاته"),
    ("أطلقت جمعية واحة الأمل قافلة", "جمعية واحة الأمل"),
    ("حضر ممثل الاتحاد الجهوي للمسعفين المتطوعين و المهنيين، وقد", "الاتحاد الجهوي للمسعفين المتطوعين و المهنيين"),
    ("احتضن مستشفى الأمير سلطان بالرياض اللقاء", "مستشفى الأمير سلطان"),
    ("قدمت جمعية نسيم بلدتي للتنمية المندمجة، بدورها، الدعم", "جمعية نسيم بلدتي للتنمية المندمجة"),
    ("شاركت الجمعية الليبية للمكفوفين بصريا في اللقاء", "الجمعية الليبية للمكفوفين بصريا"),
    ("نظمت جمعية “سنابل العطاء” حملة", "جمعية “سنابل العطاء"),
    ('أعلنت جمعية النهضة "يد في يد" عن برنامجها', 'جمعية النهضة "يد في يد'),
    ("ساهمت جمعية Les Amis du Coeur في الحملة", "جمعية Les Amis du Coeur"),
    ("تسلم المستشفى دعما من الهلال الأحمر القطري", "الهلال الأحمر القطري"),
    ("تنظم كلية الطب بوجدة يوما دراسيا", "كلية الطب"),
])
def test_org_head_and_chain(text, org):
    assert org in spans(text, "ORG")


@pytest.mark.parametrize("text, not_org", [
    ("استفاد المرضى من خدمات مركز صحي قريب", "مركز صحي"),
    ("تأسست جمعية خيرية جديدة", "جمعية خيرية"),
    ("أعلنت مؤسسة الإحسان الخيرية بالدار البيضاء عن حملة", "مؤسسة الإحسان الخيرية بالدار البيضاء"),
    ("وشدد رئيس مجلس إدارة المؤسسة على أهمية التطوع", "مجلس إدارة المؤسسة"),
    ("نظمت جمعية الفجر قافلة طبية", "جمعية الفجر قافلة"),
    ("أعلنت وزارة الصحة بأنه سيتم توزيع اللقاحات", "وزارة الصحة بأنه"),
])
def test_org_chain_stops(text, not_org):
    assert not_org not in spans(text, "ORG")


@pytest.mark.parametrize("text, backref", [
    ("وأكدت الجمعية أن القافلة ستتكرر", "الجمعية"),
    ("وضعت المندوبية المذكورة المركز رهن الإشارة", "المندوبية"),
    ("وقدمت المديرية الجهوية، من جهتها، الدعم", "المديرية الجهوية"),
])
def test_definite_head_alone_is_a_back_reference(text, backref):
    assert backref in spans(text, "ORG", generic=True)
    assert backref not in spans(text, "ORG")


def test_latin_bullet_list_and_acronym():
    text = "ساهمت المختبرات التالية:\n– Pharma Nova.\n– BioLab Maroc.\nبتنسيق مع منظمة OMS"
    orgs = spans(text, "ORG")
    assert "Pharma Nova" in orgs and "BioLab Maroc" in orgs and "OMS" in orgs


@pytest.mark.parametrize("text, person", [
    ("وبحضور السيد كريم الفاسي عامل الإقليم", "كريم الفاسي"),
    ("صرحت الدكتورة سلمى بنعلي، رئيسة الجمعية، بأن", "سلمى بنعلي"),
    ("وأوضح د.يوسف العلوي أن الحملة ناجحة", "يوسف العلوي"),
    ("وأوضح د. يوسف العلوي أن الحملة ناجحة", "يوسف العلوي"),
    ("رئيس التعاونية السيد الحاج مصطفى بوزيد وقد حضر", "مصطفى بوزيد"),
    ("وقال رئيس الجمعية، هشام العمراني، إن القافلة", "هشام العمراني"),
    ("• البروفيسور رشيد التازي – أستاذ الجراحة", "رشيد التازي"),
    ("- سناء الإدريسي – منسقة البرنامج", "سناء الإدريسي"),
    ("حضرت السيدة نعيمة الصافي والسيدة خديجة الوزاني", "خديجة الوزاني"),
    ("حضر التوقيع كل من عامل الإقليم وكريم الصبار نائب الرئيس", "كريم الصبار"),
    ("واختتم الأستاذ أحمد سعيد الكتاني رئيس الجمعية اللقاء", "أحمد سعيد الكتاني"),
    ("حضر السيد الحاج حسن نايت بلقاسم الرئيس الشرفي", "حسن نايت بلقاسم"),
    ("صرح طارق الحداد، الممرض الرئيسي، أن", "طارق الحداد"),
    ("رشيد بنمنصور\n\nنظمت جمعية الوفاء حملة", "رشيد بنمنصور"),
])
def test_person_names_without_titles(text, person):
    assert person in spans(text, "PER")


@pytest.mark.parametrize("text, wrong", [
    ("وأوضحت الدكتورة لبنى الشرقاوي التدخل السريع", "لبنى الشرقاوي التدخل"),
    ("حضر السيد مصطفى الوردي", "السيد مصطفى الوردي"),
    ("بمستشفى محمد السادس", "محمد السادس"),
    ("وأكد الطبيب المداوم أن", "المداوم"),
    ("ساهم محمود الطاهري بتمريرة لينهي اللقاء", "محمود الطاهري بتمريرة"),
])
def test_person_names_stop_and_titles_are_stripped(text, wrong):
    assert wrong not in spans(text, "PER")


@pytest.mark.parametrize("text, place", [
    ("انطلقت القافلة بمدينة مراكش", "مراكش"),
    ("في دوار آيت بوزيد بإقليم أزيلال", "آيت بوزيد"),
    ("في دوار آيت بوزيد بإقليم أزيلال", "أزيلال"),
    ("استفاد سكان إقليمأزيلال من القافلة", "أزيلال"),
    ("وصلت القافلة إلى تنغير وورزازات", "ورزازات"),
    ("انطلقت الحملة من وجدة", "وجدة"),
    ("بجماعة إغرم", "إغرم"),
    ("أمطار بأقاليم إفران، وصفرو، وتاونات", "صفرو"),
    ("أمطار بأقاليم إفران، وصفرو، وتاونات", "تاونات"),
    ("زارت القافلة تالوين، وتافراوت، وطاطا", "تافراوت"),
    ("جرت الحملة في المغرب وتونس", "تونس"),
    ("بجهة درعة-تافيلالت", "درعة-تافيلالت"),
    ("في مدينة الدارالبيضاء", "الدارالبيضاء"),
    ("بتعاون مع جماعة تيزي نتاست", "تيزي نتاست"),
    ("في حي المسيرة بمدينة العيون", "العيون"),
])
def test_places(text, place):
    assert place in spans(text, "LOC")


@pytest.mark.parametrize("text, wrong", [
    ("خدمات في طب العيون وأمراض القلب", "العيون"),
    ("من أجل تحسين الخدمات", "أجل"),
    ("وتعرف الجهة نقصا حادا", "نقصا"),
    ("يقيمون داخل مناطق نفوذ العمالة", "نفوذ"),
    ("الدعم المالي للجمعية", "مالي"),
])
def test_not_places(text, wrong):
    assert wrong not in spans(text, "LOC")


@pytest.mark.parametrize("text, acting", [
    ("نظمت جماعة تافراوت بشراكة مع جمعية محلية قافلة", "جماعة تافراوت"),
    ("وقعت جمعية النخيل وجماعة تالوين اتفاقية", "جماعة تالوين"),
])
def test_commune_acting_is_also_an_org(text, acting):
    assert acting in spans(text, "ORG")


def test_commune_as_venue_is_only_a_place():
    text = "عرفت جماعة تالوين تنظيم يوم طبي"
    assert "جماعة تالوين" not in spans(text, "ORG")
    assert "تالوين" in spans(text, "LOC")


# -- component ---------------------------------------------------------------------

def test_component_writes_span_group_with_why():
    nlp = spacy.blank("ar")
    nlp.add_pipe("civic_entity_ruler")
    doc = nlp("نظمت جمعية النور للتنمية قافلة بمدينة مراكش")
    labels = {(s.label_, s.text) for s in doc.spans["civic_rules"]}
    assert ("ORG", "جمعية النور للتنمية") in labels
    assert ("LOC", "مراكش") in labels
    assert all(s._.why for s in doc.spans["civic_rules"])


def test_initialize_with_patterns_adds_a_head_word():
    nlp = spacy.blank("ar")
    ruler = nlp.add_pipe("civic_entity_ruler")
    text = "نظمت عصبة الأمل للإغاثة حملة"
    before = nlp(text)
    assert "عصبة الأمل للإغاثة" not in [s.text for s in before.spans["civic_rules"]]
    extra = {"label": "ORG", "pattern": "عصبة", "id": "org.head.test", "kind": "org_head", "strength": "strong"}
    ruler.initialize(patterns=list(default_patterns()) + [extra])
    after = nlp(text)
    assert "عصبة الأمل للإغاثة" in [s.text for s in after.spans["civic_rules"]]


def test_ruler_round_trip_to_and_from_disk(tmp_path):
    nlp = spacy.blank("ar")
    ruler = nlp.add_pipe("civic_entity_ruler", config={"spans_key": "rules_here"})
    extra = {"label": "ORG", "pattern": "عصبة", "id": "org.head.test", "kind": "org_head", "strength": "strong"}
    ruler.add_patterns([extra])
    nlp.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "civic_entity_ruler" / "patterns.jsonl").exists()
    nlp2 = spacy.load(tmp_path / "pipe")
    ruler2 = nlp2.get_pipe("civic_entity_ruler")
    assert isinstance(ruler2, EntityRuler)
    assert ruler2.patterns == ruler.patterns
    text = "نظمت عصبة الأمل للإغاثة حملة بمدينة فاس"
    doc1, doc2 = nlp(text), nlp2(text)
    got = [(s.label_, s.text) for s in doc2.spans["rules_here"]]
    assert got == [(s.label_, s.text) for s in doc1.spans["rules_here"]]
    assert ("ORG", "عصبة الأمل للإغاثة") in got


def test_ruler_round_trip_through_bytes():
    nlp = spacy.blank("ar")
    ruler = nlp.add_pipe("civic_entity_ruler")
    other = EntityRuler(nlp).from_bytes(ruler.to_bytes())
    assert other.patterns == ruler.patterns
    assert other.rules.lexicon == ruler.rules.lexicon


def whys(text: str, label: str) -> list[tuple[str, str]]:
    norm, cands = find_candidates(text)
    return [(norm.text[c.start:c.end], c.why) for c in cands if c.label == label]


@pytest.mark.parametrize("text, place, why", [
    # A trigger word typed without its space (the split is found from the trigger's first letters).
    ("نظمت جمعية الأمل قافلة طبية بإقليمأزيلال لفائدة الساكنة", "ازيلال", "loc.glued_trigger"),
    ("حلت القافلة بإقليمطاطا صباحا", "طاطا", "loc.glued_trigger"),
    # Towns of a list that holds a known place.
    ("وتوزعت المحطات على تالوين، وإغرم، وورزازات حسب البرنامج", "تالوين", "loc.list"),
    ("وتوزعت المحطات على تالوين، وإغرم، وورزازات حسب البرنامج", "اغرم", "loc.list"),
    # Salient places anywhere.
    ("وصلت الفرق إلى مراكش، وآسفي، وأزيلال", "اسفي", "gazetteer.high"),
])
def test_place_rules(text, place, why):
    assert (place, why) in whys(text, "LOC")


def test_word_readings_cache_matches_direct_readings(monkeypatch):
    from civic_extract.entities import ruler
    from civic_extract.entities.gazetteer import default_gazetteer
    from civic_extract.entities.rules import default_rules
    from civic_extract.entities.tokens import readings

    rules, prefixes = default_rules(), default_gazetteer().key_prefixes
    # Normalised words, as the scan sees them.
    words = ["وبالمدينه", None, "لجمعيه", "بمراكش", "وجده", "لجمعيه", "كتاب", None, "باقليم"]
    expected = [((), ()) if w is None else (tuple(r for r in readings(w) if r[1] in rules.first_words),
                                             tuple(r for r in readings(w) if r[1] in prefixes)) for w in words]
    monkeypatch.setattr(ruler, "_WORD_TABLE_SIZE", 2)  # the table is emptied again and again
    for _ in range(2):
        assert ruler._word_readings(words, rules.first_words, prefixes) == expected
    assert any(h for h, _ in expected) and any(p for _, p in expected)
