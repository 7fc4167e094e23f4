"""Inputs: files, folders, JSONL, HTML and standard input, streamed one article at a time.

Every input becomes exactly one :class:`RawInput`, also when it cannot be read:
the input then carries ``error`` (naming its file and line) and the batch writes
an error record for it, so a run never loses or silently drops an input.
Nothing is loaded whole: folders are walked lazily and JSONL is read line by line.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator

SUFFIXES = (".txt", ".html", ".htm", ".jsonl")
ENCODINGS = ("utf-8-sig", "cp1256")


@dataclass
class RawInput:
    """One article as read, before splitting."""

    id: str
    source: str
    text: str = ""
    kind: str = "text"  # "text" or "html"
    published: str | None = None
    source_url: str | None = None
    error: str | None = None


class InputError(ValueError):
    """An input that cannot be read; the message names the file (and line)."""


def decode(data: bytes, where: str) -> str:
    """UTF-8 (with or without BOM), then cp1256 (Windows Arabic), else a clear error.

    A NUL byte means a binary file (cp1256 would decode nearly any bytes).
    """
    if b"\x00" in data[:65536]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                return data.decode("utf-16")
            except UnicodeDecodeError:
                pass
        raise InputError(f"{where}: binary file (contains NUL bytes), not text")
    for enc in ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{where}: not UTF-8 or cp1256 text")


def _file_id(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root and path.is_relative_to(root) else Path(path.name)
    return str(rel.with_suffix("")).replace(os.sep, "/")


def read_file(path: Path, root: Path | None = None) -> Iterator[RawInput]:
    """One file: a .jsonl gives one input per line, any other file one input."""
    if path.suffix.lower() == ".jsonl":
        yield from read_jsonl(path)
        return
    fid, src = _file_id(path, root), str(path)
    try:
        text = decode(path.read_bytes(), src)
    except (OSError, InputError) as exc:
        yield RawInput(id=fid, source=src, error=_message(exc, src))
        return
    if not text.strip():
        yield RawInput(id=fid, source=src, error=f"{src}: empty file")
        return
    kind = "html" if path.suffix.lower() in (".html", ".htm") else "text"
    yield RawInput(id=fid, source=src, text=text, kind=kind)


def _message(exc: Exception, where: str) -> str:
    msg = str(exc)
    if isinstance(exc, OSError):
        msg = f"{where}: {exc.strerror or exc}"
    return msg


def parse_jsonl_line(line: str, where: str, fallback_id: str) -> RawInput:
    """One JSONL line: an object with ``text`` and optional ``id``, ``published``, ``source_url``."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return RawInput(id=fallback_id, source=where, error=f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(obj, dict):
        return RawInput(id=fallback_id, source=where, error=f"{where}: expected a JSON object, got {type(obj).__name__}")
    id_ = str(obj["id"]) if obj.get("id") is not None else fallback_id
    text = obj.get("text")
    if text is None:
        return RawInput(id=id_, source=where, error=f"{where}: missing 'text'")
    if not isinstance(text, str):
        return RawInput(id=id_, source=where, error=f"{where}: 'text' must be a string, got {type(text).__name__}")
    if not text.strip():
        return RawInput(id=id_, source=where, error=f"{where}: empty 'text'")
    published = obj.get("published")
    kind = "html" if obj.get("format") == "html" else "text"
    return RawInput(id=id_, source=where, text=text, kind=kind,
                    published=published if isinstance(published, str) else None,
                    source_url=obj.get("source_url") if isinstance(obj.get("source_url"), str) else None)


def iter_jsonl_lines(stream: Iterable[bytes], name: str) -> Iterator[RawInput]:
    for n, raw in enumerate(stream, start=1):
        where = f"{name}:{n}"
        try:
            line = decode(raw, where)
        except InputError as exc:
            yield RawInput(id=where, source=where, error=str(exc))
            continue
        if line.strip():
            yield parse_jsonl_line(line, where, fallback_id=where)


def read_jsonl(path: Path) -> Iterator[RawInput]:
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield RawInput(id=str(path), source=str(path), error=_message(exc, str(path)))
        return
    with fh:
        yield from iter_jsonl_lines(fh, str(path))


def read_stdin(stream: IO[bytes] | None = None) -> Iterator[RawInput]:
    """Standard input: JSONL when the first line is a JSON object, else one article."""
    stream = stream or sys.stdin.buffer
    first = stream.readline()
    if first.lstrip().startswith(b"{"):
        try:
            is_json = isinstance(json.loads(first.decode("utf-8", "replace")), dict)
        except json.JSONDecodeError:
            is_json = False
        if is_json:
            yield from iter_jsonl_lines(_chain(first, stream), "<stdin>")
            return
    data = first + stream.read()
    try:
        text = decode(data, "<stdin>")
    except InputError as exc:
        yield RawInput(id="stdin", source="<stdin>", error=str(exc))
        return
    if not text.strip():
        yield RawInput(id="stdin", source="<stdin>", error="<stdin>: empty input")
        return
    kind = "html" if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")) else "text"
    yield RawInput(id="stdin", source="<stdin>", text=text, kind=kind)


def _chain(first: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    yield first
    yield from stream


def walk(folder: Path) -> Iterator[Path]:
    """Files with a known suffix below ``folder``, sorted, lazily, folder by folder."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(SUFFIXES) and not name.startswith("."):
                yield Path(dirpath) / name


def iter_inputs(specs: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[RawInput]:
    """All inputs named on the command line, in order: files, folders, or ``-``.

    ``exclude`` names files never to read, such as the output file when it is
    written inside an input folder (reading it while writing it never ends).
    """
    skip = {Path(p).resolve() for p in exclude if p and p != "-"}
    for spec in specs:
        if spec == "-":
            yield from read_stdin()
            continue
        path = Path(spec)
        if path.is_dir():
            for f in walk(path):
                if f.resolve() not in skip:
                    yield from read_file(f, root=path)
        elif path.exists():
            yield from read_file(path)
        else:
            yield RawInput(id=spec, source=spec, error=f"{spec}: no such file or folder")
