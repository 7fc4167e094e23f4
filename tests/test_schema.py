import json

import jsonschema
import pytest

from civic_extract.schema import (
    SCHEMA_VERSION,
    Beneficiaries,
    DateValue,
    Entity,
    Event,
    Figure,
    Record,
    SlotValue,
    error_record,
    json_schema,
)


def _full_record() -> Record:
    fig = Figure(text="300 مستفيد", value=300, category="beneficiaries", qualifier="exact", offsets=[[40, 50]], rule="num_noun", noun="مستفيد")
    return Record(
        id="a", source="f.txt", title=None, byline=None, published="2024-05-12", text="x" * 60,
        entities=[Entity(label="ORG", name="جمعية الأمل", text="جمعية الأمل", offsets=[[5, 16]], why="ruler:org_head")],
        dates=[DateValue(text="12 ماي 2024", start="2024-05-12", end="2024-05-12", precision="day", calendar="gregorian", offsets=[[20, 31]], rule="day_month_year")],
        figures=[fig],
        events=[Event(type="medical_caravan", date_start="2024-05-12", date_end="2024-05-12",
                      places=[SlotValue("تزنيت", [[33, 38]], "place in trigger sentence")],
                      organizers=[SlotValue("جمعية الأمل", [[5, 16]], "subject of نظمت")], partners=[],
                      beneficiaries=Beneficiaries(300, [[40, 50]], "beneficiaries figure in event paragraph"),
                      figures=[fig], trigger=SlotValue("قافلة طبية", [[17, 27]], "trigger lexicon"), why="trigger")],
    )


def test_schema_file_is_versioned_like_the_code():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["version"] == SCHEMA_VERSION


def test_full_record_validates_and_round_trips():
    rec = _full_record()
    d = json.loads(rec.to_json())
    jsonschema.validate(d, json_schema())
    assert Record.from_dict(d) == rec


def test_error_record_validates():
    jsonschema.validate(error_record("x", "f:3", "f:3: missing 'text'").to_dict(), json_schema())


@pytest.mark.parametrize("key,value", [("published", "23/05/2025"), ("schema_version", "v1"), ("extra", 1)])
def test_schema_rejects_bad_records(key, value):
    d = _full_record().to_dict()
    d[key] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(d, json_schema())
