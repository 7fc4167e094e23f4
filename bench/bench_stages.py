#!/usr/bin/env python3
"""Speed and memory of civic_extract, stage by stage. Prints figures; asserts nothing.

    python bench/bench_stages.py                      # dev articles (../shared/eval/dev) or the corpus
    python bench/bench_stages.py --repeat 5000        # the articles repeated to N
    python bench/bench_stages.py --no-dateparser      # skip the dateparser.search_dates comparison

Each article goes the way :func:`civic_extract.pipeline.records` takes it: split
(``prepare``), the Doc (``make_doc``), then every component in order, then the
record (``to_record``). For each step: ms per article, median and mean over the
articles of every round, in wall time and in CPU time of this process (CPU time is
the steadier figure on a shared, loaded machine). Every round makes fresh Docs, so
nothing a stage keeps on a Doc is reused from an earlier round. Then the whole
``records()`` on one core, ``dateparser.search_dates(text, languages=["ar"])`` on
the same texts for the ratio, and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
SHARED_DEV = ROOT.parent / "shared" / "eval" / "dev" / "articles.jsonl"


def load_rows(repeat: int | None) -> tuple[list[dict], str]:
    if SHARED_DEV.exists():
        rows = [json.loads(line) for line in SHARED_DEV.open(encoding="utf-8") if line.strip()]
        where = str(SHARED_DEV)
    else:
        rows = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus" / "articles").glob("*.json"))]
        where = "corpus/articles"
    if repeat:
        rows = (rows * (repeat // len(rows) + 1))[:repeat]
    return rows, where


def timed(fn: Callable[[], object], wall: list[float], cpu: list[float]) -> object:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    cpu.append((time.process_time() - c) * 1000)
    wall.append((time.perf_counter() - w) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=None, help="repeat the articles to this many")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-dateparser", action="store_true")
    args = ap.parse_args(argv)
    rows, where = load_rows(args.repeat)

    import civic_extract
    from civic_extract.pipeline import make_doc, prepare, records, to_record
    from civic_extract.readers import RawInput

    inputs = [RawInput(id=str(r.get("id", i)), source="bench", text=r["text"], published=r.get("published"))
              for i, r in enumerate(rows)]
    nlp = civic_extract.load()
    list(records(nlp, inputs[:5]))  # warm up: first-call loads

    steps = ["split", "make_doc", *nlp.pipe_names, "to_record"]
    wall: dict[str, list[float]] = {s: [] for s in steps}
    cpu: dict[str, list[float]] = {s: [] for s in steps}
    for _ in range(args.rounds):
        for raw in inputs:
            article = timed(lambda: prepare(raw), wall["split"], cpu["split"])
            doc = timed(lambda: make_doc(nlp, article, raw), wall["make_doc"], cpu["make_doc"])
            for name, proc in nlp.pipeline:
                doc = timed(lambda: proc(doc), wall[name], cpu[name])
            timed(lambda: to_record(doc), wall["to_record"], cpu["to_record"])

    whole_wall, whole_cpu = [], []
    for _ in range(args.rounds):
        timed(lambda: list(records(nlp, inputs)), whole_wall, whole_cpu)
    whole = statistics.median(whole_wall) / len(inputs)
    whole_c = statistics.median(whole_cpu) / len(inputs)

    chars = statistics.fmean(len(r["text"]) for r in rows)
    one, five, _ = os.getloadavg()
    print(f"articles: {len(rows)} from {where}, mean {chars:.0f} characters; {args.rounds} rounds; "
          f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} CPUs")
    print(f"  {'step (ms per article)':34s} {'wall med':>9s} {'wall mean':>9s} {'CPU med':>9s} {'CPU mean':>9s}")
    for s in steps:
        print(f"  {s:34s} {statistics.median(wall[s]):9.3f} {statistics.fmean(wall[s]):9.3f} "
              f"{statistics.median(cpu[s]):9.3f} {statistics.fmean(cpu[s]):9.3f}")
    per_article = [sum(wall[s][i] for s in steps) for i in range(len(wall["split"]))]
    per_article_cpu = [sum(cpu[s][i] for s in steps) for i in range(len(cpu["split"]))]
    print(f"  {'sum of the steps':34s} {statistics.median(per_article):9.3f} {statistics.fmean(per_article):9.3f} "
          f"{statistics.median(per_article_cpu):9.3f} {statistics.fmean(per_article_cpu):9.3f}")
    print(f"  {'records(), 1 core (mean)':34s} {'':9s} {whole:9.3f} {'':9s} {whole_c:9.3f}")

    if not args.no_dateparser:
        from dateparser.search import search_dates

        sample = [r["text"] for r in rows[: min(len(rows), 200)]]
        search_dates(sample[0], languages=["ar"])  # loads dateparser's language data
        dp_wall: list[float] = []
        dp_cpu: list[float] = []
        for text in sample:
            timed(lambda: search_dates(text, languages=["ar"]), dp_wall, dp_cpu)
        print(f"  {'dateparser.search_dates':34s} {statistics.median(dp_wall):9.3f} {statistics.fmean(dp_wall):9.3f} "
              f"{statistics.median(dp_cpu):9.3f} {statistics.fmean(dp_cpu):9.3f}")
        print(f"  ratio pipeline / search_dates, medians: wall {statistics.median(per_article) / statistics.median(dp_wall):.2f}, "
              f"CPU {statistics.median(per_article_cpu) / statistics.median(dp_cpu):.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process: {rss:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
