"""Tokenizer defaults for Arabic press text, as a small spaCy defaults module.

spaCy's blank ``ar`` tokenizer leaves a full stop glued to a word that ends in
tanwin (``مستفيداً.``) or in a digit (``2025.``), and keeps a proclitic glued to
a number (``و685``, ``ب240``, ``لـ35``), which hides the number from the figure
and NER stages. These are fixed in the rules themselves (suffixes, prefixes,
exceptions), not by post-processing tokens. Thousands separators (``11,518``,
``11.518``, ``١١٬٥١٨``) stay inside one token, as they must.
"""

from __future__ import annotations

from typing import Callable

from spacy.lang.ar import Arabic
from spacy.language import Language
from spacy.symbols import NORM, ORTH
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

_DIGIT = "0-9\u0660-\u0669\u06f0-\u06f9"
_MARKS = "\u064b-\u065f\u0670\u0640"

# A full stop (or Arabic comma/semicolon) after tanwin or another diacritic, a
# digit or a percent sign is sentence punctuation, not part of the word.
SUFFIXES = [
    rf"(?<=[{_MARKS}])[\.،؛:]",
    rf"(?<=[{_DIGIT}%٪])\.",
]
# A one-letter proclitic (و ف ب ل ك), optionally with tatweel, glued to a number.
PREFIXES = [
    rf"[وفبلك]ـ?(?=[{_DIGIT}])",
]
# Abbreviations with a full stop that must stay whole (spaCy already has د.).
EXCEPTIONS = {
    "ذ.": [{ORTH: "ذ.", NORM: "الأستاذ"}],
    "م.": [{ORTH: "م.", NORM: "مهندس"}],
    "ص.ب": [{ORTH: "ص.ب", NORM: "صندوق بريد"}],
}


def build_tokenizer(nlp: Language) -> Tokenizer:
    """The Arabic tokenizer with our suffix, prefix and exception rules added."""
    defaults = Arabic.Defaults
    prefixes = list(PREFIXES) + list(defaults.prefixes or [])
    suffixes = list(SUFFIXES) + list(defaults.suffixes or [])
    rules = dict(defaults.tokenizer_exceptions) | EXCEPTIONS
    return Tokenizer(
        nlp.vocab,
        rules=rules,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(defaults.infixes or []).finditer,
        token_match=defaults.token_match,
        url_match=defaults.url_match,
    )


@registry.tokenizers("civic_extract.tokenizer.v1")
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    """Registered so the pipeline config names it: ``@tokenizers = "civic_extract.tokenizer.v1"``."""
    return build_tokenizer
