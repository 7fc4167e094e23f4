#!/usr/bin/env python3
"""Evaluation gate: fail when any measure falls below its pinned floor (as trafilatura's eval gate).

    python tests/eval_gate.py                      # check (CI runs this)
    python tests/eval_gate.py --update             # raise floors to today's scores, refresh digests
    python tests/eval_gate.py --update --allow-regression "why"   # may lower a floor; say why in the commit
    python tests/eval_gate.py --disable civic_figures              # run a deliberately worse build

Suites: the corpus test split (``corpus/articles`` + ``corpus/splits.json``) and, when present,
``../shared/eval/dev``. Floors live in ``tests/eval_baseline.json`` with a digest of each suite's gold
files: a changed gold set must be re-pinned on purpose (``--update``), never silently.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = Path(__file__).with_name("eval_baseline.json")
SHARED_DEV = ROOT.parent / "shared" / "eval" / "dev"
EPS = 1e-9


def suites() -> dict[str, dict]:
    """name -> {gold_dir, ids, inputs}: what to run and where its gold is."""
    out = {}
    splits = json.loads((ROOT / "corpus" / "splits.json").read_text(encoding="utf-8"))
    test_ids = splits["test"]
    inputs = []
    for i in test_ids:
        g = json.loads((ROOT / "corpus" / "articles" / f"{i}.json").read_text(encoding="utf-8"))
        inputs.append({"id": g["id"], "text": g["text"]})
    out["corpus_test"] = {"gold_dir": ROOT / "corpus" / "articles", "ids": test_ids, "inputs": inputs}
    if (SHARED_DEV / "articles.jsonl").exists():
        rows = [json.loads(line) for line in (SHARED_DEV / "articles.jsonl").open(encoding="utf-8") if line.strip()]
        out["shared_dev"] = {"gold_dir": SHARED_DEV, "ids": None, "inputs": [{"id": r["id"], "text": r["text"]} for r in rows]}
    return out


def digest(gold_dir: Path, ids: list[str] | None) -> str:
    h = hashlib.sha256()
    for f in sorted(gold_dir.glob("*.json")):
        if ids is None or f.stem in ids:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def measures(report: dict) -> dict[str, float]:
    """The gated measures: strict entity F1 per label, dates, figures, events, qualifier and slot accuracy."""
    m = {f"{lab}_f1": report["entities"][f"{lab}/strict"]["f1"] for lab in ("ORG", "PER", "LOC")}
    m |= {"DATE_f1": report["dates"]["f1"], "FIGURE_f1": report["figures"]["f1"], "EVENT_f1": report["events"]["f1"],
          "overall_f1": report["overall_f1"]}
    if report["figure_qualifier_accuracy"] is not None:
        m["qualifier_accuracy"] = report["figure_qualifier_accuracy"]
    m |= {f"slot_{k}": v for k, v in report["event_slot_accuracy"].items() if v is not None}
    return m


def score_suite(suite: dict, disable: list[str]) -> dict[str, float]:
    import civic_extract
    from civic_extract.evaluate import evaluate
    from civic_extract.output import write_jsonl
    from civic_extract.pipeline import extract_many

    nlp = civic_extract.load(disable=disable or None)
    with tempfile.TemporaryDirectory() as tmp:
        pred = Path(tmp) / "pred.jsonl"
        with pred.open("w", encoding="utf-8") as fh:
            write_jsonl(extract_many(suite["inputs"], nlp=nlp), fh)
        return measures(evaluate(suite["gold_dir"], pred, ids=suite["ids"]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--update", action="store_true", help="raise floors to the current scores and refresh digests")
    ap.add_argument("--allow-regression", metavar="REASON", help="with --update: floors may go down (give the reason in the commit)")
    ap.add_argument("--disable", action="append", default=[], metavar="STAGE", help="run without this stage (to see the gate fail)")
    args = ap.parse_args(argv)
    if args.allow_regression is not None and not args.update:
        ap.error("--allow-regression goes with --update")
    baseline = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    failures, new = [], {}
    for name, suite in suites().items():
        current = score_suite(suite, args.disable)
        dig = digest(suite["gold_dir"], suite["ids"])
        pinned = baseline.get(name, {})
        floors = pinned.get("floors", {})
        print(f"== {name} ({len(suite['inputs'])} articles)")
        for k, v in current.items():
            floor = floors.get(k)
            mark = "" if floor is None else ("ok" if v + EPS >= floor else "BELOW FLOOR")
            print(f"  {k:24s} {v:6.4f}  floor {'-' if floor is None else f'{floor:6.4f}'}  {mark}")
            if floor is not None and v + EPS < floor:
                failures.append(f"{name}: {k} {v:.4f} < floor {floor:.4f}")
        if pinned and pinned.get("digest") != dig:
            failures.append(f"{name}: gold files changed since the floors were pinned (run with --update)")
        if args.update:
            merged = dict(current) if args.allow_regression else {k: max(v, floors.get(k, v)) for k, v in current.items()}
            new[name] = {"digest": dig, "articles": len(suite["inputs"]), "floors": merged}
    if args.update:
        for name, entry in baseline.items():
            new.setdefault(name, entry)  # a suite absent here (no shared/eval) keeps its floors
        BASELINE.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"floors written to {BASELINE}" + (f" (regression allowed: {args.allow_regression})" if args.allow_regression else ""))
        return 0
    if not baseline:
        print("no baseline pinned yet: run with --update", file=sys.stderr)
        return 1
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    print("eval gate: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
