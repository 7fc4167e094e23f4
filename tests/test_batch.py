"""Batch extraction: process pool order and crash recovery, bounded reading, resume after a kill, Dask."""

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from spacy.language import Language

from civic_extract import batch
from civic_extract.batch import (
    Partition, ResumeError, Stats, count_inputs, plan_partitions, read_partition, resume_state, run,
    skip_done, to_result,
)
from civic_extract.cli import main
from civic_extract.pipeline import records
from civic_extract.readers import RawInput, iter_inputs

CITIES = ["تزنيت", "وجدة", "أكادير", "مكناس", "الصويرة", "بني ملال", "الرشيدية", "آسفي"]
MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو"]
CRASH_MARKER = "علامة-إنهاء-العامل"


def article(i: int) -> str:
    """Short invented articles, all different, so a misplaced record shows up as a wrong id or text."""
    city, month = CITIES[i % len(CITIES)], MONTHS[i % len(MONTHS)]
    return (f"نظمت جمعية الوفاق رقم {i} للتنمية قافلة طبية بمدينة {city} يوم {1 + i % 27} {month} 2024، "
            f"استفاد منها {100 + 7 * i} مستفيدا.\nوأشرف على القافلة {3 + i % 9} أطباء من المستشفى الإقليمي.")


def write_jsonl(path: Path, n: int, extra: list[str] = ()) -> Path:
    lines = [json.dumps({"id": f"a{i:04d}", "text": article(i)}, ensure_ascii=False) for i in range(n)]
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return path


def raw_inputs(n: int) -> list[RawInput]:
    return [RawInput(id=f"a{i:04d}", source=f"t:{i + 1}", text=article(i)) for i in range(n)]


def expected_lines(nlp, inputs) -> list[str]:
    return [to_result(r).line for r in records(nlp, inputs)]


# ---------------------------------------------------------------- process pool


def test_pool_gives_the_in_process_records_in_order(nlp):
    inputs = raw_inputs(22) + [RawInput(id="bad", source="t.jsonl:23", error="t.jsonl:23: not valid JSON")]
    stats = Stats()
    got = list(run(iter(inputs), workers=2, chunk_size=3, stats=stats))
    assert [r.line for r in got] == expected_lines(nlp, inputs)
    assert got[-1].error == "t.jsonl:23: not valid JSON" and got[-1].id == "bad"
    assert 1 <= len(stats.peak_rss_mb) <= 2 and all(mb > 10 for mb in stats.peak_rss_mb.values())  # a slow worker may get no chunk


def test_small_input_runs_in_this_process():
    stats = Stats()
    got = list(run(raw_inputs(3), workers=2, chunk_size=8, stats=stats))
    assert [r.id for r in got] == ["a0000", "a0001", "a0002"]
    assert list(stats.peak_rss_mb) == [os.getpid()]


def test_pool_reads_inputs_lazily_with_bounded_chunks_in_flight():
    pulled = []

    def endless():
        for i in itertools.count():
            pulled.append(i)
            yield RawInput(id=f"e{i}", source=f"e:{i}", text=article(i))

    gen = run(endless(), workers=2, chunk_size=2, in_flight=3, build=light_pipeline)
    first = [r.id for r in itertools.islice(gen, 5)]
    gen.close()
    assert first == [f"e{i}" for i in range(5)]
    # 5 results = 3 chunks taken back; at most 3 more out, plus the look-ahead of one chunk + 1.
    assert len(pulled) <= 2 * (3 + 3) + 3


@Language.component("test_crash_on_marker")
def _crash_on_marker(doc):
    """Kill the worker process outright, as an out-of-memory kill or a native crash would."""
    if CRASH_MARKER in doc.text:
        os._exit(13)
    return doc


def light_pipeline():
    """Split stage only (quick to build in each spawned worker), plus the crashing component."""
    import civic_extract

    nlp = civic_extract.load(enable=["civic_segment"])
    nlp.add_pipe("test_crash_on_marker", last=True)
    return nlp


def test_a_worker_killed_by_one_article_loses_no_other_record():
    inputs = raw_inputs(9)
    inputs[5] = RawInput(id="killer", source="feed.jsonl:6", text=f"نص يقتل العامل {CRASH_MARKER}")
    stats = Stats()
    got = list(run(inputs, workers=2, chunk_size=2, build=light_pipeline, stats=stats))
    assert [r.id for r in got] == [raw.id for raw in inputs]
    assert [r.error is None for r in got] == [i != 5 for i in range(9)]
    assert got[5].error.startswith("feed.jsonl:6: worker process failed on this input")
    assert stats.restarts >= 1


# ---------------------------------------------------------------- partitions (Dask) read what iter_inputs reads


@pytest.fixture
def input_tree(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i in range(5):
        (folder / ("sub" if i % 2 else "") / f"f{i}.txt").write_text(article(i), encoding="utf-8")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    feed = folder / "z_feed.jsonl"
    write_jsonl(feed, 7, extra=["", "{broken", '{"id": "no-text"}', "[1, 2]"])
    with feed.open("ab") as fh:
        fh.write(b'{"id": "bytes", "text": "\xff\xfe\x00 binary"}\n')
        fh.write(json.dumps({"id": "last", "text": article(40)}, ensure_ascii=False).encode() + b"\n")
    single = tmp_path / "single.txt"
    single.write_text(article(50), encoding="utf-8")
    return [str(folder), str(single), str(tmp_path / "missing.txt"), str(feed)]


def _key(raw: RawInput) -> tuple:
    return (raw.id, raw.source, raw.text, raw.kind, raw.published, raw.error)


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_partitions_read_exactly_the_inputs(input_tree, size):
    want = [_key(r) for r in iter_inputs(input_tree)]
    parts = list(plan_partitions(input_tree, size=size))
    got = [_key(r) for p in parts for r in read_partition(p)]
    assert got == want
    assert all(p.size() <= size for p in parts)
    assert sum(p.size() for p in parts) == len(want)


def test_count_inputs_matches_iter_inputs(input_tree):
    assert count_inputs(input_tree) == len(list(iter_inputs(input_tree)))
    assert count_inputs(["-"]) is None


# ---------------------------------------------------------------- resume


@pytest.mark.parametrize("tail,done,failed,cut", [
    (b"", 3, 1, 0),
    (b'{"id": "x4", "source": null, "te', 3, 1, 32),
    (b"\x00" * 40, 3, 1, 40),
    (b'{"id": "x4", "error": null}\n{"id": "x5"', 4, 1, 11),
    (b'{"id": "x4", "error": nu}\n', 3, 1, 26),
])
def test_resume_state_cuts_what_is_not_a_complete_record(tmp_path, tail, done, failed, cut):
    out = tmp_path / "out.jsonl"
    good = b'{"id": "x1", "error": null}\n{"id": "x2", "error": "f:2: bad"}\n{"id": "x3", "error": null}\n'
    out.write_bytes(good + tail)
    state = resume_state(out)
    assert (state.done, state.failed, state.cut_bytes) == (done, failed, cut)
    assert out.read_bytes() == (good + tail)[: len(good + tail) - cut]


def test_resume_state_of_missing_or_empty_output(tmp_path):
    assert resume_state(tmp_path / "none.jsonl").done == 0
    (tmp_path / "e.jsonl").write_bytes(b"")
    assert resume_state(tmp_path / "e.jsonl").done == 0


def test_skip_done_refuses_changed_inputs(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text('{"id": "a0000", "error": null}\n{"id": "zzz", "error": null}\n', encoding="utf-8")
    assert [r.id for r in skip_done(raw_inputs(3), out, 1)] == ["a0001", "a0002"]
    with pytest.raises(ResumeError, match="record 2 is 'zzz' but input 2 is now 'a0001'"):
        list(skip_done(raw_inputs(3), out, 2))


def _cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "civic_extract.cli", "extract", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, **kw)


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _wait_for_lines(proc, path: Path, n: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while _lines(path) < n:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no output in time"
        time.sleep(0.02)


N_KILL = 240


@pytest.fixture(scope="module")
def feed_and_expected(tmp_path_factory):
    import civic_extract

    folder = tmp_path_factory.mktemp("feed")
    feed = write_jsonl(folder / "feed.jsonl", N_KILL, extra=["{not json"])
    return feed, expected_lines(civic_extract.load(), iter_inputs([str(feed)]))


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_killed_run_resumes_to_the_uninterrupted_output(tmp_path, feed_and_expected, how):
    feed, expected = feed_and_expected
    out = tmp_path / "out.jsonl"
    args = [str(feed), "-o", str(out), "--workers", "2", "--chunk-size", "4", "-q"]
    proc = _cli(*args)
    _wait_for_lines(proc, out, 12)
    if how == "SIGKILL":
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, no clean-up at all
    else:
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the parent syncs and exits 130
    code = proc.wait(timeout=60)
    assert code == (-signal.SIGKILL if how == "SIGKILL" else 130)
    written = _lines(out)
    assert 12 <= written < len(expected), "the run was not interrupted mid-way"
    if how == "SIGKILL":
        with out.open("ab") as fh:  # what a kill in the middle of a write leaves behind
            fh.write(expected[written].encode("utf-8")[:25])
    else:
        assert "--resume" in proc.stderr.read().decode()
    resumed = _cli(*args, "--resume")
    _, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 1, err.decode()  # the one bad JSON line
    got = out.read_text(encoding="utf-8").splitlines(keepends=True)
    assert got == expected
    ids = [json.loads(line)["id"] for line in got]
    assert len(ids) == len(set(ids)) == N_KILL + 1


def test_resume_refuses_other_formats_and_changed_inputs(tmp_path, capsys):
    feed = write_jsonl(tmp_path / "feed.jsonl", 3)
    assert main(["extract", str(feed), "-o", str(tmp_path / "o.csv"), "--resume", "-q"]) == 2
    assert "--resume needs a JSONL output" in capsys.readouterr().err
    out = tmp_path / "o.jsonl"
    out.write_text('{"id": "other", "error": null}\n', encoding="utf-8")
    assert main(["extract", str(feed), "-o", str(out), "--resume", "-q"]) == 2
    assert "inputs changed" in capsys.readouterr().err


def test_resume_of_a_finished_run_adds_nothing_and_rebuilds_also(tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", 4, extra=["[1]"])
    out, csv_out = tmp_path / "o.jsonl", tmp_path / "o.csv"
    assert main(["extract", str(feed), "-o", str(out), "-w", "1", "-q"]) == 1
    before = out.read_bytes()
    assert main(["extract", str(feed), "-o", str(out), "--also", str(csv_out), "--resume", "-q"]) == 1
    assert out.read_bytes() == before
    assert csv_out.read_text(encoding="utf-8-sig").count("a000") >= 4


# ---------------------------------------------------------------- command line


def test_cli_workers_summary_and_error_naming_file_and_line(tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", 10, extra=['{"id": 5, "text": 7}'])
    out = tmp_path / "o.jsonl"
    proc = _cli(str(feed), "-o", str(out), "--workers", "2", "--chunk-size", "3")
    _, err = proc.communicate(timeout=180)
    err = err.decode("utf-8")
    assert proc.returncode == 1
    assert f"{feed}:11: 'text' must be a string" in err
    assert "11 articles" in err and "1 failed" in err and "articles/s" in err
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in recs] == [f"a{i:04d}" for i in range(10)] + ["5"]


# ---------------------------------------------------------------- Dask


def test_dask_local_cluster_equals_the_single_process_run(input_tree, nlp):
    pytest.importorskip("dask.bag", reason="dask is not installed (pip install '.[dask]')")
    distributed = pytest.importorskip("distributed", reason="distributed is not installed (pip install '.[dask]')")
    want = expected_lines(nlp, iter_inputs(input_tree))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        got = [r.line for r in batch.extract_dask(input_tree, client, partition_size=3)]
        resumed = [r.line for r in batch.extract_dask(input_tree, client, partition_size=3, skip=7)]
    assert got == want
    assert resumed == want[7:]


def test_partition_size_counts_inputs_not_lines():
    p = Partition("jsonl", paths=("x.jsonl",), count=5, inputs=3)
    assert p.size() == 3
    assert Partition("raw", items=(RawInput(id="a", source="a"),)).size() == 1
