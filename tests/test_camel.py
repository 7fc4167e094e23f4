"""The optional CAMeL Tools bridge (``camel_ner``).

The pure parts (BIO decoding, proclitic lengths, the errors a user meets) run
everywhere. The real loading path runs when camel-tools is installed: a tiny
BERT token classifier in CAMeL's format is built here (``camel_tiny.py``) and
loaded by camel-tools' own ``NERecognizer`` in a subprocess whose
``CAMELTOOLS_DATA`` points at it (camel-tools reads that variable once, on import).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from civic_extract import camel
from civic_extract.camel import CamelUnavailable, bio_spans, proclitic_length

HERE = Path(__file__).resolve().parent
HAS_CAMEL = importlib.util.find_spec("camel_tools") is not None and importlib.util.find_spec("torch") is not None
needs_camel = pytest.mark.skipif(not HAS_CAMEL, reason='camel-tools is not installed (pip install "civic_extract[camel]")')


@pytest.mark.parametrize("labels,spans", [
    (["O", "B-ORG", "I-ORG", "O"], [(1, 3, "ORG")]),
    (["B-LOC", "B-LOC"], [(0, 1, "LOC"), (1, 2, "LOC")]),
    (["B-PERS", "I-PERS", "I-LOC"], [(0, 2, "PERS"), (2, 3, "LOC")]),
    (["I-ORG", "I-ORG", "O", "B-MISC"], [(0, 2, "ORG"), (3, 4, "MISC")]),
    (["O", "O"], []),
    ([], []),
])
def test_bio_spans(labels, spans):
    assert bio_spans(labels) == spans


@pytest.mark.parametrize("word,segmented,n", [
    ("بمراكش", "ب+_مراكش", 1),
    ("وبالرباط", "و+_ب+_الرباط", 2),
    ("لجمعية", "ل+_جمعية", 1),
    ("للمستشفى", "ل+_المستشفى", 0),  # the alef of ال is not written: no clean split
    ("مراكش", "مراكش", 0),
    ("بِمراكش", "ب+_مراكش", 2),  # the kasra belongs to the clitic
    ("ب", "ب+_", 0),
    ("وجدة", "NOAN", 0),
    ("وجدة", None, 0),
])
def test_proclitic_length(word, segmented, n):
    assert proclitic_length(word, segmented) == n


def test_no_camel_tools_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(camel.importlib.util, "find_spec", lambda name, *a: None if name == "camel_tools" else real(name, *a))
    with pytest.raises(CamelUnavailable, match=r'pip install "civic_extract\[camel\]"'):
        camel.load_recognizer()


def test_optional_component_is_not_in_the_default_pipeline(nlp):
    assert "camel_ner" not in nlp.pipe_names
    assert "camel_tools" not in sys.modules or HAS_CAMEL


@needs_camel
def test_no_camel_data_names_the_command(monkeypatch, tmp_path):
    monkeypatch.setenv("CAMELTOOLS_DATA", str(tmp_path))
    with pytest.raises(CamelUnavailable, match="camel_data -i ner-arabert"):
        camel.load_recognizer()
    with pytest.raises(CamelUnavailable, match="camel_data -i disambig-mle"):
        camel.load_disambiguator()


@pytest.fixture(scope="module")
def camel_run(tmp_path_factory):
    """What the scenarios of camel_tiny.py printed, run against a tiny model in a fresh CAMELTOOLS_DATA."""
    data = tmp_path_factory.mktemp("camel_data")
    env = {**os.environ, "CAMELTOOLS_DATA": str(data), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    script = str(HERE / "camel_tiny.py")
    subprocess.run([sys.executable, script, str(data), "build"], env=env, check=True, capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, script, str(data)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@needs_camel
def test_camel_ner_goes_before_the_entity_stage(camel_run):
    names = camel_run["pipe_names"]
    assert names.index("camel_ner") == names.index("civic_entities") - 1


@needs_camel
def test_camel_spans_reach_doc_ents_with_our_labels(camel_run):
    assert camel_run["camel_spans"] == [["رابطة السنابل للتضامن", "ORG"], ["بمراكش", "LOC"], ["سليم الورداني", "PERS"]]
    assert camel_run["ents"] == [["رابطة السنابل للتضامن", "ORG"], ["بمراكش", "LOC"], ["سليم الورداني", "PER"]]
    assert camel_run["explicit_ents"] == camel_run["ents"]


@needs_camel
def test_camel_entities_are_merged_with_ours(camel_run):
    # The person has no title or cue our rules know: only CAMeL finds it; the place loses its proclitic.
    assert ["PER", "سليم الورداني", "ner"] in camel_run["record_entities"]
    assert ["LOC", "مراكش"] in camel_run["entities"]


@needs_camel
def test_clitic_segmentation_splits_the_token(camel_run):
    assert ["مراكش", "LOC"] in camel_run["clitic_ents"]
    assert camel_run["clitic_tokens"][6:8] == ["ب", "مراكش"]


@needs_camel
@pytest.mark.parametrize("key,needle", [
    ("missing_dataset", "camel_data -i ner-arabert"),
    ("missing_folder", "BertForTokenClassification"),
    ("clitics_on", "camel_data -i disambig-mle-calima-msa-r13"),
])
def test_clear_errors_when_data_is_missing(camel_run, key, needle):
    assert camel_run[key] and needle in camel_run[key]
