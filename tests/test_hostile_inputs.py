"""Hostile and broken inputs, one of each kind issue 10 names: what each one gives, exactly.

The fuzz suite (``test_fuzz.py``) checks the invariants on random inputs; this
table pins the outcome of each kind: processed (``error`` None, and the text
as it should be decoded) or an error record whose message names the file (and
line) and says what was wrong. The same tree goes through the Python API, the
batch runner and the command line (one worker and a pool), which must agree.
Also here: the size limit (``--max-chars``) and the exit codes.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import civic_extract
from civic_extract.batch import run
from civic_extract.cli import main
from civic_extract.pipeline import records
from civic_extract.readers import iter_inputs, read_stdin

ART = ("نظمت جمعية الأفق الأخضر للتنمية قافلة طبية متعددة التخصصات لفائدة ساكنة جماعة سيدي علي "
       "بإقليم تارودانت يوم الأحد 16 مارس 2025، استفاد منها 420 مستفيدا.")
DAMAGED = "نظمتجمعية  الأفق قاففلة طبية يوم ١٦ مارس 2٠۲5 استفاد منها ٤2۰ مستفيدا"
UNICODE = ("\u202b" + ART[:20] + "\u202c \u2067نص\u2069 \u200dقافلة\u200d\u200c طبية "
           + "ب" + "\u0651" * 50 + "\u0301" * 10 + "مدينة فاس \u061c\ufeff\u00ad" + ART)


def _feed_lines() -> list[tuple[bytes, str | None]]:
    """(JSONL line, expected error fragment or None for a processed input); blank lines are no input."""
    ok = json.dumps({"id": "j-ok", "text": ART}, ensure_ascii=False).encode()
    return [
        (ok, None),
        (b"", "blank"),
        (json.dumps({"id": "j-sur", "text": "\ud800" + ART + "\udfff"}).encode(), None),  # escaped lone surrogates
        (b'{"id": "j-broken", "text": "' + ART.encode()[:41], "not valid JSON"),
        (json.dumps({"id": "j-missing"}).encode(), "missing 'text'"),
        (json.dumps({"id": "j-num", "text": 42}).encode(), "'text' must be a string, got int"),
        (json.dumps({"id": "j-list", "text": ["نص"]}).encode(), "'text' must be a string, got list"),
        (json.dumps([1, 2]).encode(), "expected a JSON object, got list"),
        (json.dumps({"id": "j-dup", "text": ART}, ensure_ascii=False).encode(), None),
        (json.dumps({"id": "j-dup", "text": DAMAGED}, ensure_ascii=False).encode(), None),
        (json.dumps({"id": "j-pub", "text": ART, "published": "16/03/2025"}, ensure_ascii=False).encode(), None),
        (json.dumps({"id": "j-html", "format": "html", "text": "<p>" + ART + "</p><script>alert(1)</script>"},
                    ensure_ascii=False).encode(), None),
        ("[".encode() * 100_000, "not valid JSON"),
        (b'{"id": "j-bytes", "text": "\xff\xfe\x00\x01"}', "binary file"),
        (b"   ", "blank"),
    ]


def _html(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>قافلة طبية بتارودانت</title></head><body>{body}</body></html>"


# name -> (bytes, expected error fragment or None). Every kind of issue 10's list.
FILES: dict[str, tuple[bytes, str | None]] = {
    "a_unicode.txt": (UNICODE.encode("utf-8"), None),
    "b_damaged.txt": (DAMAGED.encode("utf-8"), None),
    "c_empty.txt": (b"", "empty file"),
    "d_whitespace.txt": (" \n\t\u00a0\u3000\r\n".encode("utf-8"), "empty file"),
    "e_huge.txt": ((ART + "\n").encode("utf-8") * (5_000_000 // len((ART + "\n").encode("utf-8")) + 1),
                   "over the limit of 2,000,000 (--max-chars)"),
    "f_binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary file (contains NUL bytes)"),
    "g_utf16.txt": (ART.encode("utf-16"), None),
    "h_utf16le_nobom.txt": (ART.encode("utf-16-le"), None),
    "i_cp1256.txt": (ART.encode("cp1256"), None),
    "j_truncated.txt": (ART.rstrip(".").encode("utf-8")[:-1], None),  # cut inside the last letter
    "k_scripts.html": (_html("<script>alert('x')</script><article><p>" + ART + "</p><p>" + DAMAGED
                             + "</p></article><script src='http://example.invalid/a.js'></script>").encode(), None),
    "l_deep.html": (_html("<div>" * 10_000 + "<p>" + ART + "</p>" + "</div>" * 10_000).encode(), "any"),
    "m_nobody.html": (b"<html><head><title>\xd9\x86\xd8\xb5</title></head></html>", "no article text"),
    "n_unclosed.html": (("<html><body>" + "<span><b>" * 2_000 + ART).encode(), "any"),
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (data, _) in FILES.items():
        (folder / name).write_bytes(data)
    (folder / "o_feed.jsonl").write_bytes(b"\n".join(line for line, _ in _feed_lines()) + b"\n")
    os.symlink(folder / "missing-target.txt", folder / "p_dangling.txt")
    os.mkfifo(folder / "q_pipe.txt")  # would block a read forever
    (folder / os.fsdecode(b"r_name\xff.txt")).write_bytes(ART.encode())  # a name that is not UTF-8
    return folder


def expected(folder: Path) -> list[tuple[str, str | None]]:
    """(id, expected error fragment) in input order."""
    want = [(name.rsplit(".", 1)[0], err) for name, (_, err) in FILES.items()]
    feed = [(f"{folder}/o_feed.jsonl:{n}", err) for n, (_, err) in enumerate(_feed_lines(), start=1) if err != "blank"]
    ids = {"1": "j-ok", "3": "j-sur", "5": "j-missing", "6": "j-num", "7": "j-list", "9": "j-dup", "10": "j-dup",
           "11": "j-pub", "12": "j-html"}
    feed = [(ids.get(where.rsplit(":", 1)[1], where), err) for where, err in feed]
    return want + feed + [("p_dangling", "No such file or directory"), ("q_pipe", "not a regular file"),
                          ("r_name\ufffd", None)]


def check(recs: list[dict], folder: Path) -> None:
    want = expected(folder)
    assert [r["id"] for r in recs] == [i for i, _ in want]
    for rec, (id_, err) in zip(recs, want):
        if err is None:
            assert rec["error"] is None, rec["error"]
        elif err != "any":
            assert rec["error"] and err in rec["error"], (id_, rec["error"])
        if rec["error"]:
            assert str(folder) in rec["error"] or "<" in rec["error"], rec["error"]  # names the file


@pytest.fixture(scope="module")
def api_records(tree, nlp) -> list[dict]:
    return [r.to_dict() for r in records(nlp, iter_inputs([str(tree)]))]


def test_python_api_gives_the_expected_record_for_each_input(api_records, tree):
    check(api_records, tree)


def test_decoded_texts(api_records):
    by_id = {r["id"]: r for r in api_records if r["error"] is None}
    for name in ("g_utf16", "h_utf16le_nobom", "i_cp1256"):
        assert ART[30:80] in by_id[name]["text"], name
    assert by_id["j_truncated"]["text"].endswith(ART[-10:-2] + "\ufffd")  # not read as cp1256 mojibake
    sur = by_id["j-sur"]["text"]
    assert sur.startswith("\ufffd") and sur.endswith("\ufffd") and "\ud800" not in sur
    assert "alert" not in by_id["k_scripts"]["text"] and "example.invalid" not in by_id["k_scripts"]["text"]
    assert by_id["j-pub"]["published"] is None  # not an ISO date: left out, never written as it came


def test_duplicate_ids_are_kept_both(api_records):
    dups = [r for r in api_records if r["id"] == "j-dup"]
    assert len(dups) == 2 and dups[0]["text"] != dups[1]["text"]


def test_batch_runner_in_process_and_pool_agree(api_records, tree):
    inputs = list(iter_inputs([str(tree)]))
    here = [json.loads(r.line) for r in run(inputs, workers=1)]
    pool = [json.loads(r.line) for r in run(inputs, workers=2, chunk_size=3)]
    assert here == api_records
    assert pool == api_records


@pytest.mark.parametrize("workers", ["1", "2"])
def test_command_line_on_the_hostile_tree(tree, api_records, tmp_path, workers):
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "civic_extract.cli", "extract", str(tree), "-o", str(out),
                           "-w", workers, "--chunk-size", "4"], capture_output=True, timeout=300)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    recs = [json.loads(line) for line in out.read_bytes().splitlines()]
    assert recs == api_records
    for rec in recs:
        if rec["error"]:
            assert rec["error"] in err  # every failure is also reported on standard error
    failed = sum(r["error"] is not None for r in recs)
    assert f"{len(recs)} articles" in err and f"{failed} failed" in err


# ---------------------------------------------------------------- the size limit


def test_max_chars_option_counts_characters(tmp_path):
    (tmp_path / "a.txt").write_text(ART, encoding="utf-8")
    (tmp_path / "b.txt").write_text(ART * 3, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["extract", str(tmp_path), "-o", str(out), "-q", "-w", "1", "--max-chars", str(len(ART) + 1)]) == 1
    a, b = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert a["error"] is None
    assert b["error"] == (f"{tmp_path}/b.txt: article of {3 * len(ART):,} characters is over the limit of "
                          f"{len(ART) + 1:,} (--max-chars); not processed")
    assert main(["extract", str(tmp_path), "-o", str(out), "-q", "-w", "1", "--max-chars", "0"]) == 0  # 0: no limit


def test_an_over_size_jsonl_line_is_refused_unread(tmp_path):
    """A line far over the limit is skipped in pieces (never held in memory) and costs one error record."""
    feed = tmp_path / "f.jsonl"
    big = json.dumps({"id": "big", "text": ART * 400}, ensure_ascii=False)
    feed.write_text("\n".join([json.dumps({"id": "a", "text": ART}, ensure_ascii=False), big,
                               json.dumps({"id": "b", "text": ART}, ensure_ascii=False)]) + "\n", encoding="utf-8")
    items = list(iter_inputs([str(feed)], max_chars=200))
    assert [i.id for i in items] == ["a", f"{feed}:2", "b"]
    assert items[1].error.startswith(f"{feed}:2: {len(big.encode()) + 1:,} bytes, more than an article of at most 200 ")
    mid = list(iter_inputs([str(feed)], max_chars=len(ART) * 100))  # under the byte bound: parsed, then counted
    assert mid[1].id == "big" and "over the limit" in mid[1].error


def test_over_size_standard_input(tmp_path):
    data = (ART * 50).encode("utf-8")
    [item] = read_stdin(io.BytesIO(data), max_chars=100)
    assert item.error.startswith("<stdin>:") and "--max-chars" in item.error
    lines = b"\n".join(json.dumps({"id": str(i), "text": ART * (1 + 30 * (i == 1))}).encode() for i in range(3))
    assert [(i.id, bool(i.error)) for i in read_stdin(io.BytesIO(lines), max_chars=len(ART) * 2)] == [
        ("0", False), ("1", True), ("2", False)]


def tokenizer_only():
    return civic_extract.load(enable=[])


def test_max_chars_not_spacy_max_length_is_the_limit():
    """spaCy's own limit (1,000,000) is raised to --max-chars, so an article under it is processed."""
    from civic_extract.readers import RawInput

    text = (ART + "\n") * (1_100_000 // len(ART))
    [ok] = run([RawInput(id="long", source="long.txt", text=text)], workers=1, build=tokenizer_only)
    assert ok.error is None and len(json.loads(ok.line)["text"]) > 1_000_000
    [over] = run([RawInput(id="long", source="long.txt", text=text)], workers=1, build=tokenizer_only,
                 max_chars=1_000_000)
    assert "over the limit of 1,000,000 (--max-chars)" in over.error


def test_max_chars_applies_to_inputs_given_in_python():
    from civic_extract.readers import RawInput

    got = list(run([RawInput(id="x", source="mem:1", text=ART * 10)], workers=1, max_chars=len(ART)))
    assert got[0].error.startswith("mem:1: article of") and "(--max-chars)" in got[0].error


# ---------------------------------------------------------------- what the pipeline itself guards


def test_api_extract_with_a_lone_surrogate():
    assert civic_extract.extract(ART + "\ud800").error is None


def test_api_extract_over_spacy_max_length():
    rec = civic_extract.extract(ART * (1_000_001 // len(ART) + 1))
    assert rec.error


def test_api_extract_keeps_published_valid():
    assert civic_extract.extract(ART, published="غدا").published in (None, "2025-03-16")


# ---------------------------------------------------------------- exit codes (trafilatura's)


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "civic_extract.cli", *args], input=stdin,
                          capture_output=True, timeout=180)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exit")
    good = json.dumps({"id": "g", "text": ART}, ensure_ascii=False)
    paths = {"all_ok": [good] * 3, "some_failed": [good, "{broken", good],
             "nearly_all": ["{broken"] * 150 + [good], "all_failed": ["{broken"] * 3}
    out = {}
    for name, lines in paths.items():
        out[name] = folder / f"{name}.jsonl"
        out[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


@pytest.mark.parametrize("feed,code", [("all_ok", 0), ("some_failed", 1), ("all_failed", 126)])
def test_exit_code_of_the_command(feeds, tmp_path, feed, code):
    proc = _cli("extract", str(feeds[feed]), "-o", str(tmp_path / "o.jsonl"), "-q")
    assert proc.returncode == code, proc.stderr.decode()


def test_exit_code_nearly_all_failed(feeds, tmp_path):
    """150 of 151 failed: over 99%, so 126 although one input succeeded."""
    assert main(["extract", str(feeds["nearly_all"]), "-o", str(tmp_path / "o.jsonl"), "-q", "-w", "1"]) == 126


@pytest.mark.parametrize("args", [
    [],
    ["extract"],
    ["nonsense", "x"],
    ["extract", "IN", "--timeout", "-1"],
    ["extract", "IN", "--timeout", "soon"],
    ["extract", "IN", "--timeout", "nan"],
    ["extract", "IN", "--max-chars", "-5"],
    ["extract", "IN", "--batch-size", "0"],
    ["extract", "IN", "--workers", "0"],
    ["extract", "IN", "--format", "docx"],
    ["extract", "IN", "-o", "OUT.csv", "--resume"],
    ["extract", "IN", "--also", "-"],
    ["extract", "IN", "-o", "/no/such/folder/out.jsonl"],
    ["report", "/no/such/file.jsonl"],
])
def test_usage_errors_exit_2(feeds, tmp_path, capsys, args):
    args = [str(feeds["all_ok"]) if a == "IN" else str(tmp_path / "o.csv") if a == "OUT.csv" else a for a in args]
    assert main(args) == 2
    assert capsys.readouterr().err.strip()  # says what is wrong


def test_usage_error_of_the_installed_command():
    proc = _cli("extract", "x.txt", "--timeout", "-3")
    assert proc.returncode == 2
    assert "--timeout" in proc.stderr.decode()
