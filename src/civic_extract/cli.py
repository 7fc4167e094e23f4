"""Command line: ``civic-extract extract | evaluate``.

Each command is a thin wrapper over a function that returns data
(:func:`civic_extract.pipeline.records`, :func:`civic_extract.evaluate.evaluate`).
Exit codes follow trafilatura: 0 all inputs succeeded, 1 some failed, 126
nearly all (over 99%) failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import IO, Sequence

from . import __version__

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_NEARLY_ALL_FAILED = 0, 1, 2, 126


def exit_code(failed: int, total: int) -> int:
    """0 when nothing failed, 126 when over 99% failed, else 1 (trafilatura's rule)."""
    if not failed:
        return EXIT_OK
    if total and failed / total > 0.99 and total > 1:
        return EXIT_NEARLY_ALL_FAILED
    return EXIT_SOME_FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="civic-extract",
        description="Structured civic health event records from Arabic press articles.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("extract", help="extract records from articles", description=(
        "Read articles (.txt, .html, .jsonl files, folders walked recursively, or - for standard input) "
        "and write one JSON record per article."))
    g_in = ex.add_argument_group("Input")
    g_in.add_argument("inputs", nargs="+", metavar="INPUT", help="file, folder or - (standard input)")
    g_out = ex.add_argument_group("Output")
    g_out.add_argument("-o", "--output", default="-", help="output file (default: standard output)")
    g_out.add_argument("--format", choices=["jsonl"], default=None, help="output format (default: from the extension; jsonl)")
    g_run = ex.add_argument_group("Run")
    g_run.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    g_run.add_argument("--batch-size", type=int, default=32, help="articles per spaCy batch")

    ev = sub.add_parser("evaluate", help="score predictions against gold files", description=(
        "Per-field precision/recall/F1 of a prediction JSONL against a folder of gold files "
        "(shared/eval/GUIDELINES.md)."))
    ev.add_argument("gold_dir", help="folder of <id>.json gold files")
    ev.add_argument("pred", help="prediction JSONL written by civic-extract extract")
    ev.add_argument("--details", action="store_true", help="per-article misses and extras")
    ev.add_argument("--json", dest="json_out", help="also write the full report as JSON here")
    ev.add_argument("--split", help="score only this split of <gold_dir>/../splits.json (train, dev or test)")
    return parser


def _progress(iterable, quiet: bool, desc: str):
    if quiet:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, unit=" articles", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


def run_extract(args: argparse.Namespace, stdout: IO[str]) -> int:
    from .output import record_line
    from .pipeline import load, records
    from .readers import iter_inputs

    out_path = args.output
    if out_path != "-" and Path(out_path).parent and not Path(out_path).parent.exists():
        print(f"civic-extract: output folder {Path(out_path).parent} does not exist", file=sys.stderr)
        return EXIT_USAGE
    nlp = load()
    started = time.perf_counter()
    total = failed = events = 0
    fh = stdout if out_path == "-" else open(out_path, "w", encoding="utf-8")
    try:
        for record in _progress(records(nlp, iter_inputs(args.inputs, exclude=[out_path]), batch_size=args.batch_size), args.quiet, "extract"):
            fh.write(record_line(record))
            fh.flush()
            total += 1
            events += len(record.events)
            if record.error:
                failed += 1
                print(f"civic-extract: {record.error}", file=sys.stderr)
    finally:
        if fh is not stdout:
            fh.close()
    if not args.quiet:
        secs = time.perf_counter() - started
        print(f"civic-extract: {total} articles, {events} events, {failed} failed, {secs:.1f} s", file=sys.stderr)
    return exit_code(failed, total)


def _split_ids(gold_dir: str, split: str) -> list[str]:
    path = Path(gold_dir).resolve().parent / "splits.json"
    if not path.exists():
        raise FileNotFoundError(f"--split needs {path}")
    splits = json.loads(path.read_text(encoding="utf-8"))
    if split not in splits:
        raise KeyError(f"{path}: no split {split!r} (has {sorted(splits)})")
    return list(splits[split])


def run_evaluate(args: argparse.Namespace, stdout: IO[str]) -> int:
    from .evaluate import evaluate, format_report

    for p in (args.gold_dir, args.pred):
        if not Path(p).exists():
            print(f"civic-extract: {p}: no such file or folder", file=sys.stderr)
            return EXIT_USAGE
    try:
        ids = _split_ids(args.gold_dir, args.split) if args.split else None
    except (FileNotFoundError, KeyError) as exc:
        print(f"civic-extract: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = evaluate(args.gold_dir, args.pred, details=args.details, ids=ids)
    except json.JSONDecodeError as exc:
        print(f"civic-extract: {args.pred}: not valid JSONL ({exc})", file=sys.stderr)
        return EXIT_USAGE
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(format_report(report, details=args.details), file=stdout)
    return EXIT_OK


def main(argv: Sequence[str] | None = None, stdout: IO[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    stdout = stdout or sys.stdout
    if args.command == "extract":
        return run_extract(args, stdout)
    return run_evaluate(args, stdout)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
