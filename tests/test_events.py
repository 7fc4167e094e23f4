"""Events: team-written articles with their entities, dates and figures given, checked slot by slot."""

import pytest
import regex

from civic_extract.events import assemble_events, find_triggers, sentence_spans
from civic_extract.normalise import normalise
from civic_extract.schema import DateValue, Entity, Figure


def at(text: str, s: str, nth: int = 0) -> list[int]:
    starts = [m.start() for m in regex.finditer(regex.escape(s), text)]
    return [starts[nth], starts[nth] + len(s)]


def ent(text: str, label: str, name: str, *surfaces: str) -> Entity:
    offs = [at(text, x) for x in (surfaces or (name,))]
    return Entity(label=label, name=name, text=text[offs[0][0]:offs[0][1]], offsets=offs)


def date(text: str, surface: str, start: str, end: str | None = None, precision: str = "day") -> DateValue:
    return DateValue(surface, start, end or start, precision, "gregorian", [at(text, surface)], "test")


def fig(text: str, surface: str, value: int, category: str) -> Figure:
    return Figure(surface, value, category, "exact", [at(text, surface)], "test")


ONE = ("نظمت جمعية النخلة للتنمية، بشراكة مع المندوبية الإقليمية للصحة بتنغير وبتعاون مع جماعة ألنيف، "
       "يوم الأحد 9 مارس 2025، قافلة طبية متعددة التخصصات بجماعة ألنيف. واستفاد من القافلة 820 مستفيدا. "
       "وقال رئيس الجمعية إن الجمعية تنظم هذه القوافل منذ 2015 واستفاد منها في المجموع 9000 شخص.")


def one_event():
    t = ONE
    ents = [ent(t, "ORG", "جمعية النخلة للتنمية"), ent(t, "ORG", "المندوبية الإقليمية للصحة"),
            ent(t, "ORG", "جماعة ألنيف"), ent(t, "LOC", "تنغير"), ent(t, "LOC", "ألنيف", "بجماعة ألنيف")]
    ents[-1].offsets = [[at(t, "بجماعة ألنيف")[0] + 7, at(t, "بجماعة ألنيف")[1]]]
    ents[3].place, ents[4].place = {"level": "province"}, {"level": "commune"}
    dates = [date(t, "يوم الأحد 9 مارس 2025", "2025-03-09"), date(t, "2015", "2015", precision="year")]
    figs = [fig(t, "820 مستفيدا", 820, "beneficiaries"), fig(t, "9000 شخص", 9000, "beneficiaries")]
    return assemble_events(t, ents, dates, figs)


def test_one_event_with_organiser_partners_and_beneficiaries():
    [e] = one_event()
    assert e.type == "medical_caravan"
    assert (e.date_start, e.date_end) == ("2025-03-09", "2025-03-09")
    assert [o.name for o in e.organizers] == ["جمعية النخلة للتنمية"]
    assert [p.name for p in e.partners] == ["المندوبية الإقليمية للصحة", "جماعة ألنيف"]
    assert [p.name for p in e.places] == ["ألنيف", "تنغير"], "most specific place first"
    assert e.beneficiaries.value == 820, "the 9000 total over years is not this event's"
    assert ONE[e.trigger.offsets[0][0]:e.trigger.offsets[0][1]].startswith("قافلة طبية")
    assert all(s.why for s in e.organizers + e.partners + e.places) and e.beneficiaries.why


STATIONS = ("أطلقت جمعية القلب الرحيم حملة للتبرع بالدم بإقليم سطات. وانطلقت المحطة الأولى يوم السبت 4 أكتوبر 2025 "
            "بمدينة برشيد حيث سجلت 120 متبرعا، فيما حطت المحطة الثانية يوم الأحد 5 أكتوبر 2025 بمدينة سطات، "
            "ثم اختتمت الحملة يوم الاثنين 6 أكتوبر 2025 بجماعة البروج.")


def test_one_drive_at_three_stations_is_three_events():
    t = STATIONS
    ents = [ent(t, "ORG", "جمعية القلب الرحيم"), ent(t, "LOC", "سطات", "سطات"), ent(t, "LOC", "برشيد"), ent(t, "LOC", "البروج")]
    ents[1].offsets = [at(t, "سطات", 0), at(t, "سطات", 1)]
    dates = [date(t, "يوم السبت 4 أكتوبر 2025", "2025-10-04"), date(t, "يوم الأحد 5 أكتوبر 2025", "2025-10-05"),
             date(t, "يوم الاثنين 6 أكتوبر 2025", "2025-10-06")]
    evs = assemble_events(t, ents, dates, [fig(t, "120 متبرعا", 120, "donors")])
    assert [e.type for e in evs] == ["blood_drive"] * 3
    assert [e.date_start for e in evs] == ["2025-10-04", "2025-10-05", "2025-10-06"]
    assert [[p.name for p in e.places][0] for e in evs] == ["برشيد", "سطات", "البروج"]
    assert all([o.name for o in e.organizers] == ["جمعية القلب الرحيم"] for e in evs)


SEVERAL = ("في 12 يناير 2025 احتضنت بلدة الطفيلة يوما طبيا مجانيا نظمته جمعية الرحمة الطبية واستفاد منه 300 مراجع. "
           "وفي 20 فبراير 2025 نظمت الجمعية يوما طبيا آخر في الكرك استفاد منه 410 مراجعين.")


def test_two_events_with_their_own_dates_places_and_counts_and_coreference():
    t = SEVERAL
    ents = [ent(t, "ORG", "جمعية الرحمة الطبية"), ent(t, "LOC", "الطفيلة"), ent(t, "LOC", "الكرك")]
    dates = [date(t, "12 يناير 2025", "2025-01-12"), date(t, "20 فبراير 2025", "2025-02-20")]
    figs = [fig(t, "300 مراجع", 300, "beneficiaries"), fig(t, "410 مراجعين", 410, "beneficiaries")]
    evs = assemble_events(t, ents, dates, figs)
    assert [(e.date_start, [p.name for p in e.places], e.beneficiaries.value) for e in evs] == [
        ("2025-01-12", ["الطفيلة"], 300), ("2025-02-20", ["الكرك"], 410)]
    second = evs[1].organizers[0]
    assert second.name == "جمعية الرحمة الطبية"
    assert t[second.offsets[0][0]:second.offsets[0][1]] == "الجمعية", "الجمعية resolves to the named association"


@pytest.mark.parametrize(
    "text",
    [
        "دعا المركز الوطني لتحاقن الدم المواطنين إلى الإقبال على التبرع بالدم بسبب نقص في مخزون الدم.",
        "سجلت بورصة الدار البيضاء ارتفاعا بنسبة 2 في المائة خلال تداولات يوم الثلاثاء.",
        "تنظم الجمعيات قوافل طبية بشكل دوري في المناطق الجبلية.",
    ],
)
def test_no_event(text):
    assert assemble_events(text, [], [], []) == []


@pytest.mark.parametrize(
    "text,type_",
    [
        ("وقعت المندوبية ومؤسسة الأمل اتفاقية شراكة لدعم المراكز الصحية.", "partnership_agreement"),
        ("نظمت الجمعية حملة للكشف المبكر عن داء السكري بالمدارس.", "health_campaign"),
        ("وزعت جمعية البر 500 قفة رمضانية على الأسر المعوزة.", "donation_drive"),
        ("احتضنت الكلية يوما دراسيا حول التطوع الصحي.", "health_forum"),
        ("نظمت جمعية الوفاء حملة طبية مجانية لفائدة ساكنة الدواوير.", "medical_caravan"),
        ("أطلقت الجمعية حملتها السنوية للتبرع بالدم.", "blood_drive"),
        ("نظمت الجمعية حفل ختان جماعي لفائدة 60 طفلا.", "medical_caravan"),
    ],
)
def test_trigger_types(text, type_):
    [e] = assemble_events(text, [], [], [])
    assert e.type == type_


def test_seminar_inside_caravan_is_part_of_it():
    t = "نظمت جمعية الشروق قافلة طبية بمدينة الرشيدية، وعلى هامش القافلة عقد الأطباء ندوة حول الأدوية."
    assert [e.type for e in assemble_events(t, [], [], [])] == ["medical_caravan"]


def test_find_triggers_offsets_point_into_original():
    t = "نظّمت الجمعيّة قافلةً طبيّة."
    [trig] = find_triggers(normalise(t))
    assert t[trig.start:trig.end] == "قافلةً طبيّة"


def test_sentence_spans():
    t = "جملة أولى. جملة ثانية؟\nسطر ثالث"
    assert [t[s:e].strip() for s, e in sentence_spans(t)] == ["جملة أولى.", "جملة ثانية؟", "سطر ثالث"]


def test_until_closes_the_period_instead_of_opening_a_station():
    t = ("انطلقت يوم الاثنين 10 مارس 2025 حملة للتبرع بالدم تنظمها جمعية نبض بمدينة طنجة، "
         "وتستمر حتى الخميس 13 مارس 2025 بمقر الجمعية بمدينة طنجة.")
    ents = [ent(t, "ORG", "جمعية نبض"), ent(t, "LOC", "طنجة")]
    ents[1].offsets = [at(t, "طنجة", 0), at(t, "طنجة", 1)]
    dates = [date(t, "يوم الاثنين 10 مارس 2025", "2025-03-10"), date(t, "الخميس 13 مارس 2025", "2025-03-13")]
    [e] = assemble_events(t, ents, dates, [])
    assert (e.date_start, e.date_end) == ("2025-03-10", "2025-03-13")


@pytest.mark.parametrize(
    "text,types",
    [
        ("نظمت جمعية النور قافلة طبية بمدينة زاكورة، وعرفت بالموازاة معها حملة للكشف عن ضغط الدم.", ["medical_caravan"]),
        ("احتضنت جماعة سيدي رحال المحطة الخامسة من القوافل الطبية لجمعية الغد.", ["medical_caravan"]),
        ("أطلقت الرابطة في إطار اتفاقية التعاون التي تجمعها بالمستشفى الجامعي حملة تحسيسية بمدينة وزان.", ["health_campaign"]),
        ("منذ تأسيسها سنة 2012 نظمت الجمعية قافلة طبية كل سنة في المناطق الجبلية.", []),
    ],
)
def test_grouping_rules(text, types):
    dates = [date(text, "2012", "2012", precision="year")] if "2012" in text else []
    assert [e.type for e in assemble_events(text, [], dates, [])] == types


def test_document_date_is_not_the_event_date():
    t = ("وقعت جمعية الرحمة ومندوبية الصحة بالعرائش يوم الثلاثاء 16 يوليوز 2024 اتفاقية شراكة، "
         "طبقا لمقتضيات المرسوم الصادر بتاريخ 2 دجنبر 2019.")
    dates = [date(t, "يوم الثلاثاء 16 يوليوز 2024", "2024-07-16"), date(t, "2 دجنبر 2019", "2019-12-02")]
    [e] = assemble_events(t, [], dates[::-1], [])
    assert e.date_start == "2024-07-16"
