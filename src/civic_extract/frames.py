"""Records as pandas DataFrames: one table per kind of item, joined on the article ``id``.

    frames = civic_extract.to_frames(records)
    frames["events"].groupby("type").beneficiaries.sum()

Unlike the spreadsheet rows of :mod:`civic_extract.output` (lists joined into
one string for Excel), the frames keep Python values a notebook can work with:
``offsets`` stays a list of ``[start, end]`` pairs, slot names a list of
strings, and the first mention's character span is spread into
``char_start``/``char_end`` so ``record.text[char_start:char_end]`` is the
words. Closed vocabularies (labels, event types, categories, qualifiers,
precisions) are categoricals over the schema's full value set, so counts show
the values that never occurred too.

pandas is an optional dependency (``pip install "civic_extract[pandas]"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from .schema import CATEGORIES, EVENT_TYPES, LABELS, PRECISIONS, QUALIFIERS, Record

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

ARTICLE_COLUMNS = ("id", "source", "title", "byline", "published", "schema_version", "error",
                   "n_entities", "n_dates", "n_figures", "n_events", "text")
EVENT_COLUMNS = ("id", "event", "type", "date_start", "date_end", "places", "organizers", "partners",
                 "beneficiaries", "n_figures", "trigger", "char_start", "char_end", "why")
ENTITY_COLUMNS = ("id", "label", "name", "text", "mentions", "char_start", "char_end", "offsets", "alt",
                  "place_id", "place_level", "region", "country", "lat", "lon", "why")
FIGURE_COLUMNS = ("id", "text", "value", "category", "qualifier", "noun", "unit", "currency",
                  "char_start", "char_end", "offsets", "rule")
DATE_COLUMNS = ("id", "text", "start", "end", "precision", "calendar", "role", "char_start", "char_end",
                "offsets", "rule")
COLUMNS = {"articles": ARTICLE_COLUMNS, "events": EVENT_COLUMNS, "entities": ENTITY_COLUMNS,
           "figures": FIGURE_COLUMNS, "dates": DATE_COLUMNS}
CATEGORICAL = {
    ("events", "type"): EVENT_TYPES,
    ("entities", "label"): LABELS,
    ("figures", "category"): CATEGORIES,
    ("figures", "qualifier"): QUALIFIERS,
    ("dates", "precision"): PRECISIONS,
    ("dates", "calendar"): ("gregorian", "hijri", "relative"),
    ("dates", "role"): ("mention", "published"),
}


def _pandas():
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - exercised by a test that hides pandas
        raise ImportError(
            "civic_extract.to_frames needs pandas, an optional dependency: "
            'pip install "civic_extract[pandas]" (or pip install pandas)'
        ) from exc
    return pd


def _first(offsets: list[list[int]] | None) -> tuple[int | None, int | None]:
    return (offsets[0][0], offsets[0][1]) if offsets else (None, None)


def _as_dict(record: Record | dict[str, Any]) -> dict[str, Any]:
    if isinstance(record, Record):
        return record.to_dict()
    if isinstance(record, dict):
        return record
    raise TypeError(f"expected a Record or a record dict, got {type(record).__name__}")


def article_row(rec: dict[str, Any]) -> dict[str, Any]:
    counts = {f"n_{k}": len(rec.get(k) or []) for k in ("entities", "dates", "figures", "events")}
    return {**{k: rec.get(k) for k in ARTICLE_COLUMNS if not k.startswith("n_")}, **counts}


def event_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for n, ev in enumerate(rec.get("events") or [], start=1):
        ben = ev.get("beneficiaries")
        trigger = ev.get("trigger") or {}
        start, end = _first(trigger.get("offsets"))
        rows.append({
            "id": rec["id"], "event": n, "type": ev["type"], "date_start": ev.get("date_start"),
            "date_end": ev.get("date_end"),
            **{slot: [s["name"] for s in ev.get(slot) or []] for slot in ("places", "organizers", "partners")},
            "beneficiaries": ben["value"] if ben else None, "n_figures": len(ev.get("figures") or []),
            "trigger": trigger.get("name"), "char_start": start, "char_end": end, "why": ev.get("why"),
        })
    return rows


def entity_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for e in rec.get("entities") or []:
        place = e.get("place") or {}
        start, end = _first(e.get("offsets"))
        rows.append({
            "id": rec["id"], "label": e["label"], "name": e["name"], "text": e["text"],
            "mentions": len(e.get("offsets") or []), "char_start": start, "char_end": end,
            "offsets": e.get("offsets") or [], "alt": e.get("alt") or [], "place_id": place.get("id"),
            "place_level": place.get("level"), "region": place.get("region"), "country": place.get("country"),
            "lat": place.get("lat"), "lon": place.get("lon"), "why": e.get("why"),
        })
    return rows


def _item_rows(rec: dict[str, Any], key: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for item in rec.get(key) or []:
        start, end = _first(item.get("offsets"))
        row = {c: item.get(c) for c in columns if c not in ("id", "char_start", "char_end")}
        rows.append({**row, "id": rec["id"], "char_start": start, "char_end": end})
    return rows


def rows(records: Iterable[Record | dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table, as plain dicts (what :func:`to_frames` puts in the DataFrames)."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    for record in records:
        rec = _as_dict(record)
        out["articles"].append(article_row(rec))
        out["events"] += event_rows(rec)
        out["entities"] += entity_rows(rec)
        out["figures"] += _item_rows(rec, "figures", FIGURE_COLUMNS)
        out["dates"] += _item_rows(rec, "dates", DATE_COLUMNS)
    return out


def to_frames(records: Iterable[Record | dict[str, Any]]) -> dict[str, "pd.DataFrame"]:
    """DataFrames ``articles``, ``events``, ``entities``, ``figures``, ``dates`` of ``records``.

    ``records``: :class:`~civic_extract.schema.Record` objects or their dicts (JSONL lines).
    Every table has the column ``id`` of its article; an article with no events
    still has its row in ``articles`` (with its ``error``, if any).
    """
    pd = _pandas()
    tables = rows(records)
    frames = {}
    for name, columns in COLUMNS.items():
        df = pd.DataFrame(tables[name], columns=list(columns))
        for (table, col), values in CATEGORICAL.items():
            if table == name:
                df[col] = pd.Categorical(df[col], categories=list(values))
        frames[name] = df
    for name, col in (("events", "beneficiaries"), ("figures", "value")):
        frames[name][col] = pd.to_numeric(frames[name][col])
    for name in ("events", "entities", "figures", "dates"):
        for col in ("char_start", "char_end"):
            frames[name][col] = frames[name][col].astype("Int64")
    return frames
