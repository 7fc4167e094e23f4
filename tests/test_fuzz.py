"""Fuzzing: hostile and broken input never crashes a run and never loses a record (issue 10).

Hypothesis generates the inputs: random Unicode (bidi controls, zero-width
joiners, combining marks stacked 50 deep), Arabic sentences with random damage
(spaces deleted, letters doubled, digits in three scripts mixed), empty and
whitespace-only texts, HTML fragments (scripts, deep nesting, no body), and
files and JSONL feeds made of such texts plus broken bytes, broken JSON lines,
missing or non-string ``text``, duplicate ids and lone surrogates escaped in
JSON. Every example must give exactly one record per input, in order, each a
valid record (schema, offsets inside its text, encodable as UTF-8), with
``error`` set where the input could not be processed. The Python API
(``civic_extract.extract_many``, ``pipeline.records``), the batch runner and
the command line (in-process and as a subprocess) are all fed.

The example counts are bounded (``FUZZ_SCALE`` multiplies them): about 2,000
examples, 7,000 inputs, one minute on two cores; ``FUZZ_SCALE=10`` for a longer
hunt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import civic_extract
from civic_extract.batch import run
from civic_extract.cli import EXIT_NEARLY_ALL_FAILED, EXIT_OK, EXIT_SOME_FAILED, main
from civic_extract.pipeline import records
from civic_extract.readers import RawInput, iter_inputs
from civic_extract.schema import json_schema

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                database=None)

# ---------------------------------------------------------------- strategies

# Invented press vocabulary (no dev-set text): organisations, activities, places, numbers, months.
WORDS = (
    "نظمت جمعية الأفق الأخضر للتنمية قافلة طبية متعددة التخصصات لفائدة ساكنة جماعة بمدينة فاس "
    "يوم الأحد مارس أبريل شتنبر كانون الثاني استفاد منها أزيد من مستفيدا مستفيدة حملة للتبرع بالدم "
    "بشراكة مع المندوبية الإقليمية للصحة والحماية الاجتماعية بإقليم تارودانت أطباء ممرضين عملية فحص "
    "درهم ألف مليون ثلاثمائة وعشرين الدكتور سعيد البقالي رئيس المركز الاستشفائي الجامعي وجدة "
    "1446 هـ 2025 15 03 ، . ؛ ؟ - ( ) « » / : % +"
).split()
BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
COMBINING = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0301\u0308\u0327\u20d7"
SPACES = " \t\n\r\u00a0\u2000\u2003\u2028\u2029\u3000\u0085\x0b\x0c"
DIGITS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"]
SPECIAL = BIDI + ZERO_WIDTH + COMBINING + SPACES + "\u0640\ufffd\x00\x01\x1b\x7f"

any_unicode = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
special_soup = st.text(st.sampled_from(list(SPECIAL) + ["ا", "ل", "م", "1", "٣", "."]), max_size=200)
blank = st.text(st.sampled_from(list(SPACES + ZERO_WIDTH + BIDI)), max_size=40)


@st.composite
def combining_stack(draw) -> str:
    """Letters each carrying a stack of up to 50 combining marks."""
    parts = []
    for word in draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6)):
        marks = draw(st.text(st.sampled_from(COMBINING), min_size=0, max_size=50))
        parts.append(word[0] + marks + word[1:])
    return " ".join(parts)


@st.composite
def damaged_arabic(draw) -> str:
    """Invented sentences, damaged: spaces deleted, letters doubled, digits in mixed scripts, junk inserted."""
    words = draw(st.lists(st.sampled_from(WORDS) | st.integers(0, 10**9).map(str), min_size=1, max_size=80))
    text = list(" ".join(words) + draw(st.sampled_from(["", ".", "\n", "\n\n"])))
    rnd = draw(st.randoms(use_true_random=False))
    out = []
    for ch in text:
        roll = rnd.random()
        if ch == " " and roll < 0.3:
            continue  # deleted space
        if ch.isdigit() and ch.isascii():
            ch = rnd.choice(DIGITS)[int(ch)]
        out.append(ch)
        if roll > 0.95:
            out.append(ch)  # doubled letter
        elif roll > 0.93:
            out.append(rnd.choice(SPECIAL))
    if rnd.random() < 0.3:
        out.insert(rnd.randrange(len(out) + 1), "\n")
    return "".join(out)


@st.composite
def hostile_html(draw) -> str:
    """HTML pages: scripts and styles around the text, tags nested deep, no body, unclosed tags."""
    body = draw(damaged_arabic())
    depth = draw(st.sampled_from([0, 1, 30, 300, 3000]))
    tag = draw(st.sampled_from(["div", "span", "b", "p", "table", "li"]))
    inner = f"<{tag}>" * depth + f"<p>{body}</p>" + (f"</{tag}>" * depth if draw(st.booleans()) else "")
    script = "<script>document.write('<p>x</p>'); fetch('http://example.invalid/x')</script>"
    parts = draw(st.lists(st.sampled_from([script, "<style>p{}</style>", "<!-- تعليق -->", "<br>", "&amp;&#1575;&#xZZ;",
                                           "<img src=http://example.invalid/a.png>", "</html>", "<![CDATA[x]]>"]),
                          max_size=4))
    title = f"<title>{draw(damaged_arabic())}</title>" if draw(st.booleans()) else ""
    shape = draw(st.sampled_from(["full", "nobody", "fragment", "head-only"]))
    if shape == "full":
        return f"<!DOCTYPE html><html><head>{title}</head><body>{''.join(parts)}{inner}</body></html>"
    if shape == "nobody":
        return f"<html><head>{title}{''.join(parts)}</head>{inner}</html>"
    if shape == "head-only":
        return f"<html><head>{title}</head></html>"
    return "".join(parts) + inner


hostile_text = st.one_of(damaged_arabic(), any_unicode, special_soup, combining_stack(), blank, st.just(""))

# ---------------------------------------------------------------- checks


def offsets(value: Any) -> Iterator[tuple[int, int]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "offsets":
                yield from (tuple(pair) for pair in v)
            else:
                yield from offsets(v)
    elif isinstance(value, list):
        for v in value:
            yield from offsets(v)


_VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def check_record(rec: dict[str, Any]) -> None:
    """A valid record: schema, offsets inside its text, writable as UTF-8 JSON; an error names something."""
    _VALIDATOR.validate(rec)
    json.dumps(rec, ensure_ascii=False).encode("utf-8")
    n = len(rec["text"])
    for start, end in offsets(rec):
        assert 0 <= start <= end <= n, (start, end, n)
    if rec["error"] is not None:
        assert rec["error"].strip() and rec["text"] == ""


def check_all(recs: list[dict[str, Any]], ids: list[str]) -> None:
    assert [r["id"] for r in recs] == ids
    for rec in recs:
        check_record(rec)


# ---------------------------------------------------------------- the Python API


@settings(FUZZ, max_examples=examples(1000))
@given(st.lists(hostile_text, min_size=1, max_size=6))
def test_extract_many_one_record_per_text(texts):
    recs = [r.to_dict() for r in civic_extract.extract_many(texts)]
    check_all(recs, [str(i) for i in range(len(texts))])


@settings(FUZZ, max_examples=examples(200))
@given(damaged_arabic(), st.one_of(st.none(), st.sampled_from(["2024-02-30", "0000-00-00", "9999-12-31"]),
                                   st.dates().map(str)))
def test_extract_one_text_with_any_published(text, published):
    check_record(civic_extract.extract(text, published=published).to_dict())


@settings(FUZZ, max_examples=examples(500))
@given(st.lists(st.tuples(st.one_of(hostile_text, hostile_html()), st.sampled_from(["text", "html"]),
                          st.booleans()), min_size=1, max_size=5))
def test_records_over_raw_inputs(nlp, items):
    """``pipeline.records``: text or HTML, some inputs already failed at reading, duplicate ids."""
    raws = [RawInput(id=f"d{i % 2}", source=f"feed.jsonl:{i + 1}", text=t, kind=kind,
                     error=f"feed.jsonl:{i + 1}: not valid JSON" if broken else None)
            for i, (t, kind, broken) in enumerate(items)]
    recs = [r.to_dict() for r in records(nlp, raws, batch_size=2)]
    check_all(recs, [r.id for r in raws])
    for raw, rec in zip(raws, recs):
        if raw.error:
            assert rec["error"] == raw.error


# ---------------------------------------------------------------- files and feeds


@st.composite
def jsonl_line(draw, n: int) -> tuple[bytes, bool]:
    """One JSONL line and whether it is an input (a blank line is not)."""
    kind = draw(st.sampled_from(["ok", "ok", "html", "surrogate", "no-text", "non-string", "broken", "not-object",
                                 "bad-bytes", "blank", "dup-id", "odd-fields"]))
    text = draw(damaged_arabic())
    if kind == "blank":
        return draw(st.sampled_from([b"", b"  ", b"\t\r"])), False
    if kind == "broken":
        whole = json.dumps({"id": f"b{n}", "text": text}, ensure_ascii=False).encode("utf-8")
        return whole[: draw(st.integers(1, max(1, len(whole) - 1)))], True
    if kind == "bad-bytes":
        return b'{"id": "x", "text": "' + draw(st.binary(min_size=1, max_size=40)).replace(b"\n", b"") + b'"}', True
    obj: dict[str, Any] = {"id": f"l{n}", "text": text}
    if kind == "html":
        obj.update(text=draw(hostile_html()), format="html")
    elif kind == "surrogate":
        obj["text"] = text + draw(st.sampled_from(["\ud800", "\udfff", "\udc00\ud800"]))
    elif kind == "no-text":
        del obj["text"]
    elif kind == "non-string":
        obj["text"] = draw(st.sampled_from([5, 2.5, None, True, ["نص"], {"t": "نص"}]))
    elif kind == "not-object":
        return json.dumps(draw(st.sampled_from([[1, 2], "نص", 7, None]))).encode(), True
    elif kind == "dup-id":
        obj["id"] = "same"
    elif kind == "odd-fields":
        obj.update(id=draw(st.sampled_from([None, 0, 1.5, True, "\ud800", ["a"]])),
                   published=draw(st.sampled_from([None, 20240101, "garbage", "2024-13-45", "\udfff"])),
                   source_url=draw(st.sampled_from([None, 7, "http://example.invalid/a", "\ud800"])))
    # ensure_ascii=True writes lone surrogates as "\ud800" escapes, as a JSON producer would.
    return json.dumps(obj, ensure_ascii=draw(st.booleans()) or kind in ("surrogate", "odd-fields")).encode("utf-8"), True


@st.composite
def input_files(draw) -> list[tuple[str, bytes, int]]:
    """(file name, bytes, inputs it holds): text and HTML files in several encodings, JSONL feeds, binary."""
    files = []
    for i in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["utf-8", "utf-8-bom", "utf-16", "cp1256", "truncated", "binary", "html",
                                     "jsonl", "empty"]))
        text = draw(damaged_arabic())
        if kind == "jsonl":
            lines = [draw(jsonl_line(n)) for n in range(draw(st.integers(0, 8)))]
            sep = draw(st.sampled_from([b"\n", b"\r\n"]))
            data = sep.join(line for line, _ in lines) + draw(st.sampled_from([b"", sep]))
            files.append((f"f{i}.jsonl", data, sum(1 for line in data.split(b"\n") if line.strip())))
            continue
        if kind == "cp1256":
            data = text.encode("cp1256", "replace")
        elif kind == "utf-16":
            data = text.encode("utf-16")
        elif kind == "utf-8-bom":
            data = text.encode("utf-8-sig")
        elif kind == "truncated":
            whole = text.encode("utf-8")
            data = whole[: draw(st.integers(0, len(whole)))]
        elif kind == "binary":
            data = draw(st.binary(min_size=1, max_size=300))
        elif kind == "html":
            data = draw(hostile_html()).encode("utf-8")
        elif kind == "empty":
            data = draw(blank).encode("utf-8")
        else:
            data = text.encode("utf-8")
        files.append((f"f{i}.{'html' if kind == 'html' else 'txt'}", data, 1))
    return files


def write_tree(folder: Path, files: list[tuple[str, bytes, int]]) -> int:
    for name, data, _ in files:
        (folder / name).write_bytes(data)
    return sum(n for _, _, n in files)


def read_out(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]


@settings(FUZZ, max_examples=examples(300))
@given(input_files())
def test_cli_one_record_per_input_and_exit_code(files):
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "in", Path(tmp) / "out.jsonl"
        folder.mkdir()
        expected = write_tree(folder, files)
        ids = [raw.id for raw in iter_inputs([str(folder)])]
        assert len(ids) == expected
        code = main(["extract", str(folder), "-o", str(out), "-q", "-w", "1"])
        recs = read_out(out)
        check_all(recs, ids)
        failed = sum(r["error"] is not None for r in recs)
        assert code == (EXIT_OK if not failed else EXIT_NEARLY_ALL_FAILED if failed == len(recs) > 1 else EXIT_SOME_FAILED)


@settings(FUZZ, max_examples=examples(6))
@given(st.lists(damaged_arabic() | any_unicode, min_size=40, max_size=80))
def test_worker_pool_equals_the_in_process_run(nlp, items):
    """The process pool (2 workers, tiny chunks) gives the in-process records, byte for byte."""
    raws = [RawInput(id=f"p{i}", source=f"p:{i}", text=t) for i, t in enumerate(items)]
    want = [json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in records(nlp, raws)]
    got = [r.line for r in run(raws, workers=2, chunk_size=7)]
    assert got == want


@settings(FUZZ, max_examples=examples(3))
@given(st.lists(jsonl_line(0), min_size=10, max_size=40), st.sampled_from(["1", "2"]))
def test_cli_subprocess_on_a_broken_feed(lines, workers):
    """The installed command, as a newsroom runs it: standard input and a file, one record per input."""
    data = b"\n".join(line for line, _ in lines) + b"\n"
    inputs = sum(1 for line in data.split(b"\n") if line.strip())
    with tempfile.TemporaryDirectory() as tmp:
        feed, out = Path(tmp) / "feed.jsonl", Path(tmp) / "out.jsonl"
        feed.write_bytes(data)
        ids = [raw.id for raw in iter_inputs([str(feed)])]
        proc = subprocess.run([sys.executable, "-m", "civic_extract.cli", "extract", str(feed), "-o", str(out),
                               "-w", workers, "--chunk-size", "3"], capture_output=True, timeout=300)
        assert proc.returncode in (EXIT_OK, EXIT_SOME_FAILED, EXIT_NEARLY_ALL_FAILED), proc.stderr.decode()
        assert "Traceback" not in proc.stderr.decode("utf-8", "replace")
        recs = read_out(out)
        assert len(recs) == inputs
        check_all(recs, ids)
