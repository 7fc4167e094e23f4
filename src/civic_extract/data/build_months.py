"""Build the month and weekday tables in ``data/months/`` from CLDR (Babel) and hijridate.

    python -m civic_extract.data.build_months            # rewrite the committed files
    python -m civic_extract.data.build_months --check    # exit 1 if they have drifted

The Arab press writes each month in one of several regional series, and CLDR
already records them per locale: Maghrebi (``ar_MA``: ماي، يوليوز، غشت، شتنبر),
Mauritanian (``ar_MR``: أغشت، شتمبر، دجمبر), Algerian/Tunisian (``ar_DZ``/``ar_TN``:
جانفي، فيفري، جوان، جويلية، أوت), Levantine/Iraqi (``ar_LB``/``ar_IQ``/``ar_SY``/
``ar_JO``/``ar_PS``: كانون الثاني … كانون الأول) and Egyptian/Gulf (``ar_EG``/``ar_SA``).
So, as dateparser does with its ``cldr_language_data``, the tables are generated
rather than typed: one JSON per series with the format and stand-alone forms
(wide and abbreviated), plus the weekdays, plus the Hijri month names that
hijridate (Umm al-Qura) ships. Spellings that neither library has (يونيه، مايس،
كانون 2 …) live in the hand-kept ``months/overlay.json``, which this module
never writes. ``tests/test_months_data.py`` regenerates everything in memory and
fails when the committed files differ.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import localedata
from babel.core import get_global
from hijridate import Hijri

OUTPUT_DIR = Path(__file__).with_name("months")

# series name -> CLDR locales whose Gregorian month names make up that series.
SERIES: dict[str, tuple[str, ...]] = {
    "maghreb": ("ar_MA",),
    "mauritania": ("ar_MR",),
    "algeria_tunisia": ("ar_DZ", "ar_TN"),
    "levant_iraq": ("ar_LB", "ar_IQ", "ar_SY", "ar_JO", "ar_PS"),
    "egypt_gulf": ("ar", "ar_EG", "ar_SA"),
}
# Babel keys weekdays 0 (Monday) … 6 (Sunday), as Python's date.weekday() does.
WEEKDAY_LOCALE = "ar"
# Any year of the Umm al-Qura range gives the same twelve names.
HIJRI_SAMPLE_YEAR = 1445


def _clean(name: str) -> str:
    """CLDR sometimes joins two-word months with a no-break space (تشرين\xa0الأول)."""
    return " ".join(name.split())


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(_clean(n) for n in names))


@lru_cache(maxsize=None)
def _raw(code: str) -> dict[str, Any]:
    """One locale's own CLDR data, read from Babel's file, with aliases unresolved.

    Babel's ``Locale.months`` resolves aliases (stand-alone -> format) by writing
    the result into dictionaries shared between a locale and its parent, so what
    ``ar_LB`` returns depends on whether ``ar`` was read first. Reading the files
    and resolving here keeps the build deterministic.
    """
    with open(localedata.resolve_locale_filename(code), "rb") as fh:
        return pickle.load(fh)


def _chain(code: str) -> list[str]:
    """The locale and its ancestors, most specific first (ar_LB, ar, root)."""
    out = [code]
    while code != "root":
        parent = get_global("parent_exceptions").get(code)
        code = parent or ("root" if "_" not in code else code.rsplit("_", 1)[0])
        out.append(code)
    return out


def cldr(code: str, *keys: Any) -> Any:
    """``keys`` looked up in CLDR for ``code``, with inheritance and aliases, as CLDR defines them."""
    for name in _chain(code):
        node: Any = _raw(name)
        for i, key in enumerate(keys):
            if isinstance(node, localedata.Alias):
                return cldr(code, *node.keys, *keys[i:])
            if isinstance(node, tuple):  # a partial dict over an alias
                alias, others = node
                if key in others:
                    node = others[key]
                    continue
                return cldr(code, *alias.keys, *keys[i:])
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            if isinstance(node, localedata.Alias):
                return cldr(code, *node.keys)
            return node
    raise KeyError(f"{code}: {keys}")


FORMS = (("format", "wide"), ("stand-alone", "wide"), ("format", "abbreviated"))


def month_series(locales: tuple[str, ...]) -> dict[str, list[str]]:
    """Month number (as a string key, for JSON) -> its names in these locales.

    The format forms come first (how a date is written: 5 ماي 2024), then the
    stand-alone and abbreviated forms where a locale has distinct ones.
    """
    return {
        str(n): _unique([cldr(code, "months", ctx, width, n) for code in locales for ctx, width in FORMS])
        for n in range(1, 13)
    }


def weekdays() -> dict[str, list[str]]:
    """Weekday number (Monday = 0, as ``date.weekday()``) -> its Arabic names."""
    return {str(n): _unique([cldr(WEEKDAY_LOCALE, "days", ctx, width, n) for ctx, width in FORMS]) for n in range(7)}


def hijri_months() -> dict[str, list[str]]:
    """Hijri month number -> the Arabic name hijridate uses (Umm al-Qura calendar)."""
    return {str(n): [_clean(Hijri(HIJRI_SAMPLE_YEAR, n, 1).month_name("ar"))] for n in range(1, 13)}


def build() -> dict[str, dict[str, Any]]:
    """File name -> content of every generated file (the overlay is not generated)."""
    files: dict[str, dict[str, Any]] = {}
    for series, locales in SERIES.items():
        files[f"{series}.json"] = {
            "series": series,
            "calendar": "gregorian",
            "source": "Unicode CLDR via Babel: Locale.months (format/stand-alone wide, format abbreviated)",
            "locales": list(locales),
            "months": month_series(locales),
        }
    files["hijri.json"] = {
        "series": "hijri",
        "calendar": "hijri",
        "source": "hijridate Hijri.month_name('ar') (Umm al-Qura)",
        "locales": [],
        "months": hijri_months(),
    }
    files["weekdays.json"] = {
        "source": f"Unicode CLDR via Babel: Locale.parse({WEEKDAY_LOCALE!r}).days; keys as date.weekday() (Monday = 0)",
        "weekdays": weekdays(),
    }
    return files


def dumps(content: dict[str, Any]) -> str:
    """The exact text written for one file (stable key order, UTF-8, final newline)."""
    return json.dumps(content, ensure_ascii=False, indent=1) + "\n"


def stale(files: dict[str, dict[str, Any]], directory: Path | None = None) -> list[str]:
    """Names of the files whose committed text differs from a fresh build."""
    directory = directory or OUTPUT_DIR
    out = []
    for name, content in files.items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != dumps(content):
            out.append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only report drift (exit 1), write nothing")
    args = ap.parse_args(argv)
    files = build()
    if args.check:
        drift = stale(files)
        for name in drift:
            print(f"stale: months/{name}", file=sys.stderr)
        return 1 if drift else 0
    OUTPUT_DIR.mkdir(exist_ok=True)
    for name, content in files.items():
        (OUTPUT_DIR / name).write_text(dumps(content), encoding="utf-8")
        print(f"wrote months/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
