"""The literal pre-filter of the event patterns: it may skip a pattern only when the pattern cannot match."""

from __future__ import annotations

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from civic_extract.events import Guarded, lexicon, literal_clauses, literal_starts
from civic_extract.normalise import normalise


@pytest.mark.parametrize("pattern, clauses", [
    ("abc", [{"abc"}]),
    ("ab(c|d)ef", [{"ab"}, {"ef"}]),  # a one-letter choice is no use as a filter
    ("(foo|bar)x+baz", [{"foo", "bar"}, {"baz"}]),
    ("(?:foo)?bar", [{"bar"}]),
    ("(foo|ba?r)", []),  # one alternative holds no two-letter literal
    (r"kl(\S+\s+){0,3}mn", [{"kl"}, {"mn"}]),
    ("(حمل(ة|ات)|قافل(ة|ات))\\s+طبي", [{"حمل", "قافل"}, {"طبي"}]),
    ("(?i)foo", []),  # case-insensitive: a literal check would be case-sensitive
    ("(?i:foo)bar", [{"bar"}]),
    (r"\p{L}+foo", []),  # syntax only the regex module reads
    ("(?:foo){e<=1}", []),  # fuzzy matching: the literal may be misspelt
])
def test_literal_clauses(pattern, clauses):
    assert [set(c) for c in literal_clauses(pattern)] == clauses


@pytest.mark.parametrize("pattern, starts", [
    ("abc", {"abc"}),
    ("ab(c|d)ef", {"abcef", "abdef"}),
    ("(foo|bar)x+baz", {"foo", "bar"}),  # a repeat ends what is certain
    ("(?:foo)?bar", None),  # a match may begin with either
    ("(حمل(ة|ات)|قافل(ة|ات))\\s+طبي", {"حملة", "حملات", "قافلة", "قافلات"}),
    ("(يوما?|ايام)\\s", {"يوم", "ايام"}),  # only the part every match shares
    ("(ab|abc)d", {"abd", "abcd"}),
    ("(a|bc)d", {"ad", "bcd"}),
    ("(a|bc)+d", None),  # a one-letter start is no use
    ("(ab|abc)", {"ab"}),  # abc is found through ab
    ("(?i)abc", None),
])
def test_literal_starts(pattern, starts):
    assert literal_starts(pattern) == (None if starts is None else frozenset(starts))


SMALL = ["ab(c|d)ef", "(foo|bar)x+baz", "(?:fo)?ob(ar|az)", "(ab|ba){2}z", "a(bc|de)*fg", "(oo|zz)(?!a)ff",
         "(abc|ab)(c|d)?", "(ba|bab)a?", "aba"]


@settings(max_examples=600, deadline=None)
@given(text=st.text(alphabet="abcdefoxrz", max_size=16), which=st.sampled_from(SMALL), wrapped=st.booleans())
@example(text="barxxbaz", which="(foo|bar)x+baz", wrapped=False)
@example(text="obazf", which="(?:fo)?ob(ar|az)", wrapped=False)
@example(text="zzababz", which="(ab|ba){2}z", wrapped=True)
@example(text="ozabc", which="(abc|ab)(c|d)?", wrapped=True)
@example(text="ababa", which="aba", wrapped=False)  # matches do not overlap
def test_filter_never_hides_or_changes_a_match(text, which, wrapped):
    # Wrapped like the event word patterns: a look-behind, then an optional prefix of at most two characters.
    full = f"(?<!o)(?:z|zz|x)?(?:{which})" if wrapped else which
    compiled = regex.compile(full)
    guarded = Guarded(compiled, literal_clauses(which), literal_starts(which), 2 if wrapped else 0)
    assert [m.span() for m in guarded.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    found, expected = guarded.search(text), compiled.search(text)
    assert (found and found.span()) == (expected and expected.span())


# Team-written sentences that name many kinds of activity (and some near misses).
SENTENCES = [
    "نظمت جمعية الواحة الخضراء قافلة طبية متعددة التخصصات لفائدة ساكنة دوار أيت علي.",
    "أطلقت الجمعية حملة للتبرع بالدم بشراكة مع المركز الجهوي لتحاقن الدم، وتم جمع 140 كيسا من الدم.",
    "احتضنت دار الشباب يوما تحسيسيا حول داء السكري، وحملة للكشف المبكر عن سرطان الثدي.",
    "تم توقيع اتفاقية شراكة بين الجماعة والمندوبية، ومذكرة تفاهم لتنظيم أيام طبية مجانية.",
    "وزعت المؤسسة 300 قفة رمضانية و40 كرسيا متحركا على الأسر المعوزة في إطار عملية تضامنية.",
    "تدعو الجمعية المواطنين إلى الإقبال على التبرع بسبب نقص مخزون الدم، وتنظم حملة سنوية كل صيف.",
    "انعقد ملتقى علمي ويوم دراسي حول الصحة النفسية بحضور رئيس الجماعة، وأكد المتدخلون أهمية التلقيح.",
    "حفل الختان الجماعي لفائدة 60 طفلا، ومخيم طبي جراحي، وعملية تطوعية للنظافة والتشجير.",
    "قافلة إلى المدينة، ويوم آخر، وتبرع غير محدد.",
]


def _variants(sentence: str) -> list[str]:
    words = sentence.split()
    return [sentence] + [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_lexicon_patterns_find_the_same_matches_with_and_without_the_filter(sentence):
    lex = lexicon()
    patterns = [p for *_, p in lex.triggers] + [p for _, p in lex.negative] + [
        lex.organizer_before, lex.partner_before, lex.reset, lex.narrative, lex.totals, lex.targets,
        lex.served, lex.in_passing, lex.subcount]
    for text in _variants(sentence):
        folded = normalise(text).text
        for p in patterns:
            assert [m.span() for m in p.finditer(folded)] == [m.span() for m in p.pattern.finditer(folded)]
