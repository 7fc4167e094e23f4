"""Inputs: files, folders, JSONL, HTML and standard input, streamed one article at a time.

Every input becomes exactly one :class:`RawInput`, also when it cannot be read:
the input then carries ``error`` (naming its file and line) and the batch writes
an error record for it, so a run never loses or silently drops an input.
Nothing is loaded whole: folders are walked lazily, JSONL is read line by line,
and a file or line too big for ``max_chars`` characters is refused from its
byte size without being read into memory (:mod:`civic_extract.limits`).

Text reaching the pipeline is always valid Unicode: lone surrogates (from a
JSON ``"\\ud800"`` escape or an undecodable file name) become U+FFFD, one
character for one, so offsets into the text stay right.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

from .limits import DEFAULT_MAX_CHARS, check_size, max_bytes, oversize_bytes_message

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


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (same length, so offsets hold).

    A lone surrogate cannot be encoded as UTF-8: spaCy's tokenizer and every
    output writer would fail on it. JSON allows one as an escape (``"\\ud800"``)
    and Python gives one for each undecodable byte of a file name.
    """
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def display_path(path: str | Path) -> str:
    """A file name fit for a record: bytes that are not UTF-8 shown as U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


# ---------------------------------------------------------------- decoding

# Blocks an Arabic or Latin text is written in, to recognise UTF-16 without a byte-order mark.
_TEXT_CHARS = re.compile("[\t\n\r\x20-\x7e\u00a0-\u024f\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
                         "\u2000-\u206f\ufb50-\ufdff\ufe70-\ufeff]")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a byte-order mark: it decodes and is nearly all Arabic/Latin/punctuation."""
    if len(data) % 2:
        return None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text and len(_TEXT_CHARS.findall(text)) >= 0.9 * len(text):
            return text
    return None


def _damaged_utf8(data: bytes) -> str | None:
    """UTF-8 with a few bad bytes (a truncated download, a damaged sector), bad bytes as U+FFFD.

    cp1256 decodes any bytes, so without this a UTF-8 file cut in the middle
    of its last character would be read whole as cp1256 mojibake. Arabic
    cp1256 text is almost never valid UTF-8 (its letters are lead bytes
    followed by other letters, not continuation bytes), so many validly
    decoded multi-byte characters per bad byte mean UTF-8.
    """
    text = data.decode("utf-8-sig", "replace")
    replaced = text.count("\ufffd")
    bad = replaced - data.count(b"\xef\xbf\xbd")
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - replaced
    return text if bad > 0 and multibyte >= 10 * bad else None


def decode(data: bytes, where: str) -> str:
    """UTF-8 (with or without BOM, or damaged), UTF-16, then cp1256 (Windows Arabic), else a clear error.

    A NUL byte means UTF-16 or a binary file (cp1256 would decode nearly any bytes).
    """
    if b"\x00" in data[:65536]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                return clean_text(data.decode("utf-16"))
            except UnicodeDecodeError:
                pass
        text = _utf16_without_bom(data)
        if text is not None:
            return clean_text(text)
        raise InputError(f"{where}: binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = _damaged_utf8(data)
    if text is not None:
        return text
    try:
        return data.decode("cp1256")
    except UnicodeDecodeError:
        raise InputError(f"{where}: not UTF-8, UTF-16 or cp1256 text") from None


# ---------------------------------------------------------------- files


def _file_id(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root and path.is_relative_to(root) else Path(path.name)
    return display_path(str(rel.with_suffix("")).replace(os.sep, "/"))


def read_file(path: Path, root: Path | None = None, max_chars: int | None = DEFAULT_MAX_CHARS) -> Iterator[RawInput]:
    """One file: a .jsonl gives one input per line, any other file one input.

    A file found in a folder (``root`` given) must be a regular file: a named
    pipe or a device called ``x.txt`` would block the run or never end. A path
    named on the command line may be a pipe (``<(zcat feed.jsonl.gz)``).
    """
    fid, src = _file_id(path, root), display_path(path)
    if root is not None and not is_regular(path):
        try:
            path.stat()
        except OSError as exc:
            yield RawInput(id=fid, source=src, error=_message(exc, src))
            return
        yield RawInput(id=fid, source=src, error=f"{src}: not a regular file (a pipe, socket or device); not read")
        return
    if path.suffix.lower() == ".jsonl":
        yield from read_jsonl(path, max_chars=max_chars)
        return
    try:
        size = path.stat().st_size
        if max_chars is not None and size > max_bytes(max_chars):
            yield RawInput(id=fid, source=src, error=oversize_bytes_message(src, size, max_chars))
            return
        text = decode(path.read_bytes(), src)
    except (OSError, InputError) as exc:
        yield RawInput(id=fid, source=src, error=_message(exc, src))
        return
    if not text.strip():
        yield RawInput(id=fid, source=src, error=f"{src}: empty file")
        return
    error = check_size(text, src, max_chars)
    if error:
        yield RawInput(id=fid, source=src, error=error)
        return
    kind = "html" if path.suffix.lower() in (".html", ".htm") else "text"
    yield RawInput(id=fid, source=src, text=text, kind=kind)


def is_regular(path: Path) -> bool:
    """A regular file (symbolic links followed): safe to open and read to its end."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _message(exc: Exception, where: str) -> str:
    msg = str(exc)
    if isinstance(exc, OSError):
        msg = f"{where}: {exc.strerror or exc}"
    return msg


# ---------------------------------------------------------------- JSONL


def _optional_str(value: object) -> str | None:
    return clean_text(value) if isinstance(value, str) else None


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")


def iso_date(value: object) -> str | None:
    """``YYYY-MM-DD`` from a ``published`` field (a full ISO timestamp keeps its date), else None.

    Anything else (another date format, a number, an impossible date such as
    2024-02-30) is left out rather than written into a record whose schema
    promises an ISO date; the pipeline then reads the date from the byline.
    """
    if not isinstance(value, str) or not (m := _ISO_DATE.match(value.strip())):
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def parse_jsonl_line(line: str, where: str, fallback_id: str, max_chars: int | None = DEFAULT_MAX_CHARS) -> RawInput:
    """One JSONL line: an object with ``text`` and optional ``id``, ``published``, ``source_url``."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        why = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        return RawInput(id=fallback_id, source=where, error=f"{where}: not valid JSON ({why})")
    if not isinstance(obj, dict):
        return RawInput(id=fallback_id, source=where, error=f"{where}: expected a JSON object, got {type(obj).__name__}")
    given = obj.get("id")
    id_ = clean_text(str(given)) if given is not None and not isinstance(given, (dict, list)) else fallback_id
    text = obj.get("text")
    if text is None:
        return RawInput(id=id_, source=where, error=f"{where}: missing 'text'")
    if not isinstance(text, str):
        return RawInput(id=id_, source=where, error=f"{where}: 'text' must be a string, got {type(text).__name__}")
    if not text.strip():
        return RawInput(id=id_, source=where, error=f"{where}: empty 'text'")
    error = check_size(text, where, max_chars)
    if error:
        return RawInput(id=id_, source=where, error=error)
    kind = "html" if obj.get("format") == "html" else "text"
    return RawInput(id=id_, source=where, text=clean_text(text), kind=kind,
                    published=iso_date(obj.get("published")), source_url=_optional_str(obj.get("source_url")))


def read_line(readline: Callable[[int], bytes], limit: int) -> tuple[bytes, int]:
    """The next line of a binary stream and its full length in bytes (0 at the end).

    At most ``limit + 1`` bytes are kept: the rest of a longer line is read
    in pieces and dropped, so one 5 GB line costs no more memory than a short
    one. The caller refuses a line whose length is over ``limit``.
    """
    head = readline(limit + 1)
    n = len(head)
    if n > limit and not head.endswith(b"\n"):
        while more := readline(1 << 20):
            n += len(more)
            if more.endswith(b"\n"):
                break
    return head, n


def jsonl_lines(fh: IO[bytes], limit: int, count: int | None = None) -> Iterator[tuple[bytes, int]]:
    """``(line, length)`` for each line of ``fh`` (or its next ``count`` lines), as :func:`read_line` gives them."""
    n = 0
    while count is None or n < count:
        line, size = read_line(fh.readline, limit)
        if not size:
            return
        n += 1
        yield line, size


def is_blank(line: bytes, size: int, limit: int) -> bool:
    """A blank JSONL line is skipped (it is not an input); an over-size one is an input."""
    return size <= limit and not line.strip()


def line_input(line: bytes, size: int, where: str, max_chars: int | None) -> RawInput:
    """The input one non-blank JSONL line gives (an error input when it is over-size or not text)."""
    if max_chars is not None and size > max_bytes(max_chars):
        return RawInput(id=where, source=where, error=oversize_bytes_message(where, size, max_chars))
    try:
        text = decode(line, where)
    except InputError as exc:
        return RawInput(id=where, source=where, error=str(exc))
    return parse_jsonl_line(text, where, fallback_id=where, max_chars=max_chars)


def iter_jsonl_lines(stream: IO[bytes], name: str, max_chars: int | None = DEFAULT_MAX_CHARS,
                     first_line: int = 1, count: int | None = None) -> Iterator[RawInput]:
    """One input per non-blank line of ``stream`` (the lines numbered from ``first_line``)."""
    limit = max_bytes(max_chars) if max_chars is not None else sys.maxsize - 1
    for n, (line, size) in enumerate(jsonl_lines(stream, limit, count), start=first_line):
        if not is_blank(line, size, limit):
            yield line_input(line, size, f"{name}:{n}", max_chars)


def read_jsonl(path: Path, max_chars: int | None = DEFAULT_MAX_CHARS) -> Iterator[RawInput]:
    name = display_path(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield RawInput(id=name, source=name, error=_message(exc, name))
        return
    with fh:
        yield from iter_jsonl_lines(fh, name, max_chars=max_chars)


# ---------------------------------------------------------------- standard input


class _Prefixed:
    """A binary stream with ``first`` pushed back in front (standard input cannot seek)."""

    def __init__(self, first: bytes, stream: IO[bytes]) -> None:
        self.first, self.stream = first, stream

    def readline(self, size: int = -1) -> bytes:
        if self.first:
            line, self.first = self.first, b""
            return line
        return self.stream.readline(size)


def read_stdin(stream: IO[bytes] | None = None, max_chars: int | None = DEFAULT_MAX_CHARS) -> Iterator[RawInput]:
    """Standard input: JSONL when the first line is a JSON object, else one article."""
    stream = stream or sys.stdin.buffer
    limit = max_bytes(max_chars) if max_chars is not None else sys.maxsize - 1
    first, size = read_line(stream.readline, limit)
    if first.lstrip().startswith(b"{"):
        if size > limit:
            yield line_input(first, size, "<stdin>:1", max_chars)
            yield from iter_jsonl_lines(stream, "<stdin>", max_chars, first_line=2)
            return
        try:
            is_json = isinstance(json.loads(first.decode("utf-8", "replace")), dict)
        except (json.JSONDecodeError, RecursionError):
            is_json = False
        if is_json:
            yield from iter_jsonl_lines(_Prefixed(first, stream), "<stdin>", max_chars)  # type: ignore[arg-type]
            return
    data = first + stream.read(limit + 1 - len(first)) if size <= limit else first
    total = len(data) if size <= limit else size
    if total > limit:
        if size <= limit:
            while stream.read(1 << 20):  # drain, so the writer of the pipe is not left blocked
                pass
        yield RawInput(id="stdin", source="<stdin>", error=oversize_bytes_message("<stdin>", total, max_chars or 0))
        return
    try:
        text = decode(data, "<stdin>")
    except InputError as exc:
        yield RawInput(id="stdin", source="<stdin>", error=str(exc))
        return
    if not text.strip():
        yield RawInput(id="stdin", source="<stdin>", error="<stdin>: empty input")
        return
    error = check_size(text, "<stdin>", max_chars)
    if error:
        yield RawInput(id="stdin", source="<stdin>", error=error)
        return
    kind = "html" if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")) else "text"
    yield RawInput(id="stdin", source="<stdin>", text=text, kind=kind)


# ---------------------------------------------------------------- folders and command-line specs


def walk(folder: Path) -> Iterator[Path]:
    """Files with a known suffix below ``folder``, sorted, lazily, folder by folder."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(SUFFIXES) and not name.startswith("."):
                yield Path(dirpath) / name


def iter_inputs(specs: Iterable[str], exclude: Iterable[str] = (),
                max_chars: int | None = DEFAULT_MAX_CHARS) -> Iterator[RawInput]:
    """All inputs named on the command line, in order: files, folders, or ``-``.

    ``exclude`` names files never to read, such as the output file when it is
    written inside an input folder (reading it while writing it never ends).
    ``max_chars``: inputs longer than this become error inputs (None: no limit).
    """
    skip = {Path(p).resolve() for p in exclude if p and p != "-"}
    for spec in specs:
        if spec == "-":
            yield from read_stdin(max_chars=max_chars)
            continue
        path = Path(spec)
        if path.is_dir():
            for f in walk(path):
                if f.resolve() not in skip:
                    yield from read_file(f, root=path, max_chars=max_chars)
        elif path.exists():
            yield from read_file(path, max_chars=max_chars)
        else:
            name = display_path(spec)
            yield RawInput(id=name, source=name, error=f"{name}: no such file or folder")
