"""``civic_extract.to_frames``: one DataFrame per kind of item, joined on the article id."""

from __future__ import annotations

import builtins
import json

import pytest

import civic_extract
from civic_extract import frames
from civic_extract.schema import CATEGORIES, EVENT_TYPES

pd = pytest.importorskip("pandas", reason='pandas is not installed (pip install "civic_extract[pandas]")')

# Written for these tests: invented organisations and numbers, real places.
TEXTS = [
    {"id": "a", "text": "نظمت جمعية الواحة للتنمية يوم 6 أبريل 2024 قافلة طبية بجماعة تنغير استفاد منها 420 مواطنا.",
     "published": "2024-04-07"},
    {"id": "b", "text": "أطلق مركز تحاقن الدم بسطيف حملة للتبرع بالدم يوم 9 فيفري 2024 جمعت 80 كيسا."},
    {"id": "c", "text": ""},
]


@pytest.fixture(scope="module")
def records():
    return list(civic_extract.extract_many(TEXTS))


@pytest.fixture(scope="module")
def tables(records):
    return civic_extract.to_frames(records)


def test_tables_and_columns(tables):
    assert set(tables) == {"articles", "events", "entities", "figures", "dates"}
    for name, df in tables.items():
        assert list(df.columns) == list(frames.COLUMNS[name])


def test_every_article_has_a_row_even_on_error(tables):
    art = tables["articles"].set_index("id")
    assert list(art.index) == ["a", "b", "c"]
    assert art.loc["c", "error"] and pd.isna(art.loc["a", "error"])
    assert art.loc["a", "n_events"] == 1


def test_rows_match_the_records(records, tables):
    for name in ("entities", "figures", "dates", "events"):
        assert len(tables[name]) == sum(len(getattr(r, name)) for r in records)
    ev = tables["events"].set_index("id")
    assert ev.loc["a", "type"] == "medical_caravan"
    assert ev.loc["a", "beneficiaries"] == 420
    assert "تنغير" in ev.loc["a", "places"]


def test_char_spans_point_into_the_text(records, tables):
    text = {r.id: r.text for r in records}
    for name, col in (("entities", "text"), ("figures", "text"), ("dates", "text")):
        for row in tables[name].itertuples():
            assert text[row.id][row.char_start:row.char_end] == getattr(row, col)


def test_closed_vocabularies_are_categoricals(tables):
    assert list(tables["events"]["type"].cat.categories) == list(EVENT_TYPES)
    assert list(tables["figures"]["category"].cat.categories) == list(CATEGORIES)
    assert tables["figures"]["value"].dtype.kind in "if"


def test_dicts_from_jsonl_give_the_same_frames(records, tables):
    again = civic_extract.to_frames(json.loads(r.to_json()) for r in records)
    for name in tables:
        pd.testing.assert_frame_equal(again[name], tables[name])


def test_no_records_gives_empty_tables_with_columns():
    out = civic_extract.to_frames([])
    assert all(df.empty and list(df.columns) == list(frames.COLUMNS[n]) for n, df in out.items())


def test_bad_item_is_a_type_error():
    with pytest.raises(TypeError, match="Record"):
        civic_extract.to_frames(["not a record"])


def test_missing_pandas_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match=r'pip install "civic_extract\[pandas\]"'):
        civic_extract.to_frames([])
