"""numerals: every way the press writes a number reads back to its value.

The property tests write random integers up to 10^9 in digits of each script
with each separator convention, and as Arabic number words (masculine and
feminine, nominative and oblique case, every spelling of مائة), with an
independent number-to-words writer below, and check that :func:`parse` gives
the integer back.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic_extract.numerals import parse, parse_digits, read_number, tokenize

# --- an independent writer of Arabic number words (not the parser's tables) ---

UNITS_M = {1: ["واحد"], 2: ["اثنان", "اثنين"], 3: ["ثلاثة"], 4: ["أربعة"], 5: ["خمسة"],
           6: ["ستة"], 7: ["سبعة"], 8: ["ثمانية"], 9: ["تسعة"]}
UNITS_F = {1: ["واحدة"], 2: ["اثنتان", "اثنتين"], 3: ["ثلاث"], 4: ["أربع"], 5: ["خمس"],
           6: ["ست"], 7: ["سبع"], 8: ["ثماني", "ثمان"], 9: ["تسع"]}
TENS = {2: ["عشرون", "عشرين"], 3: ["ثلاثون", "ثلاثين"], 4: ["أربعون", "أربعين"],
        5: ["خمسون", "خمسين"], 6: ["ستون", "ستين"], 7: ["سبعون", "سبعين"],
        8: ["ثمانون", "ثمانين"], 9: ["تسعون", "تسعين"]}
HUNDRED_STEMS = {3: "ثلاث", 4: "أربع", 5: "خمس", 6: "ست", 7: "سبع", 8: "ثمان", 9: "تسع"}
SCALES = {10**9: ("مليار", "مليارا", ["ملياران", "مليارين"], "مليارات"),
          10**6: ("مليون", "مليونا", ["مليونان", "مليونين"], "ملايين"),
          10**3: ("ألف", "ألفاً", ["ألفان", "ألفين"], "آلاف")}


def hundreds(h: int, pick) -> str:
    if h == 1:
        return pick(["مائة", "مئة"])
    if h == 2:
        return pick(["مائتان", "مئتان", "مائتين", "مئتين"])
    stem = HUNDRED_STEMS[h]
    return pick([stem + "مائة", stem + "مئة", stem + " مائة"])


def below_100(r: int, pick) -> str:
    units = pick([UNITS_M, UNITS_F])
    if r < 10:
        return pick(units[r])
    if r == 10:
        return pick(["عشرة", "عشر"])
    if r == 11:
        return pick(["أحد عشر", "إحدى عشرة"])
    if r == 12:
        return pick(["اثنا عشر", "اثني عشر", "اثنتا عشرة", "اثنتي عشرة"])
    if r < 20:
        return pick(units[r - 10]) + " " + pick(["عشر", "عشرة"])
    t, u = divmod(r, 10)
    tens = pick(TENS[t])
    return f"{pick(units[u])} و{tens}" if u else tens


def below_1000(n: int, pick) -> str:
    h, r = divmod(n, 100)
    parts = ([hundreds(h, pick)] if h else []) + ([below_100(r, pick)] if r else [])
    return " و".join(parts)


def spell(n: int, pick, digits_for_counts: bool = False) -> str:
    """Arabic words for 1 <= n < 10^10; with ``digits_for_counts`` the count before a scale is in digits (11 ألف)."""
    parts = []
    for scale, (sing, acc, dual, plural) in SCALES.items():
        c, n = divmod(n, scale)
        if not c:
            continue
        if c == 1:
            parts.append(sing)
        elif c == 2 and not digits_for_counts:
            parts.append(pick(dual))
        else:
            count = str(c) if digits_for_counts else below_1000(c, pick)
            noun = plural if 3 <= c <= 10 else acc if 11 <= c % 100 <= 99 else sing
            parts.append(f"{count} {noun}")
    if n:
        parts.append(str(n) if digits_for_counts else below_1000(n, pick))
    return " و".join(parts)


SCRIPTS = {"ascii": "0123456789", "arabic": "٠١٢٣٤٥٦٧٨٩", "persian": "۰۱۲۳۴۵۶۷۸۹"}
SEPARATORS = ["", ",", ".", " ", "\u066c", "\u00a0"]


def with_separators(n: int, sep: str) -> str:
    s = f"{n:,}"
    return s.replace(",", sep)


def in_script(s: str, script: str) -> str:
    return s.translate(str.maketrans("0123456789", SCRIPTS[script]))


@settings(max_examples=400, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**9), script=st.sampled_from(sorted(SCRIPTS)),
       sep=st.sampled_from(SEPARATORS))
def test_digits_any_script_any_separator(n: int, script: str, sep: str) -> None:
    assert parse(in_script(with_separators(n, sep), script)) == n


@settings(max_examples=400, deadline=None)
@given(n=st.integers(min_value=1, max_value=10**9), data=st.data())
def test_words(n: int, data) -> None:
    def pick(options):
        return data.draw(st.sampled_from(options))

    text = spell(n, pick)
    assert parse(text) == n, text


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=1, max_value=10**9), data=st.data())
def test_digits_with_scale_words(n: int, data) -> None:
    text = spell(n, lambda options: data.draw(st.sampled_from(options)), digits_for_counts=True)
    assert parse(text) == n, text


@settings(max_examples=100, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**6), clitic=st.sampled_from(["و", "ب", "ل", "لـ", "ف"]))
def test_glued_proclitic(n: int, clitic: str) -> None:
    assert parse(clitic + str(n)) == n


@pytest.mark.parametrize("text,value", [
    ("14 ألف", 14000),
    ("14 الف", 14000),
    ("و593", 593),
    ("2.5 مليون", 2500000),
    ("1,45 مليون", 1450000),
    ("12مليون", 12000000),
    ("3 ملايين", 3000000),
    ("ملياري", 2000000000),
    ("مليونين", 2000000),
    ("ألفين", 2000),
    ("ألفا", 2000),
    ("مائتا ألف", 200000),
    ("أحد عشر ألفاً", 11000),
    ("ثلاثة آلاف وخمسمائة", 3500),
    ("ثلاث مائة", 300),
    ("مليون ونصف", 1500000),
    ("14 ألف و500", 14500),
    ("آلف", 1000),
    ("٤٧١٨", 4718),
    ("۴۷۱۸", 4718),
    ("١٢٬٤٠٦", 12406),
    ("4.200", 4200),
    ("2.5", 2.5),
    ("7ر3", 3.7),
    ("ثمانمائة", 800),
    ("بخمس", 5),
    ("لثلاثة", 3),
])
def test_table(text: str, value: float) -> None:
    assert parse(text) == value


@pytest.mark.parametrize("text", [
    "آلاف",  # a plural scale alone is vague
    "ملايين",
    "عشرات",
    "مئات",
    "أحد",  # 'one of', not a count, unless عشر follows
    "إحدى",
    "لست",  # 'I am not'
    "خمسة وخمسة",
    "17.09.2024",
    "2.19.123",
    "",
])
def test_not_a_number(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize("s,value", [
    ("12,406", 12406), ("12.406", 12406), ("12 406", 12406), ("1.000.000", 1000000),
    ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("12.34", 12.34), ("0.406", 0.406),
    ("17.09.2024", None), ("1.2.3", None),
])
def test_parse_digits(s: str, value) -> None:
    assert parse_digits(s) == value


def test_read_number_stops_before_the_noun() -> None:
    tokens = tokenize("استفاد ثلاثه الاف وخمسمايه مستفيد و200 طفل")
    value, end = read_number(tokens, 1)
    assert (value, tokens[end].text) == (3500, "مستفيد")


def test_read_number_does_not_join_two_counts() -> None:
    tokens = tokenize("200 و300 مستفيد")
    assert read_number(tokens, 0) == (200, 1)
