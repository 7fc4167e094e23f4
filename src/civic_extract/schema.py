"""The output record and its items: the contract every stage writes to.

Every extracted value keeps ``offsets``, a list of ``[start, end]`` character
pairs into :attr:`Record.text`, so a reader can always go back to the words the
value came from, and a ``rule`` or ``why`` naming what produced it (in the
spirit of presidio's ``AnalysisExplanation``).

The item shapes are the ones ``shared/eval/score.py`` reads; the JSON Schema in
``schema/record.schema.json`` describes them for other projects and is checked
against every record the tests write. Bump :data:`SCHEMA_VERSION` whenever that
file changes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from typing import Any

SCHEMA_VERSION = "1.0.0"

Offsets = list[list[int]]

LABELS = ("ORG", "PER", "LOC")
CATEGORIES = (
    "beneficiaries", "households", "participants", "donors", "volunteers", "doctors",
    "health_staff", "consultations", "surgeries", "dental_care", "medical_acts",
    "blood_units", "medicines", "referrals", "units", "money", "other",
)
QUALIFIERS = ("exact", "at_least", "approx", "at_most")
EVENT_TYPES = (
    "medical_caravan", "blood_drive", "health_campaign", "donation_drive",
    "health_forum", "partnership_agreement", "other",
)
PRECISIONS = ("day", "month", "year")


@dataclass
class Entity:
    """One distinct organisation, person or place of the article, with all its mentions."""

    label: str
    name: str
    text: str
    offsets: Offsets
    alt: list[str] = field(default_factory=list)
    place: dict[str, Any] | None = None
    why: str = ""


@dataclass
class DateValue:
    """A date or period placed on the calendar, at the precision the text gives."""

    text: str
    start: str
    end: str
    precision: str
    calendar: str
    offsets: Offsets
    rule: str
    role: str = "mention"  # "mention", or "published" for a byline/dateline date


@dataclass
class Figure:
    """A count or amount about the civic activity."""

    text: str
    value: int | float
    category: str
    qualifier: str
    offsets: Offsets
    rule: str
    noun: str | None = None
    unit: str | None = None
    currency: str | None = None


@dataclass
class SlotValue:
    """A value filled into an event slot, with the mention it came from and why."""

    name: str
    offsets: Offsets
    why: str


@dataclass
class Beneficiaries:
    value: int | float
    offsets: Offsets
    why: str


@dataclass
class Event:
    """One activity the article reports as having happened or being scheduled."""

    type: str
    date_start: str | None
    date_end: str | None
    places: list[SlotValue]
    organizers: list[SlotValue]
    partners: list[SlotValue]
    beneficiaries: Beneficiaries | None
    figures: list[Figure]
    trigger: SlotValue
    why: str = ""


@dataclass
class Record:
    """One output line: one per input article, always, in input order."""

    id: str
    source: str | None
    title: str | None
    byline: str | None
    published: str | None
    text: str
    entities: list[Entity] = field(default_factory=list)
    dates: list[DateValue] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A plain dict with keys in the schema's order (dataclass field order)."""
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Record":
        """Rebuild a Record (and its items) from :meth:`to_dict` output."""
        d = {f.name: data.get(f.name) for f in fields(cls) if f.name in data}
        d["entities"] = [Entity(**e) for e in data.get("entities") or []]
        d["dates"] = [DateValue(**x) for x in data.get("dates") or []]
        d["figures"] = [Figure(**x) for x in data.get("figures") or []]
        d["events"] = [event_from_dict(e) for e in data.get("events") or []]
        return cls(**d)


def event_from_dict(e: dict[str, Any]) -> Event:
    ben = e.get("beneficiaries")
    return Event(
        type=e["type"],
        date_start=e.get("date_start"),
        date_end=e.get("date_end"),
        places=[SlotValue(**s) for s in e.get("places") or []],
        organizers=[SlotValue(**s) for s in e.get("organizers") or []],
        partners=[SlotValue(**s) for s in e.get("partners") or []],
        beneficiaries=Beneficiaries(**ben) if ben else None,
        figures=[Figure(**f) for f in e.get("figures") or []],
        trigger=SlotValue(**e["trigger"]),
        why=e.get("why", ""),
    )


def error_record(id_: str, source: str | None, message: str) -> Record:
    """The record written for an input that could not be processed: never dropped."""
    return Record(id=id_, source=source, title=None, byline=None, published=None, text="", error=message)


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of a record (``civic_extract/schema/record.schema.json``)."""
    ref = resources.files("civic_extract") / "schema" / "record.schema.json"
    return json.loads(ref.read_text(encoding="utf-8"))
