"""A tiny CAMeL-format NER model and data folder, built by the tests (no download).

CAMeL Tools' ``NERecognizer`` loads a folder holding a HuggingFace
``BertForTokenClassification`` (``save_pretrained``) and its ``vocab.txt``;
``NERecognizer.pretrained()`` finds that folder through the catalogue in
``$CAMELTOOLS_DATA``. :func:`build_data_dir` writes both, so the adapter's real
loading path runs on a model a few kilobytes big.

The weights start random; then the word embeddings and the classifier are set
so that each word of :data:`WORDS` gets its label whatever its context (no
encoder layer mixes the words), which lets the tests assert on the output.

Run as a script (``python camel_tiny.py DATA_DIR``, with ``CAMELTOOLS_DATA``
set) it prints, as JSON, what the scenarios of ``test_camel.py`` check: camel-tools
must be imported in a process whose ``CAMELTOOLS_DATA`` is set before the import.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CAMEL_LABELS = ["B-LOC", "B-ORG", "B-PERS", "B-MISC", "I-LOC", "I-ORG", "I-PERS", "I-MISC", "O"]
# Invented organisation and person; a real city with a proclitic.
WORDS = {"بمراكش": "B-LOC", "رابطة": "B-ORG", "السنابل": "I-ORG", "للتضامن": "I-ORG",
         "سليم": "B-PERS", "الورداني": "I-PERS", "رمضانيات": "B-MISC"}
TEXT = "نظمت رابطة السنابل للتضامن قافلة طبية بمراكش يوم 4 مارس 2024 بإشراف سليم الورداني .\nوشارك فيها أطباء متطوعون."


def build_model(out: Path, words: dict[str, str] = WORDS, seed: int = 0) -> Path:
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizer

    out.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, "نظمت", "قافلة", "طبية"]
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    dim = 2 * len(CAMEL_LABELS)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=dim, num_hidden_layers=0, num_attention_heads=2,
                     intermediate_size=dim, max_position_embeddings=512,
                     id2label=dict(enumerate(CAMEL_LABELS)), label2id={lab: i for i, lab in enumerate(CAMEL_LABELS)})
    torch.manual_seed(seed)
    model = BertForTokenClassification(cfg)
    with torch.no_grad():
        emb = model.bert.embeddings
        emb.position_embeddings.weight.zero_()
        emb.token_type_embeddings.weight.zero_()
        emb.LayerNorm.weight.fill_(1.0)
        emb.LayerNorm.bias.zero_()
        table = emb.word_embeddings.weight
        table.zero_()
        for i, tok in enumerate(vocab):  # label j <-> the pair of dimensions (2j, 2j+1)
            j = CAMEL_LABELS.index(words.get(tok, "O"))
            table[i, 2 * j], table[i, 2 * j + 1] = 1.0, -1.0
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        for j in range(len(CAMEL_LABELS)):
            model.classifier.weight[j, 2 * j] = 1.0
    model.save_pretrained(out)
    BertTokenizer(str(out / "vocab.txt"), do_lower_case=False, tokenize_chinese_chars=False).save_pretrained(out)
    return out


def build_data_dir(root: Path) -> Path:
    """``root`` laid out as camel-tools' data folder: catalogue.json and data/ner/arabert (``other`` is missing)."""
    build_model(root / "data" / "ner" / "arabert")
    catalogue = {"version": "test", "packages": {}, "components": {
        "NamedEntityRecognition": {"default": "arabert", "datasets": {
            "arabert": {"path": "ner/arabert"}, "other": {"path": "ner/other"}}}}}
    (root / "catalogue.json").write_text(json.dumps(catalogue), encoding="utf-8")
    return root


def table_disambiguator(table: dict[str, str]):
    """A CAMeL ``Disambiguator`` answering from a table of ATB tokenisations (word -> ``"ب+_مراكش"``)."""
    from camel_tools.disambig.common import DisambiguatedWord, Disambiguator, ScoredAnalysis

    class TableDisambiguator(Disambiguator):
        def disambiguate_word(self, sentence, word_ndx, top=1):
            w = sentence[word_ndx]
            seg = table.get(w)
            return DisambiguatedWord(w, [ScoredAnalysis(1.0, {"atbtok": seg, "diac": w}, w, 0.0, 0.0)] if seg else [])

        def disambiguate(self, sentence, top=1):
            return [self.disambiguate_word(sentence, i, top) for i in range(len(sentence))]

        def all_feats(self):
            return frozenset({"atbtok", "diac"})

        def tok_feats(self):
            return frozenset({"atbtok"})

    return TableDisambiguator()


def scenarios(data: Path) -> dict:
    import civic_extract
    from civic_extract.camel import CamelUnavailable

    out: dict = {}
    nlp = civic_extract.load(enable=["camel_ner"], config={"camel_ner": {"clitics": "off"}})
    out["pipe_names"] = nlp.pipe_names
    doc = nlp(TEXT)
    out["camel_spans"] = [(s.text, s.label_) for s in doc.spans["camel_ner"]]
    out["ents"] = [(e.text, e.label_) for e in doc.ents]
    out["entities"] = [(e.label, e.name) for e in doc._.entities]
    rec = civic_extract.extract_many([TEXT], nlp=nlp)
    out["record_entities"] = [(e.label, e.name, e.why) for e in next(rec).entities]
    explicit = civic_extract.load(enable=["camel_ner"], config={"camel_ner": {"model": str(data / "data" / "ner" / "arabert"), "clitics": "off"}})
    out["explicit_ents"] = [(e.text, e.label_) for e in explicit(TEXT).ents]
    # clitic segmentation through CAMeL's disambiguator interface
    camel = nlp.get_pipe("camel_ner")
    camel.disambiguator = table_disambiguator({"بمراكش": "ب+_مراكش", "رابطة": "رابطة", "سليم": "سليم"})
    doc = nlp(TEXT)
    out["clitic_ents"] = [(e.text, e.label_) for e in doc.ents]
    out["clitic_tokens"] = [t.text for t in doc][:10]
    for key, cfg in (("missing_dataset", {"dataset": "other"}), ("missing_folder", {"model": str(data / "nowhere")}),
                     ("clitics_on", {"clitics": "on"})):
        try:
            civic_extract.load(enable=["camel_ner"], config={"camel_ner": cfg})
            out[key] = None
        except CamelUnavailable as exc:
            out[key] = str(exc)
    return out


if __name__ == "__main__":
    root = Path(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2] == "build":
        build_data_dir(root)
    else:
        print(json.dumps(scenarios(root), ensure_ascii=False))
