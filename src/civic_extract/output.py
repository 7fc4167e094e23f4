"""Writers for records: JSONL (canonical), CSV, XLSX and Parquet.

JSONL is the canonical format (the one the scorer reads and ``--resume``
continues); the others are views of the same records for spreadsheets and data
teams. Every writer streams: it holds one record (Parquet: one row group) at a
time, so a run's memory does not grow with the number of articles.

Each JSONL record is written as one complete line and flushed, so an
interrupted run never leaves more than one half line behind, and ``--resume``
cuts that off.

Writers take records as plain dicts (:meth:`Record.to_dict` output, or a JSONL
line parsed with :func:`json.loads`), the shape that crosses process
boundaries in a batch run.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from .schema import SCHEMA_VERSION, Record, json_schema

FORMATS = ("jsonl", "csv", "xlsx", "parquet")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
JOIN = " | "

# One row per event; an article without events gets one row with the event columns empty,
# so no article disappears from a spreadsheet. Documented in README.md ("Batch extraction").
EVENT_COLUMNS = (
    "id", "source", "published", "title", "event", "type", "date_start", "date_end", "places",
    "organizers", "partners", "beneficiaries", "figures", "trigger", "why", "error",
)
ENTITY_COLUMNS = ("id", "label", "name", "text", "mentions", "offsets", "alt", "place_id", "region", "country", "why")
FIGURE_COLUMNS = ("id", "text", "value", "category", "qualifier", "noun", "unit", "currency", "offsets", "rule")
DATE_COLUMNS = ("id", "text", "start", "end", "precision", "calendar", "role", "offsets", "rule")
ERROR_COLUMNS = ("id", "source", "error")
SHEETS = {
    "events": EVENT_COLUMNS, "entities": ENTITY_COLUMNS, "figures": FIGURE_COLUMNS,
    "dates": DATE_COLUMNS, "errors": ERROR_COLUMNS,
}


def record_line(record: Record) -> str:
    """One JSON line, keys in the schema's order, Arabic kept readable (no \\u escapes)."""
    return json.dumps(record.to_dict(), ensure_ascii=False) + "\n"


def write_jsonl(records: Iterable[Record], fh: IO[str]) -> int:
    """Write records as JSONL; returns how many were written."""
    n = 0
    for record in records:
        fh.write(record_line(record))
        fh.flush()
        n += 1
    return n


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file, one dict at a time (blank lines skipped)."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def format_for(path: str, fmt: str | None = None) -> str:
    """The output format: ``fmt`` when given, else from the extension; JSONL by default."""
    if fmt:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; the formats are {', '.join(FORMATS)}")
        return fmt
    return EXTENSIONS.get(Path(path).suffix.lower(), "jsonl") if path != "-" else "jsonl"


# ---------------------------------------------------------------- flat rows


def _offsets(offsets: list[list[int]] | None) -> str:
    return JOIN.join(f"{s}-{e}" for s, e in offsets or [])


def _names(slots: list[dict[str, Any]] | None) -> str:
    return JOIN.join(s["name"] for s in slots or [])


def _figure_label(f: dict[str, Any]) -> str:
    qualifier = "" if f.get("qualifier") in (None, "exact") else f" ({f['qualifier']})"
    return f"{_number(f['value'])} {f['category']}{qualifier}"


def _number(value: int | float | None) -> int | float | None:
    """300.0 -> 300, so a count reads as a count in a spreadsheet."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def event_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    """The CSV / ``events`` sheet rows of one record: one per event, or one with empty event columns."""
    base = {"id": rec["id"], "source": rec.get("source"), "published": rec.get("published"),
            "title": rec.get("title"), "error": rec.get("error")}
    rows = []
    for n, ev in enumerate(rec.get("events") or [], start=1):
        ben = ev.get("beneficiaries")
        rows.append({**base, "event": n, "type": ev["type"], "date_start": ev.get("date_start"),
                     "date_end": ev.get("date_end"), "places": _names(ev.get("places")),
                     "organizers": _names(ev.get("organizers")), "partners": _names(ev.get("partners")),
                     "beneficiaries": _number(ben["value"]) if ben else None,
                     "figures": JOIN.join(_figure_label(f) for f in ev.get("figures") or []),
                     "trigger": (ev.get("trigger") or {}).get("name"), "why": ev.get("why")})
    return rows or [base]


def entity_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for e in rec.get("entities") or []:
        place = e.get("place") or {}
        rows.append({"id": rec["id"], "label": e["label"], "name": e["name"], "text": e["text"],
                     "mentions": len(e.get("offsets") or []), "offsets": _offsets(e.get("offsets")),
                     "alt": JOIN.join(e.get("alt") or []), "place_id": place.get("id"),
                     "region": place.get("region"), "country": place.get("country"), "why": e.get("why")})
    return rows


def figure_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": rec["id"], **{k: f.get(k) for k in FIGURE_COLUMNS[1:]},
             "value": _number(f.get("value")), "offsets": _offsets(f.get("offsets"))}
            for f in rec.get("figures") or []]


def date_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": rec["id"], **{k: d.get(k) for k in DATE_COLUMNS[1:]}, "offsets": _offsets(d.get("offsets"))}
            for d in rec.get("dates") or []]


def error_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": rec["id"], "source": rec.get("source"), "error": rec["error"]}] if rec.get("error") else []


SHEET_ROWS = {"events": event_rows, "entities": entity_rows, "figures": figure_rows,
              "dates": date_rows, "errors": error_rows}

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP):
# article text is untrusted, so such a cell gets a leading apostrophe; read_csv takes it off.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# ---------------------------------------------------------------- writers


class JsonlWriter:
    """The canonical output: one record per line; ``sync()`` makes written lines durable."""

    def __init__(self, path: str, append: bool = False, stream: IO[str] | None = None):
        self.path = path
        self._own = stream is None
        self.fh = stream if stream is not None else open(path, "a" if append else "w", encoding="utf-8")

    def write_line(self, line: str) -> None:
        self.fh.write(line)
        self.fh.flush()

    def write(self, rec: dict[str, Any]) -> None:
        self.write_line(json.dumps(rec, ensure_ascii=False) + "\n")

    def sync(self) -> None:
        """Flush and fsync: what is written survives a kill or a power loss."""
        self.fh.flush()
        if self._own:
            os.fsync(self.fh.fileno())

    def close(self) -> None:
        if self._own:
            self.sync()
            self.fh.close()


class CsvWriter:
    """One row per event (see :data:`EVENT_COLUMNS`), UTF-8 with BOM so Excel shows Arabic."""

    def __init__(self, path: str, stream: IO[str] | None = None):
        self._own = stream is None
        self.fh = stream if stream is not None else open(path, "w", encoding="utf-8-sig", newline="")
        if stream is not None:
            stream.write("\ufeff")
        self.writer = csv.DictWriter(self.fh, fieldnames=EVENT_COLUMNS, lineterminator="\r\n")
        self.writer.writeheader()

    def write(self, rec: dict[str, Any]) -> None:
        for row in event_rows(rec):
            self.writer.writerow({k: _csv_cell(row.get(k)) for k in EVENT_COLUMNS})

    def sync(self) -> None:
        self.fh.flush()

    def close(self) -> None:
        self.fh.flush()
        if self._own:
            self.fh.close()


class XlsxWriter:
    """A workbook with the sheets of :data:`SHEETS`, right-to-left, written in openpyxl's streaming mode."""

    MAX_CELL = 32767  # Excel's limit on the characters of one cell

    def __init__(self, path: str):
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self.path = path
        self._illegal = ILLEGAL_CHARACTERS_RE
        self._cell = WriteOnlyCell
        self.wb = Workbook(write_only=True)
        self.sheets = {}
        for name, columns in SHEETS.items():
            ws = self.wb.create_sheet(name)
            ws.sheet_view.rightToLeft = True
            ws.freeze_panes = "A2"
            head = []
            for col in columns:
                cell = WriteOnlyCell(ws, col)
                cell.font = Font(bold=True)
                head.append(cell)
            ws.append(head)
            self.sheets[name] = ws

    def _value(self, ws: Any, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = self._illegal.sub("", value)
        if len(text) > self.MAX_CELL:
            text = text[: self.MAX_CELL - 1] + "…"
        cell = self._cell(ws, text)
        cell.data_type = "s"  # never a formula, whatever the article says
        return cell

    def write(self, rec: dict[str, Any]) -> None:
        for name, columns in SHEETS.items():
            ws = self.sheets[name]
            for row in SHEET_ROWS[name](rec):
                ws.append([self._value(ws, row.get(c)) for c in columns])

    def sync(self) -> None:
        """Nothing to do: a workbook is only valid once closed."""

    def close(self) -> None:
        self.wb.save(self.path)


def parquet_schema():
    """The Arrow schema of a record: nested lists and structs as in the JSON Schema.

    ``entities.place`` (a gazetteer record with open-ended keys) is stored as a
    JSON string; figure and beneficiary values as float64. The file metadata
    carries the JSON Schema and its version.
    """
    import pyarrow as pa

    offsets = pa.list_(pa.list_(pa.int32()))
    s = pa.string()
    slot = pa.struct([("name", s), ("offsets", offsets), ("why", s)])
    figure = pa.struct([("text", s), ("value", pa.float64()), ("category", s), ("qualifier", s),
                        ("offsets", offsets), ("rule", s), ("noun", s), ("unit", s), ("currency", s)])
    entity = pa.struct([("label", s), ("name", s), ("text", s), ("offsets", offsets), ("alt", pa.list_(s)),
                        ("place", s), ("why", s)])
    date = pa.struct([("text", s), ("start", s), ("end", s), ("precision", s), ("calendar", s),
                      ("offsets", offsets), ("rule", s), ("role", s)])
    event = pa.struct([("type", s), ("date_start", s), ("date_end", s), ("places", pa.list_(slot)),
                       ("organizers", pa.list_(slot)), ("partners", pa.list_(slot)),
                       ("beneficiaries", pa.struct([("value", pa.float64()), ("offsets", offsets), ("why", s)])),
                       ("figures", pa.list_(figure)), ("trigger", slot), ("why", s)])
    schema = pa.schema([
        ("id", s), ("source", s), ("title", s), ("byline", s), ("published", s), ("text", s),
        ("entities", pa.list_(entity)), ("dates", pa.list_(date)), ("figures", pa.list_(figure)),
        ("events", pa.list_(event)), ("schema_version", s), ("error", s),
    ])
    js = json_schema()
    return schema.with_metadata({
        "civic_extract.schema_version": SCHEMA_VERSION,
        "civic_extract.json_schema_id": js.get("$id", ""),
        "civic_extract.json_schema": json.dumps(js, ensure_ascii=False),
    })


def _to_arrow_row(rec: dict[str, Any]) -> dict[str, Any]:
    entities = [{**e, "place": json.dumps(e["place"], ensure_ascii=False) if e.get("place") is not None else None}
                for e in rec.get("entities") or []]
    return {**rec, "entities": entities}


class ParquetWriter:
    """Records as Parquet row groups of ``row_group`` records (zstd), streamed."""

    def __init__(self, path: str, row_group: int = 1000):
        import pyarrow.parquet as pq

        self.schema = parquet_schema()
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.rows: list[dict[str, Any]] = []
        self.row_group = row_group

    def write(self, rec: dict[str, Any]) -> None:
        self.rows.append(_to_arrow_row(rec))
        if len(self.rows) >= self.row_group:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def sync(self) -> None:
        """Nothing to do: a Parquet file is only valid once closed."""

    def close(self) -> None:
        self._flush()
        self.writer.close()


def open_writer(path: str, fmt: str | None = None, append: bool = False, stdout: IO[str] | None = None):
    """A writer for ``path`` (``-``: standard output, JSONL or CSV only) in ``fmt`` or the extension's format."""
    fmt = format_for(path, fmt)
    if path == "-":
        stream = stdout or sys.stdout
        if fmt == "jsonl":
            return JsonlWriter(path, stream=stream)
        if fmt == "csv":
            return CsvWriter(path, stream=stream)
        raise ValueError(f"{fmt} cannot be written to standard output; give -o FILE.{fmt}")
    if fmt == "jsonl":
        return JsonlWriter(path, append=append)
    if append:
        raise ValueError(f"only JSONL output can be appended to (resumed), not {fmt}")
    return {"csv": CsvWriter, "xlsx": XlsxWriter, "parquet": ParquetWriter}[fmt](path)


def write_records(records: Iterable[Record | dict[str, Any]], path: str, fmt: str | None = None) -> int:
    """Write records to ``path`` in ``fmt`` (or the extension's format); returns how many."""
    writer = open_writer(path, fmt)
    n = 0
    try:
        for rec in records:
            writer.write(rec.to_dict() if isinstance(rec, Record) else rec)
            n += 1
    finally:
        writer.close()
    return n


# ---------------------------------------------------------------- readers (round trips, reports)


def read_csv(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV written by :class:`CsvWriter`, with the formula guard taken off."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [{k: (v[1:] if v[:1] == "'" and v[1:2] and v[1:2] in "=+-@\t\r'" else v) for k, v in row.items()}
                for row in csv.DictReader(fh)]


def read_parquet(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of a Parquet file written by :class:`ParquetWriter`, in the JSONL record shape."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches():
        for row in batch.to_pylist():
            for e in row["entities"] or []:
                e["place"] = json.loads(e["place"]) if e["place"] is not None else None
            for f in row["figures"] or []:
                f["value"] = _number(f["value"])
            for ev in row["events"] or []:
                for f in ev["figures"] or []:
                    f["value"] = _number(f["value"])
                if ev["beneficiaries"] is not None:
                    ev["beneficiaries"]["value"] = _number(ev["beneficiaries"]["value"])
            yield row


def parquet_metadata(path: str | Path) -> dict[str, str]:
    """The civic_extract keys of a Parquet file's metadata (schema version, JSON Schema)."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    return {k.decode(): v.decode() for k, v in meta.items() if k.startswith(b"civic_extract.")}


def csv_text(records: Iterable[dict[str, Any]]) -> str:
    """The CSV of ``records`` as a string (BOM included), for tests and small exports."""
    buf = io.StringIO()
    w = CsvWriter("-", stream=buf)
    for rec in records:
        w.write(rec)
    return buf.getvalue()
