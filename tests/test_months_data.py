"""Drift test: data/months/*.json equal a fresh build from Babel (CLDR) and hijridate.

As dateparser's ``test_dateparser_data_integrity.py`` does for its CLDR tables:
the committed files are regenerated in memory and compared, so a Babel upgrade
that changes a month name fails here instead of silently changing the finder.
"""

from __future__ import annotations

import json

import pytest
from babel import Locale

from civic_extract.data import build_months


@pytest.fixture(scope="module")
def fresh() -> dict[str, dict]:
    return build_months.build()


def test_committed_files_match_a_fresh_build(fresh):
    assert build_months.stale(fresh) == [], "months/ is stale: run `python -m civic_extract.data.build_months`"


def test_build_does_not_depend_on_what_babel_read_before(fresh):
    # Babel's Locale.months caches resolved aliases in dictionaries shared by a
    # locale and its parent, so ar_LB read after ar used to come out as يناير.
    for code in ("ar", "ar_MA", "ar_LB", "ar_DZ"):
        months = Locale.parse(code).months
        months["stand-alone"]["wide"][1], months["format"]["abbreviated"][1]
    assert build_months.build() == fresh


def test_overlay_is_hand_kept_not_generated(fresh):
    assert "overlay.json" not in fresh and "cues.json" not in fresh and "patterns.json" not in fresh


@pytest.mark.parametrize("series", list(build_months.SERIES) + ["hijri"])
def test_every_series_has_twelve_months(fresh, series):
    months = fresh[f"{series}.json"]["months"]
    assert sorted(months, key=int) == [str(n) for n in range(1, 13)]
    assert all(names and all(n.strip() == n for n in names) for names in months.values())


@pytest.mark.parametrize("series, number, name", [
    ("maghreb", 5, "ماي"), ("maghreb", 7, "يوليوز"), ("maghreb", 8, "غشت"), ("maghreb", 9, "شتنبر"),
    ("maghreb", 11, "نونبر"), ("maghreb", 12, "دجنبر"),
    ("algeria_tunisia", 1, "جانفي"), ("algeria_tunisia", 2, "فيفري"), ("algeria_tunisia", 4, "أفريل"),
    ("algeria_tunisia", 6, "جوان"), ("algeria_tunisia", 7, "جويلية"), ("algeria_tunisia", 8, "أوت"),
    ("levant_iraq", 1, "كانون الثاني"), ("levant_iraq", 3, "آذار"), ("levant_iraq", 8, "آب"),
    ("levant_iraq", 10, "تشرين الأول"), ("levant_iraq", 12, "كانون الأول"),
    ("egypt_gulf", 5, "مايو"), ("egypt_gulf", 8, "أغسطس"), ("egypt_gulf", 12, "ديسمبر"),
    ("mauritania", 8, "أغشت"), ("mauritania", 12, "دجمبر"),
    ("hijri", 9, "رمضان"), ("hijri", 12, "ذو الحجة"),
])
def test_regional_names_come_from_the_libraries(fresh, series, number, name):
    assert name in fresh[f"{series}.json"]["months"][str(number)]


def test_weekdays_follow_python_numbering(fresh):
    days = fresh["weekdays.json"]["weekdays"]
    assert days["0"] == ["الاثنين"] and days["4"] == ["الجمعة"] and days["6"] == ["الأحد"]


def test_overlay_months_are_numbered_and_new():
    overlay = json.loads((build_months.OUTPUT_DIR / "overlay.json").read_text(encoding="utf-8"))
    for calendar in ("gregorian", "hijri"):
        assert set(overlay[calendar]) <= {str(n) for n in range(1, 13)}
        assert all(isinstance(n, str) and n for names in overlay[calendar].values() for n in names)


def test_check_mode_exit_code(tmp_path, monkeypatch, fresh):
    assert build_months.main(["--check"]) == 0
    monkeypatch.setattr(build_months, "OUTPUT_DIR", tmp_path)
    assert build_months.main(["--check"]) == 1  # nothing written there yet
    assert build_months.main([]) == 0
    assert build_months.stale(fresh, tmp_path) == []
