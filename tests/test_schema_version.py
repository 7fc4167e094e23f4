"""Semantic versioning of the record schema: the JSON Schema cannot change without a version bump.

``tests/schema_versions.json`` pins, for every published ``SCHEMA_VERSION``, the
digest of ``record.schema.json``. Changing the schema without bumping the
version, editing a published pin, or bumping without pinning, each fails here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import civic_extract
from civic_extract.schema import SCHEMA_VERSION, json_schema

PINS = Path(__file__).with_name("schema_versions.json")


def schema_digest(schema: dict) -> str:
    """SHA-256 of the schema as canonical JSON, without its own ``version`` (so a bump alone changes nothing)."""
    body = {k: v for k, v in schema.items() if k != "version"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


@pytest.fixture(scope="module")
def pins() -> dict[str, str]:
    return json.loads(PINS.read_text(encoding="utf-8"))["versions"]


def test_current_version_is_pinned(pins):
    assert SCHEMA_VERSION in pins, (
        f"SCHEMA_VERSION {SCHEMA_VERSION} has no pin: add \"{SCHEMA_VERSION}\": \"{schema_digest(json_schema())}\" "
        f"to {PINS.name}")


def test_schema_unchanged_since_its_version_was_pinned(pins):
    digest = schema_digest(json_schema())
    assert pins.get(SCHEMA_VERSION) == digest, (
        f"record.schema.json changed but SCHEMA_VERSION is still {SCHEMA_VERSION}: bump SCHEMA_VERSION in schema.py "
        f"and \"version\" in the schema file (major: breaks readers; minor: additions; patch: descriptions), "
        f"then pin the new version with digest {digest} in {PINS.name}")


def test_the_current_version_is_the_newest_and_digests_differ(pins):
    assert max(pins, key=_key) == SCHEMA_VERSION
    assert len(set(pins.values())) == len(pins), "two versions pin the same schema: a bump without a change"


def test_every_record_carries_the_version():
    rec = civic_extract.extract("نظمت جمعية الينابيع قافلة طبية بمدينة الجديدة.")
    assert rec.schema_version == SCHEMA_VERSION == json_schema()["version"]
    assert rec.to_dict()["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize("change", [
    lambda s: s["properties"].pop("byline"),
    lambda s: s["$defs"]["figure"]["properties"]["category"]["enum"].append("tents"),
    lambda s: s["properties"]["id"].update(description="changed"),
])
def test_any_change_to_the_schema_changes_the_digest(change):
    schema = json_schema()
    before = schema_digest(schema)
    change(schema)
    assert schema_digest(schema) != before


def test_a_version_bump_alone_keeps_the_digest():
    schema = json_schema()
    bumped = {**schema, "version": "99.0.0"}
    assert schema_digest(bumped) == schema_digest(schema)
