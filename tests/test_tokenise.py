import pytest


@pytest.mark.parametrize(
    "text,expected",
    [
        ("استفاد 3963 مستفيداً. ثم", ["استفاد", "3963", "مستفيداً", ".", "ثم"]),
        ("قدمت 45 استشارةً، و", ["قدمت", "45", "استشارةً", "،", "و"]),
        ("بلغ العدد 11,518 شخصا", ["بلغ", "العدد", "11,518", "شخصا"]),
        ("بلغ العدد 11.518 شخصا", ["بلغ", "العدد", "11.518", "شخصا"]),
        ("بلغ ١١٬٥١٨ شخصا.", ["بلغ", "١١٬٥١٨", "شخصا", "."]),
        ("و685 مستفيدا", ["و", "685", "مستفيدا"]),
        ("ب240 طبيبا", ["ب", "240", "طبيبا"]),
        ("لـ35 طفلا", ["لـ", "35", "طفلا"]),
        ("بتاريخ 2025.", ["بتاريخ", "2025", "."]),
        ("نسبة 70%.", ["نسبة", "70", "%", "."]),
        ("د. سعاد و ذ. علي", ["د.", "سعاد", "و", "ذ.", "علي"]),
        ("وجدة وورزازات", ["وجدة", "وورزازات"]),
    ],
)
def test_tokenizer_rules(ar_tokenizer, text, expected):
    assert [t.text for t in ar_tokenizer(text)] == expected


def test_decimal_number_stays_whole(ar_tokenizer):
    assert "2.5" in [t.text for t in ar_tokenizer("رصد 2.5 مليون درهم")]


def test_pipeline_uses_the_registered_tokenizer(nlp):
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "civic_extract.tokenizer.v1"
    assert [t.text for t in nlp.make_doc("و685 مستفيداً.")] == ["و", "685", "مستفيداً", "."]
