"""Dates stage: the golden table, the finder's invariants, the Hijri adapter and the component."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from civic_extract import dates, hijri
from civic_extract.dates import find_dates, first_full_date
from civic_extract.schema import DateValue

GOLDEN = json.loads((Path(__file__).parent / "golden" / "dates.json").read_text(encoding="utf-8"))
ISO = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}


def _case_id(case: dict) -> str:
    return case["req"]["text"][:40]


@pytest.mark.parametrize("case", GOLDEN, ids=[_case_id(c) for c in GOLDEN])
def test_golden(case):
    req = case["req"]
    got = [{"text": d.text, "start": d.start, "end": d.end, "precision": d.precision}
           for d in find_dates(req["text"], req["published"])]
    assert got == case["res"]


def test_golden_table_is_large_and_has_negatives():
    assert len(GOLDEN) >= 150
    assert sum(1 for c in GOLDEN if not c["res"]) >= 30
    assert sum(1 for c in GOLDEN if c["req"]["published"]) >= 30


@pytest.mark.parametrize("case", GOLDEN, ids=[_case_id(c) for c in GOLDEN])
def test_items_are_well_formed(case):
    text, published = case["req"]["text"], case["req"]["published"]
    for d in find_dates(text, published):
        assert isinstance(d, DateValue)
        (start, end), = d.offsets
        assert text[start:end] == d.text
        assert re.fullmatch(ISO[d.precision], d.start) and re.fullmatch(ISO[d.precision], d.end)
        assert d.start <= d.end
        assert d.calendar in ("gregorian", "hijri", "relative")
        assert all(part in set(dates.iter_rules()) for part in re.split(r"\+|\.\.", d.rule))
        if published is None:
            assert d.calendar != "relative"


def test_offsets_map_back_through_normalisation():
    text = "أُقيمت الحمْلة يوم ١٤ فبرايـــر ٢٠٢٦ بمدينة سلا"
    (d,) = find_dates(text)
    assert d.text == "يوم ١٤ فبرايـــر ٢٠٢٦" and d.start == "2026-02-14"
    assert text[d.offsets[0][0]:d.offsets[0][1]] == d.text


def test_results_are_sorted_by_offset():
    text = "سنة 2019 ثم 5 ماي 2020 ثم في مارس 2021 ثم 12/03/2022"
    found = find_dates(text)
    assert [d.start for d in found] == ["2019", "2020-05-05", "2021-03", "2022-03-12"]
    assert [d.offsets[0][0] for d in found] == sorted(d.offsets[0][0] for d in found)


@pytest.mark.parametrize("text, expected", [
    ("نشر في الساحل يوم 17 - 09 - 2024", "2024-09-17"),
    ("حرر بتاريخ | 12/03/2024", "2024-03-12"),
    ("في الاثنين 5 يناير 2026 07:14 مساءً", "2026-01-05"),
    ("date 2026-01-05", "2026-01-05"),
    ("نشر بتاريخ: ١٩ تشرين الأول ٢٠٢٣", "2023-10-19"),
    ("2022-09-06T18:40:00+01:00", "2022-09-06"),
    ("فريق النشر14 مارس 2021آخر تحديث", "2021-03-14"),
    ("الخميس 1 جمادى الآخرة 1445هـ", "2023-12-14"),
    ("آخر تحديث: مارس 2024", None),  # a month is not a full date
    ("اليوم الثلاثاء", None),  # relative: the split stage has no publication date yet
    ("بقلم: سعاد الإدريسي", None),
])
def test_first_full_date(text, expected):
    assert first_full_date(text) == expected


def _every_month_name() -> list[tuple[str, int, bool]]:
    lex = dates.lexicon()
    greg = [(n, m, False) for m, names in lex.months.items() for n in names]
    return greg + [(n, m, True) for m, names in lex.hijri_months.items() for n in names]


@pytest.mark.parametrize("name, number, is_hijri", _every_month_name())
def test_every_month_name_is_read(name, number, is_hijri):
    year = 1445 if is_hijri else 2024
    (d,) = find_dates(f"نظمت الحملة يوم 9 {name} {year} بالمدينة")
    expected = hijri.to_gregorian(1445, number, 9) if is_hijri else date(2024, number, 9)
    assert d.start == d.end == expected.isoformat()


def test_without_publication_date_nothing_relative_is_emitted():
    text = "نظمت الجمعية أمس حملة، وتنظم غدا أخرى، يوم 3 أبريل الجاري، والأسبوع المقبل ثالثة، والعام الماضي رابعة."
    assert find_dates(text) == []
    assert len(find_dates(text, "2024-04-01")) == 5


def test_publication_date_may_carry_a_time():
    (d,) = find_dates("نظمت الجمعية أمس حملة", "2024-03-10T08:00:00+01:00")
    assert d.start == "2024-03-09"


def test_an_unreadable_publication_date_counts_as_unknown():
    assert find_dates("نظمت الجمعية أمس حملة", "غير معروف") == []


def test_patterns_data_is_consistent():
    spec = dates._data("patterns.json")
    names = [p["name"] for p in spec["patterns"]]
    assert len(names) == len(set(names))
    assert {p["kind"] for p in spec["patterns"]} <= set(dates.RESOLVERS)
    assert len(dates.patterns()) == len(names)


# ---------------------------------------------------------------- hijri.py


@pytest.mark.parametrize("hy, hm, hd, expected", [
    (1445, 6, 1, date(2023, 12, 14)),
    (1445, 9, 1, date(2024, 3, 11)),
    (1444, 12, 10, date(2023, 6, 28)),
    (1446, 1, 1, date(2024, 7, 7)),
])
def test_hijri_to_gregorian(hy, hm, hd, expected):
    assert hijri.to_gregorian(hy, hm, hd) == expected
    assert type(hijri.to_gregorian(hy, hm, hd)) is date


@pytest.mark.parametrize("hy, hm, hd", [(1200, 1, 1), (1445, 13, 1), (1445, 9, 31), (1445, 0, 1), (1600, 1, 1)])
def test_hijri_out_of_table_or_impossible_is_none(hy, hm, hd):
    assert hijri.to_gregorian(hy, hm, hd) is None


def test_hijri_month_and_year_bounds():
    assert hijri.month_bounds(1445, 9) == (date(2024, 3, 11), date(2024, 4, 9))
    assert hijri.year_bounds(1445) == (date(2023, 7, 19), date(2024, 7, 6))
    assert hijri.month_bounds(1600, 1) is None and hijri.year_bounds(1600) is None


def test_from_gregorian_outside_the_table_is_none():
    assert hijri.from_gregorian(date(1900, 1, 1)) is None
    assert hijri.from_gregorian(date(2024, 3, 11)) == (1445, 9, 1)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2070, 12, 31)))
def test_hijri_round_trip(day):
    hy, hm, hd = hijri.from_gregorian(day)
    assert hijri.to_gregorian(hy, hm, hd) == day


# ---------------------------------------------------------------- component


@pytest.fixture()
def nlp():
    pipeline = spacy.blank("ar")
    pipeline.add_pipe("civic_dates")
    return pipeline


def test_component_sets_doc_dates(nlp):
    doc = nlp.make_doc("نظمت الجمعية أمس الاثنين 12 ماي 2025 حملة، وتنظم أخرى يوم 3 يونيو الجاري.")
    doc._.published = "2025-05-13"
    doc = nlp(doc)
    assert [(d.start, d.end) for d in doc._.dates] == [("2025-05-12", "2025-05-12"), ("2025-06-03", "2025-06-03")]


def test_component_without_publication_date(nlp):
    doc = nlp("نظمت الجمعية أمس حملة يوم 12 ماي 2025 وأخرى يوم 3 يونيو الجاري.")
    assert [d.text for d in doc._.dates] == ["يوم 12 ماي 2025"]


def test_component_declares_what_it_assigns(nlp):
    meta = nlp.get_pipe_meta("civic_dates")
    assert meta.assigns == ["doc._.dates"] and meta.requires == ["doc._.published"]


def test_component_over_pipe_keeps_documents_apart(nlp):
    docs = list(nlp.pipe(["سنة 2020", "لا تاريخ هنا", "في مارس 2005"]))
    assert [[d.start for d in doc._.dates] for doc in docs] == [["2020"], [], ["2005-03"]]


# ---------------------------------------------------------------- robustness

_TOKENS = [
    "يوم", "يومي", "الأحد", "والاثنين", "من", "إلى", "و", "/", "-", "بين", "سنة", "عام", "العام", "الماضي", "المقبل",
    "الجاري", "اليوم", "أمس", "غدا", "الأسبوع", "الشهر", "الموافق", "هـ", "م", "(", ")", "،", "فاتح", "الأول", "النصف",
    "ماي", "دجنبر", "جانفي", "كانون الثاني", "آذار", "مارس", "رمضان", "صفر", "ذو الحجة", "أيلول/سبتمبر",
    "0", "1", "02", "12", "29", "30", "31", "45", "1445", "1500", "1899", "2024", "2099", "2100", "٢٠٢٥", "12/03/2024",
    "31/02/2024", "12/7/1444هـ", "2024-02-30",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=12).map(" ".join),
       st.sampled_from([None, "2024-05-02", "2025-12-31", "1999-01-01"]))
def test_any_mix_of_date_words_is_handled(text, published):
    for d in find_dates(text, published):
        (start, end), = d.offsets
        assert text[start:end] == d.text
        assert re.fullmatch(ISO[d.precision], d.start) and d.start <= d.end


def test_byline_dates_are_marked_published():
    from civic_extract.pipeline import extract

    page = "\n".join([
        "قافلة طبية بجماعة إمليل",
        "نشر في الجهة 24 يوم 03 - 04 - 2024",
        "نظمت جمعية الأطلس قافلة طبية يوم السبت 30 مارس 2024.",
    ])
    rec = extract(page)
    assert {d.start: d.role for d in rec.dates} == {"2024-04-03": "published", "2024-03-30": "mention"}
    assert [e.date_start for e in rec.events] == ["2024-03-30"]
