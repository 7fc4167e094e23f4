"""Ship a trained pipeline as ``models/ar_civic_ner`` with its scores, speed and sources.

    python models/package.py --model /tmp/ner_out/model-best --out models/ar_civic_ner \\
        --metrics models/metrics --stats models/corpus/stats.json

Copies the ``model-best`` directory, then writes into its ``meta.json``: the test
scores produced by ``spacy evaluate`` (``metrics/*.json``), the words/second measured
here on one thread, the training-data counts from ``convert.py`` and every source with
its licence. ``spacy package`` would build a pip wheel; the project loads the
directory with ``spacy.load`` instead, so a plain copy is what ships.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

SOURCES = [
    {
        "name": "CLEANANERCorp (ANERcorp corrected), TRAIN half of the CAMeL Lab split",
        "url": "https://github.com/iwan-rg/CLEANANERCorp",
        "license": "GPL-3.0 file in the repository; the underlying CAMeL Lab split is CC BY-SA 4.0",
        "author": "AlDuwais, Al-Khalifa & AlSalman 2024; Benajiba, Rosso & Benedí 2007",
    },
    {
        "name": "CAraNER (Saudi newspapers 2019-2021)",
        "url": "https://github.com/kacst-ncdaai/caraner",
        "license": "no licence file; the paper says the corpus is available for download for free (cite it)",
        "author": "Al-Thubaity, Alkhereyf, Alzahrani & Bahanshal 2022",
    },
    {
        "name": "AQMAR Arabic Wikipedia NER corpus",
        "url": "http://www.cs.cmu.edu/~ark/ArabicNER/",
        "license": "CC BY-SA 3.0",
        "author": "Mohit, Schneider, Bhowmick, Oflazer & Smith 2012",
    },
    {
        "name": "Wojood public sample",
        "url": "https://github.com/SinaLab/ArabicNER",
        "license": "MIT",
        "author": "Jarrar, Khalilia & Ghanem 2022",
    },
    {
        "name": "WikiFANE Gold (Wikipedia part only; NewsFANE, which is ANERcorp text, is not used)",
        "url": "https://github.com/ibrahim85/Arabic-Named-Entity-Recognition-1",
        "license": "CC BY-SA 3.0",
        "author": "Alotaibi & Lee 2014",
    },
    {
        "name": "civic_extract corpus, train split (corpus/splits.json)",
        "url": "corpus/",
        "license": "project licence (MIT); texts written by the team",
        "author": "civic_extract team",
    },
]

EVALUATION_SETS = {
    "anercorp_camel_test": "ANERcorp CAMeL Lab test split (shared/data/anercorp_camel_splits), original labels",
    "cleananercorp_test": "same 925 sentences with CLEANANERCorp's corrected labels",
    "dev": "held-out slices of the training corpora and the team corpus dev split (model selection)",
}


def measure_speed(nlp, texts: list[str], repeat: int = 3) -> dict:
    """Words/second and ms per 1,000 characters on this thread, one text at a time and piped.

    One text at a time is how the project calls the pipeline on a single article;
    ``nlp.pipe`` is the batch path. The best of ``repeat`` runs is kept, since other
    jobs share the machine.
    """
    chars = sum(len(t) for t in texts)
    words = sum(len(d) for d in nlp.pipe(texts))
    out = {"texts": len(texts), "words": words, "chars": chars}
    for mode in ("single", "pipe"):
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            if mode == "single":
                for t in texts:
                    nlp(t)
            else:
                for _doc in nlp.pipe(texts):
                    pass
            best = min(best, time.perf_counter() - start)
        out[f"{mode}_words_per_second"] = round(words / best)
        out[f"{mode}_ms_per_1000_chars"] = round(best / chars * 1e6, 3)
    return out


def prune_strings(model_dir: Path) -> int:
    """Drop the training words from ``vocab/strings.json``; return how many were dropped.

    ``spacy train`` stores every word type it has seen (about 4 MB here). Predictions
    only use hashes computed from the text at run time, so the store needs just what a
    blank pipeline with our tokenizer holds plus the NER labels and moves. Keeping the
    corpora's word list out also keeps the shipped directory small; the caller checks
    that predictions are unchanged.
    """
    import spacy

    path = model_dir / "vocab" / "strings.json"
    strings = json.loads(path.read_text(encoding="utf-8"))
    blank = spacy.blank("ar", config={"nlp": {"tokenizer": {"@tokenizers": "civic_extract.tokenizer.v1"}}})
    ner = spacy.load(model_dir).get_pipe("ner")
    needed = set(blank.vocab.strings) | set(ner.labels) | set(ner.move_names)
    kept = [x for x in strings if x in needed]
    path.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    return len(strings) - len(kept)


def predictions(nlp, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]


def dir_size_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 2)


def per_type(metrics: dict) -> dict:
    """The entity scores of a ``spacy evaluate`` JSON, rounded, as ``{label: {p, r, f}}``."""
    rows = {"ALL": {"p": metrics["ents_p"], "r": metrics["ents_r"], "f": metrics["ents_f"]}}
    rows |= metrics.get("ents_per_type", {})
    return {k: {m: round(v[m] * 100, 2) for m in ("p", "r", "f")} for k, v in rows.items()}


def package(model: Path, out: Path, metrics_dir: Path, stats_path: Path, speed_texts: list[str]) -> dict:
    import spacy

    import civic_extract.tokenise  # noqa: F401  registers civic_extract.tokenizer.v1

    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(model, out)
    meta_path = out / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update({
        "name": "civic_ner",
        "version": "0.1.0",
        "description": "ORG/PER/LOC tagger for Arabic press text (civic_extract). Small CNN, "
                       "no pretrained vectors; tokenizer civic_extract.tokenizer.v1.",
        "license": "see sources: trained on share-alike (CC BY-SA 3.0/4.0, GPL-3.0) and free-to-download corpora",
        "sources": SOURCES,
    })
    evaluation = {}
    for name, what in EVALUATION_SETS.items():
        path = metrics_dir / f"{name}.json"
        if path.exists():
            evaluation[name] = {"what": what, "entities": per_type(json.loads(path.read_text(encoding="utf-8")))}
    meta["evaluation"] = evaluation
    if stats_path.exists():
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
        meta["training_data"] = {k: stats[k] for k in ("sources", "train", "dev", "dropped_as_test_duplicates",
                                                       "test_sentences_in_train_or_dev") if k in stats}
    before = predictions(spacy.load(out), speed_texts)
    meta["strings_dropped"] = prune_strings(out)
    nlp = spacy.load(out)
    if predictions(nlp, speed_texts) != before:
        raise RuntimeError("pruning the string store changed predictions; ship the unpruned model")
    meta["speed"] = measure_speed(nlp, speed_texts)
    meta["size_mb"] = dir_size_mb(out)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return meta


def speed_texts_from(docbin: Path, corpus_dir: Path) -> list[str]:
    """Texts to time: the team corpus articles (the genre) or else the test sentences."""
    articles = sorted((corpus_dir / "articles").glob("*.json")) if corpus_dir.is_dir() else []
    if articles:
        return [json.loads(p.read_text(encoding="utf-8"))["text"] for p in articles]
    import spacy
    from spacy.tokens import DocBin

    return [d.text for d in DocBin().from_disk(docbin).get_docs(spacy.blank("ar").vocab)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="trained pipeline (model-best)")
    ap.add_argument("--out", type=Path, default=Path("models/ar_civic_ner"))
    ap.add_argument("--metrics", type=Path, default=Path("models/metrics"), help="spacy evaluate JSON files")
    ap.add_argument("--stats", type=Path, default=Path("models/corpus/stats.json"))
    ap.add_argument("--corpus", type=Path, default=Path("corpus"), help="team corpus (texts for timing)")
    ap.add_argument("--test", type=Path, default=Path("models/corpus/test_camel.spacy"))
    args = ap.parse_args(argv)
    meta = package(args.model, args.out, args.metrics, args.stats, speed_texts_from(args.test, args.corpus))
    json.dump({k: meta[k] for k in ("evaluation", "speed", "size_mb")}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
