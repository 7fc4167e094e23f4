"""Session fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from civic_extract.tokenise import build_tokenizer

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def ar_tokenizer():
    nlp = spacy.blank("ar")
    return build_tokenizer(nlp)


@pytest.fixture(scope="session")
def nlp():
    import civic_extract

    return civic_extract.load()


@pytest.fixture(scope="session")
def shared_eval() -> Path:
    """``shared/eval`` beside the checkout; tests that need it skip when it is absent."""
    if not (SHARED_EVAL / "dev" / "articles.jsonl").exists():
        pytest.skip("shared/eval is not present beside the checkout")
    return SHARED_EVAL


@pytest.fixture(scope="session")
def examples() -> Path:
    return ROOT / "examples"
