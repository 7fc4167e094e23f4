"""Every article of the team's corpus is a valid gold record, and the splits cover it exactly."""

import json
from pathlib import Path

import pytest

from civic_extract.evaluate import check_gold

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FILES = sorted((CORPUS / "articles").glob("*.json"))


def test_corpus_is_large_enough():
    assert len(FILES) >= 120


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_article_validates(path):
    g = json.loads(path.read_text(encoding="utf-8"))
    assert g["id"] == path.stem
    assert check_gold(g) == []


def test_splits_cover_every_article_once():
    splits = json.loads((CORPUS / "splits.json").read_text(encoding="utf-8"))
    ids = [i for name in ("train", "dev", "test") for i in splits[name]]
    assert len(ids) == len(set(ids)), "an article is in two splits"
    assert set(ids) == {f.stem for f in FILES}


@pytest.mark.parametrize(
    "broken,problem",
    [
        ({"published": "23/05/2025"}, "published"),
        ({"dates": [{"text": "غير موجود", "start": "2025-13", "end": None}]}, "does not occur"),
        ({"figures": [{"text": "300 مستفيد", "value": "300", "category": "beneficiaries"}]}, "not a number"),
        ({"events": [{"type": "party", "places": ["فاس"]}]}, "unknown"),
        ({"events": [{"type": "blood_drive", "organizers": ["جمعية مجهولة"]}]}, "not among the ORG"),
    ],
)
def test_check_gold_finds_problems(broken, problem):
    g = {"id": "x", "published": None, "text": "نظمت جمعية الأمل قافلة طبية لفائدة 300 مستفيد بمدينة فاس.",
         "entities": {"ORG": [{"name": "جمعية الأمل"}], "PER": [], "LOC": [{"name": "فاس"}]},
         "dates": [], "figures": [], "events": []}
    assert check_gold(g) == []
    g.update(broken)
    assert any(problem in p for p in check_gold(g))
