"""Optional bridge to CAMeL Tools: its BERT NER as an extra entity source, its analyser for clitics.

    nlp = civic_extract.load(enable=["camel_ner"])   # needs the camel extra and CAMeL's data

The ``camel_ner`` component runs CAMeL Tools' ``NERecognizer`` (a BERT token
classifier trained on ANERcorp: LOC, ORG, PERS, MISC) over each sentence and
hands its LOC/ORG/PERS spans to the entity stage through ``doc.ents``, which
``civic_entities`` already merges with its rules (cleaning, gazetteer,
grouping). Spans that an earlier NER put in ``doc.ents`` win over overlapping
CAMeL spans. All CAMeL spans, MISC included, are kept in
``doc.spans["camel_ner"]`` for inspection.

When CAMeL's morphological disambiguator is installed too, the first word of
each entity is segmented (ATB scheme) and a proclitic (``ب+ مراكش``,
``و+ ل+ جمعية``) is split off into its own token, so the entity starts at the
stem; without it the entity stage strips proclitics with its own word lists.

camel-tools pulls torch and transformers, and its models download from the
internet (``camel_data``), so the core never imports it: this module touches
``camel_tools`` only when the component is built. camel-tools also fetches its
data catalogue over the network on first import when the catalogue file is
missing, so the component checks for the file first and says what to install
instead of letting that happen.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from pathlib import Path
from typing import Any, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from . import extensions

log = logging.getLogger(__name__)

INSTALL = 'pip install "civic_extract[camel]"'
NER_DATA = "camel_data -i ner-arabert"
MORPH_DATA = "camel_data -i disambig-mle-calima-msa-r13"
SPANS_KEY = "camel_ner"
# CAMeL's labels -> ours (civic_entities reads ORG/PER/LOC); MISC stays in doc.spans only.
LABELS = {"LOC": "LOC", "ORG": "ORG", "PERS": "PER"}


class CamelUnavailable(ImportError):
    """camel-tools, or the CAMeL data a component needs, is not installed."""


def data_dir() -> Path:
    """Where camel-tools keeps its data: ``$CAMELTOOLS_DATA``, else ``~/.camel_tools`` (as camel-tools decides)."""
    env = os.environ.get("CAMELTOOLS_DATA")
    if env is not None:
        return Path(env).expanduser().absolute()
    return Path.home() / ("AppData/Roaming/camel_tools" if sys.platform == "win32" else ".camel_tools")


def require_camel(data_command: str = NER_DATA) -> None:
    """Raise :class:`CamelUnavailable` (with the command to run) unless camel-tools can be imported offline."""
    if importlib.util.find_spec("camel_tools") is None:
        raise CamelUnavailable(f"camel_ner needs camel-tools, which is not installed: {INSTALL}, then {data_command}")
    catalogue = data_dir() / "catalogue.json"
    if not catalogue.exists():
        raise CamelUnavailable(
            f"camel_ner: CAMeL Tools data is not installed (no {catalogue}); camel-tools would try to download "
            f"its catalogue on import. Run `{data_command}` on a machine with internet access (it downloads to "
            f"~/.camel_tools, or to $CAMELTOOLS_DATA), then copy that folder here if this machine is offline."
        )


def load_recognizer(model: str | None = None, dataset: str | None = None, use_gpu: bool = False) -> Any:
    """CAMeL's ``NERecognizer``: from the folder ``model``, else the installed ``dataset`` (default ``arabert``)."""
    require_camel(NER_DATA)
    from camel_tools.ner import NERecognizer

    where = model
    try:
        if model is not None:
            if not Path(model).is_dir():  # transformers would take a missing folder for a hub name
                raise FileNotFoundError(f"no folder {model}")
            return NERecognizer(str(model), use_gpu=use_gpu)
        from camel_tools.data import CATALOGUE

        component = CATALOGUE.get_component("NamedEntityRecognition")
        entry = component.datasets.get(dataset or component.default)
        if entry is None:
            raise CamelUnavailable(f"camel_ner: CAMeL has no NER model named {dataset!r} (it has {sorted(component.datasets)})")
        where = entry.path
        if not Path(entry.path).is_dir():
            raise FileNotFoundError(entry.path)
        return NERecognizer(str(entry.path), use_gpu=use_gpu)
    except CamelUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - transformers raises OSError, ValueError or its own errors
        hint = f"check that {model} holds a BertForTokenClassification saved with save_pretrained and its vocab.txt" \
            if model is not None else f"install it with `{NER_DATA}`"
        raise CamelUnavailable(f"camel_ner: could not load the CAMeL NER model from {where} ({type(exc).__name__}: {exc}); {hint}") from exc


def load_disambiguator(model: str | None = None) -> Any:
    """CAMeL's MLE disambiguator (morphology DB + model), for clitic segmentation."""
    require_camel(MORPH_DATA)
    try:
        from camel_tools.disambig.mle import MLEDisambiguator

        return MLEDisambiguator.pretrained(model)
    except Exception as exc:  # noqa: BLE001
        raise CamelUnavailable(f"camel_ner: CAMeL's morphological disambiguator is not installed ({type(exc).__name__}: {exc}); "
                               f"install it with `{MORPH_DATA}`, or set clitics to \"off\"") from exc


# -- pure helpers -------------------------------------------------------------------

def bio_spans(labels: Iterable[str]) -> list[tuple[int, int, str]]:
    """(first, last + 1, type) word spans of a BIO sequence; an ``I-`` without its ``B-`` opens a span."""
    out: list[tuple[int, int, str]] = []
    start, kind = None, None
    for i, lab in enumerate(list(labels) + ["O"]):
        tag, _, typ = lab.partition("-")
        if start is not None and (tag != "I" or typ != kind):
            out.append((start, i, kind))
            start, kind = None, None
        if tag == "B" or (tag == "I" and start is None):
            start, kind = i, typ
    return out


def proclitic_length(word: str, segmented: str | None) -> int:
    """Characters of ``word`` that are proclitics, per a CAMeL tokenisation (``"و+_ب+_مراكش"``).

    Only a split that the surface spells out is taken: ``ل+_المستشفى`` for
    ``للمستشفى`` (the alef of ال is not written) gives 0, and the entity stage's
    own rules handle it. Diacritics in ``word`` are skipped when counting.
    """
    if not segmented or segmented == "NOAN":
        return 0
    prefix, stem = "", ""
    for part in segmented.split("_"):
        if not stem and part.endswith("+") and not part.startswith("+") and len(part) > 1:
            prefix += part[:-1]
        elif not stem:
            stem = _strip_diacritics(part)
    prefix = _strip_diacritics(prefix)
    bare = [(i, ch) for i, ch in enumerate(word) if not _is_diacritic(ch)]
    if not prefix or len(bare) <= len(prefix):
        return 0
    letters = "".join(ch for _, ch in bare)
    # the clitics as written, then the stem's first letters: otherwise the split is not on the surface
    if not letters.startswith(prefix) or not letters[len(prefix):].startswith(stem[:2]):
        return 0
    return bare[len(prefix)][0]


def _is_diacritic(ch: str) -> bool:
    return "\u064b" <= ch <= "\u0652" or ch in "\u0670\u0640"


def _strip_diacritics(s: str) -> str:
    return "".join(ch for ch in s if not _is_diacritic(ch))


# -- the component ------------------------------------------------------------------

class CamelNER:
    """Adds CAMeL Tools' NER spans to ``doc.ents`` (and ``doc.spans[spans_key]``); see the module docstring."""

    def __init__(self, nlp: Language, name: str = "camel_ner", *, recognizer: Any, disambiguator: Any = None,
                 spans_key: str = SPANS_KEY, batch_size: int = 32, scheme: str = "atbtok"):
        self.name, self.recognizer, self.disambiguator = name, recognizer, disambiguator
        self.spans_key, self.batch_size, self.scheme = spans_key, batch_size, scheme

    def _sentences(self, doc: Doc) -> list[list[int]]:
        """Token indices per sentence, leaving out what has no word piece (spaces, control marks).

        CAMeL's recognizer drops a word that its BERT tokenizer turns into nothing,
        which would shift every later label, so such tokens never reach it.
        """
        tokenize = self.recognizer.tokenizer.tokenize
        groups = doc.sents if doc.has_annotation("SENT_START") else [doc[:]]
        out = []
        for sent in groups:
            idx = [t.i for t in sent if not t.is_space and tokenize(t.text)]
            if idx:
                out.append(idx)
        return out

    def entity_chars(self, doc: Doc) -> list[tuple[int, int, str]]:
        """CAMeL's entities as (start_char, end_char, CAMeL label)."""
        sentences = self._sentences(doc)
        if not sentences:
            return []
        labels = self.recognizer.predict([[doc[i].text for i in s] for s in sentences], batch_size=self.batch_size)
        out = []
        for idx, labs in zip(sentences, labels):
            for a, b, kind in bio_spans(labs):
                out.append((doc[idx[a]].idx, doc[idx[b - 1]].idx + len(doc[idx[b - 1]]), kind))
        return out

    def split_proclitics(self, doc: Doc, ents: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Split a proclitic off the first token of each entity into its own token; entities start at the stem."""
        if self.disambiguator is None or not ents:
            return ents
        firsts = {}
        for s, _, _ in ents:
            tok = doc.char_span(s, s + 1, alignment_mode="expand")
            if tok is not None:
                firsts[s] = tok[0]
        words = [t.text for t in firsts.values()]
        analysed = self.disambiguator.disambiguate(words)
        cut = {}
        for (s, tok), dw in zip(firsts.items(), analysed):
            seg = dw.analyses[0].analysis.get(self.scheme) if dw.analyses else None
            n = proclitic_length(tok.text, seg)
            if 0 < n < len(tok.text) and tok.idx == s:
                cut[s] = (tok, n)
        if cut:
            with doc.retokenize() as retok:
                for tok, n in cut.values():
                    retok.split(tok, [tok.text[:n], tok.text[n:]], heads=[(tok, 1), (tok, 1)])
        return [(s + cut[s][1] if s in cut else s, e, k) for s, e, k in ents]

    def __call__(self, doc: Doc) -> Doc:
        ents = self.split_proclitics(doc, self.entity_chars(doc))
        spans = []
        for s, e, kind in ents:
            span = doc.char_span(s, e, label=kind, alignment_mode="expand")
            if span is not None:
                span._.why = "camel_ner"
                spans.append(span)
        doc.spans[self.spans_key] = spans
        taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        new = []
        for span in spans:
            if span.label_ in LABELS and not taken.intersection(range(span.start, span.end)):
                new.append(Span(doc, span.start, span.end, label=LABELS[span.label_]))
                taken.update(range(span.start, span.end))
        if new:
            doc.set_ents(new, default="unmodified")
        return doc


@Language.factory(
    "camel_ner",
    assigns=["doc.ents", "doc.spans"],
    requires=[],
    default_config={"model": None, "dataset": None, "clitics": "auto", "disambiguator": None,
                    "spans_key": SPANS_KEY, "batch_size": 32, "use_gpu": False},
)
def make_camel_ner(nlp: Language, name: str, model: str | None, dataset: str | None, clitics: str,
                   disambiguator: str | None, spans_key: str, batch_size: int, use_gpu: bool) -> CamelNER:
    """``model``: a folder with a CAMeL-format NER model (else the installed ``dataset``, default arabert);
    ``clitics``: ``"auto"`` (segment when CAMeL's disambiguator is installed), ``"on"`` (required), ``"off"``;
    ``disambiguator``: CAMeL's MLE model name (default calima-msa-r13)."""
    if clitics not in ("auto", "on", "off"):
        raise ValueError(f"camel_ner: clitics must be auto, on or off, not {clitics!r}")
    extensions.register()
    recognizer = load_recognizer(model, dataset, use_gpu)
    dis = None
    if clitics != "off":
        try:
            dis = load_disambiguator(disambiguator)
        except CamelUnavailable as exc:
            if clitics == "on":
                raise
            log.warning("%s; entities keep their proclitics for civic_entities to strip", exc)
    return CamelNER(nlp, name, recognizer=recognizer, disambiguator=dis, spans_key=spans_key, batch_size=batch_size)
