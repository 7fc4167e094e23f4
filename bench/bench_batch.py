#!/usr/bin/env python3
"""Batch speed and memory of civic_extract. Prints a table; asserts nothing.

    python bench/bench_batch.py                 # the dev articles repeated to 5,000
    python bench/bench_batch.py --n 1000        # fewer
    python bench/bench_batch.py --profile 300   # also profile the pipeline on 300 articles (cProfile)

Measures, on ``../shared/eval/dev/articles.jsonl`` (else ``corpus/articles``) repeated to N:

- ms per article for each stage and the whole pipeline on one core (split, tokenizer, each
  component; median and mean over ``--stage-n`` articles, in this process);
- articles/s through :func:`civic_extract.batch.run` with 1 and 2 worker processes (wall time
  including the workers' start, and steady rate after the first chunk came back), the 2-vs-1
  speedup, and the peak RSS of each worker;
- ``dateparser.search_dates(text, languages=["ar"])`` ms per article on the same texts, and the
  pipeline/dateparser ratio.

Targets (issue 9): pipeline at most 5 ms/article median, ratio below 1.0, 2 workers at least
1.8 x one, peak RSS under 400 MB per worker.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DEV = ROOT.parent / "shared" / "eval" / "dev" / "articles.jsonl"


def load_articles() -> tuple[list[dict], str]:
    """The benchmark's source articles: the dev set, else the team's corpus."""
    if SHARED_DEV.exists():
        rows = [json.loads(line) for line in SHARED_DEV.open(encoding="utf-8") if line.strip()]
        return [{"id": r["id"], "text": r["text"], "published": r.get("published")} for r in rows], str(SHARED_DEV)
    rows = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus" / "articles").glob("*.json"))]
    return [{"id": r["id"], "text": r["text"], "published": r.get("published")} for r in rows], "corpus/articles"


def repeated(articles: list[dict], n: int) -> list[dict]:
    return [{**articles[i % len(articles)], "id": f"{articles[i % len(articles)]['id']}-{i}"} for i in range(n)]


def stage_times(texts: list[str]) -> tuple[dict[str, list[float]], list[float]]:
    """Per-article ms of split, tokenizer and each pipeline component, and of the whole."""
    import civic_extract
    from civic_extract.split import split_text

    nlp = civic_extract.load()
    per: dict[str, list[float]] = {"split": [], "tokenizer": [], **{name: [] for name in nlp.pipe_names}}
    whole: list[float] = []
    for text in texts:
        t0 = time.perf_counter()
        article = split_text(text)
        t1 = time.perf_counter()
        doc = nlp.make_doc(article.text)
        t2 = time.perf_counter()
        per["split"].append((t1 - t0) * 1000)
        per["tokenizer"].append((t2 - t1) * 1000)
        total = t2 - t0
        for name, proc in nlp.pipeline:
            s = time.perf_counter()
            doc = proc(doc)
            e = time.perf_counter()
            per[name].append((e - s) * 1000)
            total += e - s
        whole.append(total * 1000)
    return per, whole


def pool_run(path: str, workers: int, chunk_size: int) -> dict:
    from civic_extract import batch
    from civic_extract.readers import iter_inputs

    stats = batch.Stats()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    n = 0
    for _ in batch.run(iter_inputs([path]), workers=workers, chunk_size=chunk_size, stats=stats, force_pool=True):
        n += 1
    wall = time.perf_counter() - t0
    parent_cpu = time.process_time() - cpu0
    workers_cpu = sum(stats.cpu_s.values())  # including building the pipeline
    first = stats.first_result_at or t0
    steady = (n - chunk_size) / (time.perf_counter() - first) if n > chunk_size else float("nan")
    return {"n": n, "wall": wall, "rate": n / wall, "steady": steady,
            "rss": sorted(stats.peak_rss_mb.values()), "parent_cpu": parent_cpu, "workers_cpu": workers_cpu}


def load_note() -> str:
    """The machine's load before the worker runs: other processes' work skews a 2-worker run most."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:  # pragma: no cover
        return ""
    return f"load average before the runs: {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def dateparser_ms(texts: list[str]) -> list[float]:
    from dateparser.search import search_dates

    search_dates(texts[0], languages=["ar"])  # first call loads dateparser's language data
    out = []
    for text in texts:
        t0 = time.perf_counter()
        search_dates(text, languages=["ar"])
        out.append((time.perf_counter() - t0) * 1000)
    return out


def profile(texts: list[str], top: int) -> str:
    import civic_extract
    from civic_extract.pipeline import records
    from civic_extract.readers import RawInput

    nlp = civic_extract.load()
    inputs = [RawInput(id=str(i), source="bench", text=t) for i, t in enumerate(texts)]
    prof = cProfile.Profile()
    prof.enable()
    for _ in records(nlp, inputs):
        pass
    prof.disable()
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime")
    st.print_stats(top)
    buf.write("\n--- by cumulative time (civic_extract functions) ---\n")
    st.sort_stats("cumulative").print_stats(r"civic_extract|split|dates|figures|events|entities|ruler|rules|merge|gazetteer|normalise", top)
    return buf.getvalue()


def row(name: str, values: list[float]) -> str:
    return f"| {name} | {statistics.median(values):.2f} | {statistics.fmean(values):.2f} | {max(values):.1f} |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000, help="articles for the worker runs (default 5000)")
    ap.add_argument("--stage-n", type=int, default=500, help="articles for the per-stage timing (default 500)")
    ap.add_argument("--dateparser-n", type=int, default=300, help="articles for dateparser (default 300)")
    ap.add_argument("--chunk-size", type=int, default=32)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="profile the pipeline on N articles")
    ap.add_argument("--top", type=int, default=25, help="functions shown by --profile")
    args = ap.parse_args(argv)

    articles, where = load_articles()
    items = repeated(articles, args.n)
    texts = [a["text"] for a in items]
    chars = statistics.fmean(len(t) for t in texts)
    print(f"# civic_extract batch benchmark\n\n{len(articles)} articles from {where}, repeated to {args.n}; "
          f"mean {chars:.0f} characters; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}\n")

    per, whole = stage_times(texts[: args.stage_n])
    print(f"## One core, {min(args.stage_n, len(texts))} articles (ms per article)\n")
    print("| stage | median | mean | max |\n| --- | ---: | ---: | ---: |")
    for name, values in per.items():
        print(row(name, values))
    print(row("**whole pipeline**", whole))

    dp = dateparser_ms(texts[: args.dateparser_n])
    print(row(f"dateparser.search_dates ({len(dp)} articles)", dp))
    print(f"\nratio pipeline / dateparser.search_dates (medians): {statistics.median(whole) / statistics.median(dp):.2f}"
          f" (means: {statistics.fmean(whole) / statistics.fmean(dp):.2f})\n")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            for a in items:
                fh.write(json.dumps(a, ensure_ascii=False) + "\n")
        note = load_note()
        runs = {w: pool_run(path, w, args.chunk_size) for w in args.workers}
    print(f"## Worker processes, {args.n} articles (batch.run, chunks of {args.chunk_size})\n")
    print(note + "\n")
    print("| workers | wall s | articles/s (wall) | articles/s (steady) | peak RSS per worker MB | CPU s parent / workers |\n"
          "| ---: | ---: | ---: | ---: | --- | --- |")
    for w, r in runs.items():
        print(f"| {w} | {r['wall']:.1f} | {r['rate']:.1f} | {r['steady']:.1f} | {', '.join(f'{x:.0f}' for x in r['rss'])} "
              f"| {r['parent_cpu']:.1f} / {r['workers_cpu']:.1f} |")
    if 1 in runs and 2 in runs:
        print(f"\nspeedup 2 vs 1 workers: {runs[2]['rate'] / runs[1]['rate']:.2f} (wall), "
              f"{runs[2]['steady'] / runs[1]['steady']:.2f} (steady)")

    if args.profile:
        print(f"\n## Profile, {args.profile} articles (cProfile, sorted by own time)\n\n```")
        print(profile(texts[: args.profile], args.top))
        print("```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
