"""Save the pipeline as a folder, with its data and ``spacy package``-style metadata; load it back.

    from civic_extract import packaging
    packaging.save(civic_extract.load(), "civic_pipeline", evaluate_on="corpus")
    nlp = civic_extract.load(model="civic_pipeline")      # or spacy.load(...) after import civic_extract

A saved folder is what a study cites: ``nlp.to_disk`` writes the config and
every component's own state; beside them this module copies the package data
the rule stages read (word lists, patterns, month tables, gazetteer, the JSON
Schema) into ``civic_data/`` and writes ``meta.json`` in the shape
``spacy package`` uses (name, version, pipeline, ``performance``, ``sources``
with their licences) plus a ``civic_extract`` block: code and schema versions
and the SHA-256 of the data. The rule stages read their data from the installed
package, so :func:`load_saved` compares that digest with the installed data and
warns when they differ: the records may then differ from the ones the folder
was scored with.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import warnings
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import spacy
from spacy.language import Language

from . import __version__
from .optional import OPTIONAL_STAGES, add_optional, select
from .schema import SCHEMA_VERSION

DATA_DIR = "civic_data"
DATA_SUFFIXES = (".json", ".jsonl", ".txt", ".md")


class DataMismatchWarning(UserWarning):
    """The installed civic_extract data differs from the data a saved pipeline was written with."""


def package_files() -> dict[str, bytes]:
    """The data files the stages read, by path relative to the package (``data/...``, ``schema/...``)."""
    root = resources.files("civic_extract")
    out: dict[str, bytes] = {}
    for top in ("data", "schema"):
        base = Path(str(root / top))
        for f in sorted(base.rglob("*")):
            if f.is_file() and f.suffix in DATA_SUFFIXES and "__pycache__" not in f.parts:
                out[f.relative_to(base.parent).as_posix()] = f.read_bytes()
    return out


def data_digest(files: dict[str, bytes]) -> str:
    """SHA-256 over (path, content) pairs in path order: equal digests mean the same data."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode("utf-8") + b"\0")
        h.update(hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def saved_files(path: str | Path) -> dict[str, bytes]:
    """The data files copied into a saved pipeline folder."""
    base = Path(path) / DATA_DIR
    return {f.relative_to(base).as_posix(): f.read_bytes() for f in sorted(base.rglob("*")) if f.is_file()}


def base_meta() -> dict[str, Any]:
    """Name, description, licence and sources (``data/package_meta.json``)."""
    ref = resources.files("civic_extract") / "data" / "package_meta.json"
    return json.loads(ref.read_text(encoding="utf-8"))


def score(nlp: Language, gold_dir: str | Path, ids: Iterable[str] | None = None) -> dict[str, Any]:
    """Run ``nlp`` on the gold articles and score it (:func:`civic_extract.evaluate.evaluate`).

    Returns the headline measures, flat as in a spaCy ``meta.json`` ``performance``
    block: strict entity P/R/F per label, dates, figures and events P/R/F, the
    overall F1 and the number of articles.
    """
    from .evaluate import evaluate, load_gold
    from .output import record_line
    from .pipeline import records
    from .readers import RawInput

    golds = load_gold(gold_dir, ids)
    inputs = [RawInput(id=g["id"], source=None, text=g["text"], published=g.get("published")) for g in golds.values()]
    with tempfile.TemporaryDirectory() as tmp:
        pred = Path(tmp) / "pred.jsonl"
        with pred.open("w", encoding="utf-8") as fh:
            for rec in records(nlp, inputs):
                fh.write(record_line(rec))
        report = evaluate(gold_dir, pred, ids=list(golds))
    out: dict[str, Any] = {"articles": report["articles"]}
    rows = {f"{lab}": report["entities"][f"{lab}/strict"] for lab in ("ORG", "PER", "LOC")}
    rows |= {"DATE": report["dates"], "FIGURE": report["figures"], "EVENT": report["events"]}
    for name, row in rows.items():
        out |= {f"{name}_{m}": row[m] for m in ("p", "r", "f1")}
    out["overall_f1"] = report["overall_f1"]
    return out


def corpus_split(corpus_dir: str | Path, split: str = "test") -> tuple[Path, list[str]]:
    """The gold folder and ids of one split of a corpus laid out as ``corpus/`` (articles/, splits.json)."""
    corpus = Path(corpus_dir)
    splits = json.loads((corpus / "splits.json").read_text(encoding="utf-8"))
    return corpus / "articles", list(splits[split])


def build_meta(nlp: Language, performance: dict[str, Any] | None, evaluated_on: str | None, files: dict[str, bytes]) -> dict[str, Any]:
    meta = dict(nlp.meta)
    base = base_meta()
    meta.update({k: base[k] for k in ("name", "description", "author", "url", "license", "sources")})
    meta["version"] = __version__
    meta["requirements"] = [f"civic_extract=={__version__}"]
    meta["performance"] = dict(performance or {})
    meta["civic_extract"] = {
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "data_dir": DATA_DIR,
        "data_files": len(files),
        "data_sha256": data_digest(files),
        "evaluated_on": evaluated_on,
    }
    return meta


def save(nlp: Language, path: str | Path, *, performance: dict[str, Any] | None = None,
         evaluate_on: str | Path | None = None, split: str = "test") -> Path:
    """Write ``nlp`` to ``path`` with its data and metadata; returns the folder.

    ``evaluate_on``: a corpus folder (``articles/`` + ``splits.json``); the
    pipeline is scored on its ``split`` and the scores go into
    ``meta.json["performance"]``. ``performance``: scores computed elsewhere.
    """
    path = Path(path)
    evaluated_on = None
    if evaluate_on is not None:
        gold_dir, ids = corpus_split(evaluate_on, split)
        performance = {**(performance or {}), **score(nlp, gold_dir, ids)}
        evaluated_on = f"{Path(evaluate_on).name}/{split} ({len(ids)} articles)"
    files = package_files()
    nlp.meta.update(build_meta(nlp, performance, evaluated_on, files))
    nlp.to_disk(path)
    data = path / DATA_DIR
    if data.exists():
        shutil.rmtree(data)
    for name, content in files.items():
        target = data / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return path


def check_data(path: str | Path) -> bool:
    """True when the installed data equals the saved folder's; warns (:class:`DataMismatchWarning`) if not."""
    meta = json.loads((Path(path) / "meta.json").read_text(encoding="utf-8"))
    saved = (meta.get("civic_extract") or {}).get("data_sha256")
    if saved is None:
        return True  # a folder written by plain nlp.to_disk: nothing to compare
    installed = data_digest(package_files())
    if installed == saved:
        return True
    changed = sorted(_changed(saved_files(path), package_files()))
    warnings.warn(
        f"{path}: saved with civic_extract data {saved[:12]}, but the installed package has {installed[:12]} "
        f"(changed: {', '.join(changed[:8])}{' …' if len(changed) > 8 else ''}); the rule stages read the "
        f"installed data, so records may differ from the scores in {path}/meta.json. Install "
        f"civic_extract=={meta.get('civic_extract', {}).get('version')} to reproduce them.",
        DataMismatchWarning,
        stacklevel=3,
    )
    return False


def _changed(a: dict[str, bytes], b: dict[str, bytes]) -> set[str]:
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


def load_saved(path: str | Path, enable: Iterable[str] | None = None, disable: Iterable[str] | None = None,
               config: dict[str, dict[str, Any]] | None = None) -> Language:
    """A pipeline folder loaded with ``spacy.load``, with the same ``enable``/``disable``/``config`` as ``load``."""
    import importlib

    from . import pipeline, spans  # noqa: F401  (register the stage factories)

    path = Path(path)
    if not (path / "config.cfg").exists():
        raise FileNotFoundError(f"{path}: not a saved pipeline (no config.cfg); write one with civic_extract.packaging.save")
    cfg = spacy.util.load_config(path / "config.cfg")
    names = list(cfg["nlp"]["pipeline"])
    for name in names:
        factory = cfg["components"][name].get("factory")
        if factory in OPTIONAL_STAGES:
            importlib.import_module(OPTIONAL_STAGES[factory][0])
    wanted, extra = select(names, enable, disable, str(path))
    keep = set(wanted) | (set(extra) - set(disable or ()))  # optional components saved in the folder stay
    wanted = [n for n in names if n in keep]
    overrides = {f"components.{name}.{key}": value for name, cfg_ in (config or {}).items() if name in names
                 for key, value in cfg_.items()}
    nlp = spacy.load(path, exclude=[n for n in names if n not in wanted], config=overrides)
    add_optional(nlp, [n for n in extra if n not in nlp.pipe_names], config)
    check_data(path)
    return nlp
