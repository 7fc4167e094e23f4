"""Split: pages written by the team in the shapes scraped Arabic news takes, plus the seed page."""

import json

import pytest

from civic_extract.split import (
    classify_line,
    content_lines,
    is_ticker,
    paragraph_spans,
    split_html,
    split_text,
)

TICKER = "الوداد يفوز على ضيفه    ارتفاع أسعار المحروقات    زخات رعدية بالأطلس    افتتاح معرض الكتاب بالرباط"

PAGE = f"""{TICKER}



شكرا على الإبلاغ!
سيتم حجب هذه الصورة بعد مراجعة البلاغات.

قافلة طبية لفائدة ساكنة جماعة تمصلوحت
نشر في الأخبار المحلية يوم 07 - 03 - 2024

نظمت جمعية الوفاء للتنمية قافلة طبية بجماعة تمصلوحت استفاد منها 640 مستفيدا.
وشملت القافلة تخصصات طب العيون وطب الأطفال.


انقر هنا لقراءة الخبر من مصدره.
"""


def test_page_gives_title_byline_published_and_clean_body():
    art = split_text(PAGE)
    assert art.title == "قافلة طبية لفائدة ساكنة جماعة تمصلوحت"
    assert art.byline == "نشر في الأخبار المحلية يوم 07 - 03 - 2024"
    assert art.published == "2024-03-07"
    assert art.text.startswith(art.title + "\n")
    for headline in ("الوداد يفوز", "ارتفاع أسعار", "شكرا على", "سيتم حجب", "انقر هنا"):
        assert headline not in art.text
    assert "استفاد منها 640 مستفيدا" in art.text


@pytest.mark.parametrize(
    "byline,published",
    [
        ("حرر بتاريخ | 12/03/2024", "2024-03-12"),
        ("date 2026-01-05", "2026-01-05"),
        ("نشر في المساء يوم 23 - 05 - 2025", "2025-05-23"),
        ("الرياض - سعاد العتيبي في الاثنين 5 يناير 2026 07:14 مساءً", "2026-01-05"),
        ("2021-06-14T09:30:00+01:00", "2021-06-14"),
        ("نشر بتاريخ: ١٤ فبراير ٢٠٢٦", "2026-02-14"),
    ],
)
def test_bylines_set_published(byline, published):
    page = f"حملة للتبرع بالدم بمدينة آسفي\n{byline}\nنظمت جمعية الأمل حملة للتبرع بالدم شارك فيها 85 متبرعا."
    art = split_text(page)
    assert art.published == published
    assert art.byline == byline
    # The byline stays in the text: it may credit a person or a place.
    assert byline in art.text


def test_given_published_wins_over_byline():
    art = split_text("عنوان الخبر هنا\nحرر بتاريخ | 12/03/2024\nنص الخبر.", published="2024-03-13")
    assert art.published == "2024-03-13"


def test_dateline_line_is_not_a_title():
    art = split_text("الدار البيضاء ـ المغرب اليوم\nنظمت جمعية الخير حملة طبية لفائدة 300 مستفيد.")
    assert art.title is None
    assert art.text.startswith("الدار البيضاء")


def test_single_paragraph_has_no_title():
    art = split_text("نظمت جمعية الخير حملة طبية لفائدة 300 مستفيد بمدينة فاس.")
    assert art.title is None and art.published is None


@pytest.mark.parametrize(
    "line,kind",
    [
        (TICKER, "ticker"),
        ("- 23:30 توقيف شخصين بطنجة", "boilerplate"),
        ("1969 مشاهدة", "boilerplate"),
        ("تابعونا على فيسبوك", "boilerplate"),
        ("جميع الحقوق محفوظة © 2025", "boilerplate"),
        ("   ", "blank"),
        ("نظمت جمعية الخير حملة طبية.", "content"),
    ],
)
def test_classify_line(line, kind):
    assert classify_line(line) == kind


def test_tail_furniture_is_cut_but_not_near_the_top():
    body = "\n".join(f"الفقرة رقم {i} من الخبر." for i in range(6))
    lines = content_lines(body + "\nمقالات ذات صلة\nخبر آخر لا علاقة له")
    assert lines[-1] == "الفقرة رقم 5 من الخبر."
    assert content_lines("مقالات ذات صلة\nنص")[0] == "مقالات ذات صلة"


def test_ticker_needs_several_segments():
    assert not is_ticker("نص عادي    مع فراغات")


def test_paragraph_spans_point_into_text():
    text = "العنوان\n\n  الفقرة الأولى.\n• نقطة أولى"
    spans = paragraph_spans(text)
    assert [text[s:e] for s, e in spans] == ["العنوان", "الفقرة الأولى.", "• نقطة أولى"]


def test_html_goes_through_trafilatura():
    html = """<html><head><title>حملة للتبرع بالدم بمكناس</title>
    <meta property="article:published_time" content="2024-04-02T10:00:00+00:00"></head>
    <body><nav>الرئيسية | رياضة | اقتصاد</nav><article><h1>حملة للتبرع بالدم بمكناس</h1>
    <p>نظمت جمعية الشفاء للتبرع بالدم حملة بمدينة مكناس يوم الأحد 31 مارس 2024 شارك فيها أكثر من 200 متبرع من مختلف الأعمار، بتنسيق مع المركز الجهوي لتحاقن الدم.</p>
    <p>وأكد رئيس الجمعية أن الحملة تأتي في إطار سلسلة من المبادرات التضامنية التي تنظمها الجمعية كل سنة لفائدة المرضى.</p>
    </article><footer>جميع الحقوق محفوظة</footer></body></html>"""
    art = split_html(html)
    assert art.title == "حملة للتبرع بالدم بمكناس"
    assert art.published == "2024-04-02"
    assert "200 متبرع" in art.text
    assert "الرئيسية" not in art.text and "محفوظة" not in art.text


def test_seed_page_from_shared_eval(shared_eval):
    """The issue's reference page: ticker, report block, byline, body, trailing link."""
    rows = [json.loads(line) for line in (shared_eval / "dev" / "articles.jsonl").open(encoding="utf-8")]
    page = next(r["text"] for r in rows if r["id"] == "seed-002")
    ticker_titles = [t.strip() for t in page.split("\n")[0].split("    ") if t.strip()]
    art = split_text(page)
    assert art.title == "أزيد من 11 ألف مستفيد في ثلاث قوافل طبية بإقليم النواصر"
    assert art.published == "2025-05-23"
    assert not any(t in art.text for t in ticker_titles)
    assert "انقر هنا" not in art.text and "شكرا على الإبلاغ" not in art.text


SENTENCES = [
    ("نظمت جمعية الأمل قافلة. واستفاد منها 300 شخص؟ نعم", ["نظمت جمعية الأمل قافلة. ", "واستفاد منها 300 شخص؟ ", "نعم"]),
    ("العنوان\nالفقرة الأولى؛ وتتمة\n\n- بند أول\n- بند ثان",
     ["العنوان\n", "الفقرة الأولى؛ ", "وتتمة\n\n", "- بند أول\n", "- بند ثان"]),
    # A space token right after a sentence end starts a (blank) sentence of its own.
    ("  مسافة في البداية .  وجملة بعد مسافتين!", ["  ", "مسافة في البداية . ", " ", "وجملة بعد مسافتين!"]),
    ("جملة تنتهي بنقاط… وأخرى", ["جملة تنتهي بنقاط… ", "وأخرى"]),
    ("سطر واحد", ["سطر واحد"]),
]


def _token_by_token(doc, paragraphs):
    """The rule written as spaCy's token API reads (one assignment per token), for comparison."""
    starts = {s for s, _ in paragraphs}
    prev_end, out = True, []
    for tok in doc:
        if tok.is_space:
            out.append(prev_end if tok.i else True)
            continue
        out.append(bool(tok.i == 0 or prev_end or tok.idx in starts))
        prev_end = tok.text in {".", "؟", "?", "!", "؛", "…"}
    return out


@pytest.fixture(scope="module")
def blank_nlp():
    import spacy

    from civic_extract.tokenise import build_tokenizer

    nlp = spacy.blank("ar")
    nlp.tokenizer = build_tokenizer(nlp)
    return nlp


@pytest.mark.parametrize("text,sentences", SENTENCES)
def test_sentence_starts(blank_nlp, text, sentences):
    from civic_extract.split import set_sentence_starts

    doc = blank_nlp.make_doc(text)
    paras = paragraph_spans(text)
    set_sentence_starts(doc, paras)
    assert [s.text_with_ws for s in doc.sents] == sentences
    assert [t.is_sent_start for t in doc] == _token_by_token(doc, paras)


def test_sentence_starts_refuse_a_parsed_doc(blank_nlp):
    from civic_extract.split import set_sentence_starts

    doc = blank_nlp.make_doc("جملة أولى. جملة ثانية")
    doc[0].dep_ = "ROOT"
    with pytest.raises(ValueError):
        set_sentence_starts(doc, paragraph_spans(doc.text))
