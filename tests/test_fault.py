"""Faults during a batch: a worker that dies, an article that takes too long, a run killed with SIGKILL.

- A worker killed by the kernel (SIGKILL, as the out-of-memory killer does), a
  segmentation fault in native code or an ``os._exit`` costs exactly its article
  an error record; the other records are those of a clean run.
- ``timeout``: an article over its time budget becomes an error record saying so,
  in this process (the CLI with one worker), in a worker (its timer), and when the
  timer cannot fire (a search stuck in native code, modelled by blocking SIGALRM)
  the watchdog stops the worker and the batch goes on.
- The fault test of issue 10 (``bench/fault_test.py``): 10,000 articles (about
  50 s with 2 workers; ``CIVIC_FAULT_N`` for another size), killed with SIGKILL
  at two random points, resumed, the output equals an uninterrupted run.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import signal
import time
from pathlib import Path

import pytest
from spacy.language import Language

import civic_extract
from civic_extract import batch
from civic_extract.batch import Stats, run
from civic_extract.cli import main
from civic_extract.readers import RawInput

ROOT = Path(__file__).resolve().parents[1]
ART = "نظمت جمعية النخيل قافلة طبية بمدينة وجدة يوم 3 ماي 2024، استفاد منها 300 مستفيد."
SLOW, STUCK, CRASH = "علامة-بطء", "علامة-تعطل", "علامة-انهيار"


@Language.component("test_fault_slow")
def _slow(doc):
    """SLOW: a long computation in Python (the timer interrupts it)."""
    if SLOW in doc.text:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            pass
    return doc


@Language.component("test_fault_stuck")
def _stuck(doc):
    """STUCK: no signal gets in, as in a native call that never returns to the interpreter."""
    if STUCK in doc.text:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    return doc


@Language.component("test_fault_crash")
def _crash(doc):
    """CRASH-<how>: the worker dies: SIGKILL (the OOM killer), a segmentation fault, os._exit."""
    if CRASH in doc.text:
        how = doc.text.split(CRASH + "-", 1)[1].split()[0]
        if how == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif how == "segfault":
            ctypes.string_at(0)
        else:
            os._exit(3)
    return doc


def faulty_pipeline():
    """The split stage (quick to build in each worker) and the three faulty components."""
    nlp = civic_extract.load(enable=["civic_segment"])
    for name in ("test_fault_slow", "test_fault_stuck", "test_fault_crash"):
        nlp.add_pipe(name, last=True)
    return nlp


def inputs(n: int, bad: dict[int, str]) -> list[RawInput]:
    return [RawInput(id=f"a{i}", source=f"feed.jsonl:{i + 1}", text=f"{ART} {bad.get(i, '')} {i}") for i in range(n)]


def check_only(got, items, bad_index: int, message: str) -> None:
    assert [r.id for r in got] == [raw.id for raw in items]
    assert [r.error is None for r in got] == [i != bad_index for i in range(len(items))]
    assert got[bad_index].error.startswith(f"feed.jsonl:{bad_index + 1}: ")
    assert message in got[bad_index].error, got[bad_index].error


# ---------------------------------------------------------------- worker crashes


@pytest.mark.parametrize("how", ["sigkill", "segfault", "exit"])
def test_a_worker_that_dies_costs_only_its_article(how):
    items = inputs(10, {6: f"{CRASH}-{how}"})
    stats = Stats()
    got = list(run(items, workers=2, chunk_size=3, build=faulty_pipeline, stats=stats))
    check_only(got, items, 6, "worker process failed on this input")
    assert stats.restarts >= 1


# ---------------------------------------------------------------- time budget


def test_timeout_in_this_process():
    items = inputs(5, {2: SLOW})
    started = time.monotonic()
    got = list(run(items, workers=1, build=faulty_pipeline, timeout=0.5))
    check_only(got, items, 2, "stopped after 0.5 s, over the time budget per article (--timeout)")
    assert time.monotonic() - started < 30


def test_timeout_in_a_worker():
    items = inputs(8, {5: SLOW})
    stats = Stats()
    got = list(run(items, workers=2, chunk_size=2, build=faulty_pipeline, timeout=1, stats=stats))
    check_only(got, items, 5, "stopped after 1 s, over the time budget per article (--timeout)")
    assert stats.restarts == 0  # the worker's own timer did it: nothing was killed


def test_watchdog_stops_a_worker_the_timer_cannot_reach(monkeypatch):
    monkeypatch.setattr(batch, "KILL_GRACE", 4.0)
    items = inputs(6, {3: STUCK})
    stats = Stats()
    got = list(run(items, workers=2, chunk_size=2, build=faulty_pipeline, timeout=1, stats=stats))
    check_only(got, items, 3, "no result within 5 s (1 article(s) with --timeout 1 s each, plus 4 s); "
                              "the worker process was stopped and replaced")
    assert stats.restarts >= 1


def test_timeout_option_of_the_command(tmp_path, monkeypatch, capsys):
    """``--timeout`` reaches the run: one worker, in the CLI's own (main) thread."""
    monkeypatch.setattr("civic_extract.pipeline.default_nlp", faulty_pipeline)
    feed = tmp_path / "f.jsonl"
    feed.write_text("\n".join(json.dumps({"id": f"x{i}", "text": f"{ART} {SLOW if i == 1 else ''}"},
                                         ensure_ascii=False) for i in range(3)) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["extract", str(feed), "-o", str(out), "-q", "-w", "1", "--timeout", "0.5"]) == 1
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["error"] is None for r in recs] == [True, False, True]
    assert recs[1]["error"] == f"{feed}:2: stopped after 0.5 s, over the time budget per article (--timeout); not processed"
    assert recs[1]["error"] in capsys.readouterr().err


# ---------------------------------------------------------------- killed, resumed, equal


def _fault_module():
    spec = importlib.util.spec_from_file_location("fault_test", ROOT / "bench" / "fault_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sigkill_at_a_random_point_then_resume_equals_an_uninterrupted_run(tmp_path):
    n = int(os.environ.get("CIVIC_FAULT_N", "10000"))
    seed = int(os.environ["CIVIC_FAULT_SEED"]) if "CIVIC_FAULT_SEED" in os.environ else None
    result = _fault_module().fault_run(tmp_path, n=n, workers=2, chunk=16, kills=2, seed=seed, timeout=900)
    why = f"fault test failed; rerun with CIVIC_FAULT_SEED={result['seed']}: {result}"
    assert result["equal"] and result["same_ids_same_order"], why
    assert result["records"] == n and result["duplicates"] == 0 and result["gaps"] == 0, why
    assert result["error_records"] == n // 997, why
    assert result["resume_exit"] == (1 if n >= 997 else 0), why
    assert all(0 < k < n for k in result["killed_at_records"]), why
