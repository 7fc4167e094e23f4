"""Writers for records. JSONL is the canonical format (the one the scorer reads).

Each record is written as one complete line and flushed, so an interrupted run
never leaves a half line behind.
"""

from __future__ import annotations

import json
from typing import IO, Iterable

from .schema import Record


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
