import pytest

from civic_extract.normalise import norm_key, normalise


@pytest.mark.parametrize(
    "text,expected",
    [
        ("٣٩٦٣", "3963"),
        ("۳۹۶۳", "3963"),
        ("١١٬٥١٨", "11,518"),
        ("مستفيداً", "مستفيدا"),
        ("إقليم", "اقليم"),
        ("آذار", "اذار"),
        ("مستشفى", "مستشفي"),
        ("جمعية", "جمعيه"),
        ("مؤسسة", "موسسه"),
        ("الـــقافلة", "القافله"),
        ("\u200fالرباط\u200e", "الرباط"),
        ("ﻻ", "لا"),
    ],
)
def test_normalise_table(text, expected):
    assert normalise(text).text == expected


def test_fold_false_keeps_letters():
    assert normalise("إقليم ٣", fold=False).text == "إقليم 3"


def test_span_maps_back_to_whole_written_word():
    text = "استفاد منها ٢٧١٣ مستفيداً."
    n = normalise(text)
    start = n.text.index("2713")
    s, e = n.span(start, start + 4)
    assert text[s:e] == "٢٧١٣"
    w = n.text.index("مستفيدا")
    s, e = n.span(w, w + len("مستفيدا"))
    assert text[s:e] == "مستفيداً"


def test_span_across_dropped_tatweel():
    text = "جمعيـــة النور"
    n = normalise(text)
    s, e = n.span(0, len("جمعيه"))
    assert text[s:e] == "جمعيـــة"


@pytest.mark.parametrize(
    "a,b",
    [("واحة سيدي إبراهيم", "واحة سيدي ابراهيم"), ("إغرم", "اغرم"), ("«بصيص أمل»", "بصيص امل")],
)
def test_norm_key_agrees_on_spelling_variants(a, b):
    assert norm_key(a) == norm_key(b)
