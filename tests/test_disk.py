"""A pipeline saved as a folder (``nlp.to_disk`` + data + meta.json) loads back and gives the same records."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest
import spacy

import civic_extract
from civic_extract import packaging
from civic_extract.pipeline import STAGES, records
from civic_extract.readers import RawInput

ROOT = Path(__file__).resolve().parents[1]

# Written for these tests: invented organisations, people and numbers; real places.
TEXTS = [
    "نظمت جمعية الأفق للتضامن يوم 18 مارس 2024 قافلة طبية متعددة التخصصات بإقليم الحوز، استفاد منها 610 مستفيدين.",
    "وقعت مديرية الصحة بالزرقاء والجمعية الأردنية لرعاية المسنين اتفاقية شراكة يوم 2 أيار 2023 بحضور الدكتور فارس العتوم.",
    "جمعت حملة التبرع بالدم التي نظمها نادي الشباب بصفاقس 140 كيسا من الدم خلال يومين.",
]


def _records(nlp):
    return [r.to_dict() for r in records(nlp, [RawInput(id=str(i), source=None, text=t) for i, t in enumerate(TEXTS)])]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("pipe") / "civic_pipeline"
    nlp = civic_extract.load()
    packaging.save(nlp, path, evaluate_on=ROOT / "corpus")
    return path, nlp


def test_folder_has_config_data_and_meta(saved):
    path, nlp = saved
    assert (path / "config.cfg").exists()
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    assert meta["pipeline"] == nlp.pipe_names
    assert meta["name"] == "civic_extract" and meta["version"] == civic_extract.__version__
    assert meta["civic_extract"]["schema_version"] == civic_extract.schema.SCHEMA_VERSION
    assert meta["sources"] and all(s["license"] and s["name"] for s in meta["sources"])
    perf = meta["performance"]
    assert perf["articles"] > 0 and 0 <= perf["overall_f1"] <= 1 and "EVENT_f1" in perf
    saved_files = packaging.saved_files(path)
    assert "schema/record.schema.json" in saved_files and "data/places.jsonl" in saved_files
    assert packaging.data_digest(saved_files) == meta["civic_extract"]["data_sha256"]


def test_spacy_load_gives_the_same_records(saved):
    path, nlp = saved
    again = spacy.load(path)
    assert again.pipe_names == nlp.pipe_names
    assert _records(again) == _records(nlp)


def test_load_model_with_enable_and_config(saved):
    path, _ = saved
    nlp = civic_extract.load(model=path, enable=["civic_segment", "civic_dates"], config={"civic_segment": {"read_header": False}})
    assert nlp.pipe_names == ["civic_segment", "civic_dates"]
    assert nlp.get_pipe("civic_segment") is not None
    assert nlp.config["components"]["civic_segment"]["read_header"] is False


def test_load_model_that_is_not_a_pipeline(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a saved pipeline"):
        civic_extract.load(model=tmp_path)


def test_changed_data_warns(saved, tmp_path):
    path, _ = saved
    copy = tmp_path / "copy"
    import shutil

    shutil.copytree(path, copy)
    meta = json.loads((copy / "meta.json").read_text(encoding="utf-8"))
    meta["civic_extract"]["data_sha256"] = "0" * 64
    (copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (copy / packaging.DATA_DIR / "data" / "package_meta.json").write_text("{}", encoding="utf-8")
    with pytest.warns(packaging.DataMismatchWarning, match="package_meta.json"):
        assert packaging.check_data(copy) is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert packaging.check_data(path) is True


def test_every_factory_has_a_spacy_entry_point():
    """``spacy.load(folder)`` without importing civic_extract finds the factories through entry points."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]["spacy_factories"]
    wanted = {name for name, _ in STAGES} | {"civic_spans", "camel_ner"}
    assert wanted <= set(declared), f"add to [project.entry-points.spacy_factories]: {sorted(wanted - set(declared))}"


def test_plain_spacy_load_in_a_fresh_process(saved):
    """No ``import civic_extract``: the installed entry points must resolve every factory."""
    path, nlp = saved
    code = f"import spacy; print(spacy.load({str(path)!r}).pipe_names)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if "entry point" in done.stderr or "Can't find factory" in done.stderr:
        pytest.skip("the installed package predates its spacy_factories entry points: pip install -e . again")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(nlp.pipe_names)
