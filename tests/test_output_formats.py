"""Output formats: JSONL, CSV (one row per event, BOM, formula guard), XLSX sheets, Parquet nested + metadata."""

import json

import jsonschema
import pytest

from civic_extract.cli import main
from civic_extract.output import (
    DATE_COLUMNS, ENTITY_COLUMNS, EVENT_COLUMNS, FIGURE_COLUMNS, SHEETS, csv_text, event_rows, format_for,
    open_writer, parquet_metadata, read_csv, read_jsonl, read_parquet, write_records,
)
from civic_extract.schema import (
    SCHEMA_VERSION, Beneficiaries, DateValue, Entity, Event, Figure, Record, SlotValue, error_record, json_schema,
)

TEXT = ("قافلة طبية بأكادير\n"
        "نظمت جمعية السنابل للتضامن قافلة طبية بمدينة أكادير يوم 12 مارس 2024 بشراكة مع مؤسسة الريان، "
        "استفاد منها 450 مستفيدا، وتبرع 60 متطوعا بالدم.")


def span(text: str, part: str, nth: int = 0) -> list[list[int]]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return [[start, start + len(part)]]


def sample_records() -> list[Record]:
    t = TEXT
    org = Entity("ORG", "جمعية السنابل للتضامن", "جمعية السنابل للتضامن", span(t, "جمعية السنابل للتضامن"), why="org.head")
    partner = Entity("ORG", "مؤسسة الريان", "مؤسسة الريان", span(t, "مؤسسة الريان"), alt=["الريان"], why="org.head")
    loc = Entity("LOC", "أكادير", "أكادير", span(t, "أكادير") + span(t, "أكادير", 1),
                 place={"id": "ma:province:09.001", "name_ar": "أكادير", "region": "سوس-ماسة", "country": "MA",
                        "lat": 30.42, "population": 1000}, why="gazetteer")
    date = DateValue("12 مارس 2024", "2024-03-12", "2024-03-12", "day", "gregorian", span(t, "12 مارس 2024"), "day_month")
    ben = Figure("450 مستفيدا", 450, "beneficiaries", "exact", span(t, "450 مستفيدا"), "count", noun="مستفيدا")
    vol = Figure("60 متطوعا", 60, "volunteers", "at_least", span(t, "60 متطوعا"), "count", noun="متطوعا")
    caravan = Event(
        "medical_caravan", "2024-03-12", "2024-03-12",
        places=[SlotValue("أكادير", span(t, "أكادير", 1), "place in trigger sentence")],
        organizers=[SlotValue(org.name, org.offsets, "organiser cue")],
        partners=[SlotValue(partner.name, partner.offsets, "partner cue"), SlotValue("جماعة أكادير", [], "test")],
        beneficiaries=Beneficiaries(450, ben.offsets, "serving verb"), figures=[ben],
        trigger=SlotValue("قافلة طبية", span(t, "قافلة طبية", 1), "trigger lexicon"), why="caravan trigger")
    drive = Event("blood_drive", None, None, [], [], [], None, [vol],
                  SlotValue("تبرع", span(t, "تبرع"), "trigger lexicon"), why="blood trigger")
    full = Record("art/1", "feed.jsonl:1", "قافلة طبية بأكادير", None, "2024-03-14", t,
                  entities=[org, partner, loc], dates=[date], figures=[ben, vol], events=[caravan, drive])
    no_event = Record("art/2", "feed.jsonl:2", "=HYPERLINK(\"http://x\")", None, None, "=1+1 نص بلا نشاط")
    failed = error_record("feed.jsonl:3", "feed.jsonl:3", "feed.jsonl:3: not valid JSON (Expecting value at column 1)")
    return [full, no_event, failed]


@pytest.fixture
def recs() -> list[dict]:
    return [r.to_dict() for r in sample_records()]


@pytest.mark.parametrize("path,fmt,want", [
    ("o.jsonl", None, "jsonl"), ("o.CSV", None, "csv"), ("o.xlsx", None, "xlsx"), ("o.parquet", None, "parquet"),
    ("o.txt", None, "jsonl"), ("-", None, "jsonl"), ("o.data", "csv", "csv"), ("o.csv", "jsonl", "jsonl"),
])
def test_format_from_extension_or_option(path, fmt, want):
    assert format_for(path, fmt) == want


def test_unknown_format_and_unstreamable_stdout():
    with pytest.raises(ValueError, match="unknown format"):
        format_for("o", "xml")
    with pytest.raises(ValueError, match="standard output"):
        open_writer("-", "parquet")


def test_jsonl_round_trip(tmp_path, recs):
    path = tmp_path / "o.jsonl"
    assert write_records(sample_records(), str(path)) == 3
    back = list(read_jsonl(path))
    assert back == recs
    assert [Record.from_dict(r) for r in back] == sample_records()


def test_event_rows_one_per_event_and_one_for_an_article_without(recs):
    rows = [row for r in recs for row in event_rows(r)]
    assert [(r["id"], r.get("event"), r.get("type")) for r in rows] == [
        ("art/1", 1, "medical_caravan"), ("art/1", 2, "blood_drive"), ("art/2", None, None), ("feed.jsonl:3", None, None)]
    first = rows[0]
    assert first["partners"] == "مؤسسة الريان | جماعة أكادير"
    assert first["beneficiaries"] == 450 and first["figures"] == "450 beneficiaries"
    assert rows[1]["figures"] == "60 volunteers (at_least)"


def test_csv_round_trip_bom_columns_and_formula_guard(tmp_path, recs):
    path = tmp_path / "o.csv"
    write_records(recs, str(path))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\r\n", 1)[0].decode()
    assert header.split(",") == list(EVENT_COLUMNS)
    assert b"'=HYPERLINK" in raw  # a spreadsheet shows the cell as text, never runs it
    rows = read_csv(path)
    want = [row for r in recs for row in event_rows(r)]
    assert len(rows) == len(want) == 4
    for got, exp in zip(rows, want):
        assert got == {k: "" if exp.get(k) is None else str(exp[k]) for k in EVENT_COLUMNS}
    assert rows[2]["title"] == '=HYPERLINK("http://x")'
    assert rows[3]["error"].startswith("feed.jsonl:3: ")


def test_csv_text_to_a_stream_starts_with_bom(recs):
    text = csv_text(recs[:1])
    assert text.startswith("\ufeffid,source,")
    assert text.count("\r\n") == 3


def test_xlsx_sheets_rows_and_text_cells(tmp_path, recs):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "o.xlsx"
    write_records(recs, str(path))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS) == ["events", "entities", "figures", "dates", "errors"]
    rows = {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}
    assert rows["events"][0] == EVENT_COLUMNS and rows["entities"][0] == ENTITY_COLUMNS
    assert rows["figures"][0] == FIGURE_COLUMNS and rows["dates"][0] == DATE_COLUMNS
    assert [r[0] for r in rows["events"][1:]] == ["art/1", "art/1", "art/2", "feed.jsonl:3"]
    assert rows["events"][1][EVENT_COLUMNS.index("beneficiaries")] == 450
    assert [(r[1], r[2], r[4]) for r in rows["entities"][1:]] == [
        ("ORG", "جمعية السنابل للتضامن", 1), ("ORG", "مؤسسة الريان", 1), ("LOC", "أكادير", 2)]
    assert rows["entities"][3][ENTITY_COLUMNS.index("region")] == "سوس-ماسة"
    assert [r[2] for r in rows["figures"][1:]] == [450, 60]
    assert rows["dates"][1][2] == "2024-03-12"
    assert rows["errors"][1:] == [("feed.jsonl:3", "feed.jsonl:3", recs[2]["error"])]
    title = wb["events"].cell(row=4, column=EVENT_COLUMNS.index("title") + 1)
    assert title.value == '=HYPERLINK("http://x")' and title.data_type == "s"
    assert wb["events"].sheet_view.rightToLeft


def test_xlsx_drops_control_characters_and_caps_cell_length(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    rec = error_record("x", "x", "bad\x01byte " + "ن" * 40000)
    path = tmp_path / "o.xlsx"
    write_records([rec], str(path))
    value = openpyxl.load_workbook(path)["errors"].cell(row=2, column=3).value
    assert value.startswith("badbyte ") and len(value) == 32767


def test_parquet_round_trip_nested_columns_and_schema_metadata(tmp_path, recs):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "o.parquet"
    write_records(recs, str(path))
    back = list(read_parquet(path))
    assert back == recs
    schema = json_schema()
    for r in back:
        jsonschema.validate(r, schema)
    meta = parquet_metadata(path)
    assert meta["civic_extract.schema_version"] == SCHEMA_VERSION == schema["version"]
    assert json.loads(meta["civic_extract.json_schema"]) == schema
    arrow = pq.read_schema(path)
    events = arrow.field("events").type
    assert pa.types.is_list(events) and pa.types.is_struct(events.value_type)
    assert pa.types.is_list(events.value_type.field("places").type)
    table = pq.read_table(path, columns=["id", "events"])
    assert table.column("events").combine_chunks().flatten().field("type").to_pylist() == ["medical_caravan", "blood_drive"]


def test_parquet_streams_row_groups(tmp_path, recs):
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "o.parquet"
    w = open_writer(str(path))
    w.row_group = 2
    for _ in range(3):
        for r in recs:
            w.write(r)
    w.close()
    assert pq.ParquetFile(path).metadata.num_row_groups == 5
    assert [r["id"] for r in read_parquet(path)] == [r["id"] for r in recs] * 3


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet"])
def test_cli_writes_each_format_and_also(tmp_path, ext):
    pytest.importorskip({"csv": "csv", "xlsx": "openpyxl", "parquet": "pyarrow"}[ext])
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "k1", "text": TEXT}, ensure_ascii=False) + "\n[]\n", encoding="utf-8")
    out, also = tmp_path / f"o.{ext}", tmp_path / "o.jsonl"
    assert main(["extract", str(feed), "-o", str(out), "--also", str(also), "-q"]) == 1
    recs = list(read_jsonl(also))
    assert [r["id"] for r in recs] == ["k1", f"{feed}:2"]
    if ext == "csv":
        assert [r["id"] for r in read_csv(out)][-1] == f"{feed}:2"
    elif ext == "parquet":
        assert list(read_parquet(out)) == recs
    else:
        import openpyxl

        assert openpyxl.load_workbook(out)["errors"].cell(row=2, column=1).value == f"{feed}:2"


def test_cli_csv_to_standard_output(tmp_path, capsys):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "k1", "text": TEXT}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["extract", str(feed), "--format", "csv", "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeffid,source,published,title,event,type,")
    assert "\r\nk1,feed.jsonl:1," not in out and f"\r\nk1,{feed}:1," in out
