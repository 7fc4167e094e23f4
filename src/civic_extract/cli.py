"""Command line: ``civic-extract extract | evaluate | report``.

Each command is a thin wrapper over a function that returns data
(:func:`civic_extract.batch.extract_to`, :func:`civic_extract.evaluate.evaluate`,
:func:`civic_extract.report.write_report`).
Exit codes follow trafilatura: 0 all inputs succeeded, 1 some failed, 126
nearly all (over 99%) failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Sequence

from . import __version__
from .limits import DEFAULT_MAX_CHARS, DEFAULT_TIMEOUT

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_NEARLY_ALL_FAILED = 0, 1, 2, 126
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


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
    g_out.add_argument("--format", choices=["jsonl", "csv", "xlsx", "parquet"], default=None,
                       help="format of -o (default: from the extension: .jsonl .csv .xlsx .parquet; else jsonl)")
    g_out.add_argument("--also", action="append", default=[], metavar="FILE",
                       help="also write the records to FILE, format from its extension (repeatable)")
    g_run = ex.add_argument_group("Run")
    g_run.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    g_run.add_argument("--batch-size", type=_positive, default=32, help="articles per spaCy batch")
    g_run.add_argument("-w", "--workers", type=_positive, default=None,
                       help="worker processes (default: the CPU count); each builds the pipeline once")
    g_run.add_argument("--chunk-size", type=_positive, default=32,
                       help="articles sent to a worker at a time; the output is synced every chunk")
    g_run.add_argument("--resume", action="store_true",
                       help="continue an interrupted run: keep the complete records of -o OUT.jsonl, skip their inputs, append")
    g_run.add_argument("--dask", metavar="SCHEDULER", default=None,
                       help="run on a Dask cluster: a scheduler address (tcp://host:8786), or 'local' for one on this machine")
    g_lim = ex.add_argument_group(
        "Limits", "an input over a limit gets an error record saying which, and the run goes on")
    g_lim.add_argument("--max-chars", type=_not_negative, default=DEFAULT_MAX_CHARS, metavar="N",
                       help=f"longest input processed, in characters (default {DEFAULT_MAX_CHARS:,}; 0: no limit)")
    g_lim.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                       help=f"time one article may take (default {DEFAULT_TIMEOUT:g}; 0: no limit; not with --dask)")

    ev = sub.add_parser("evaluate", help="score predictions against gold files", description=(
        "Per-field precision/recall/F1 of a prediction JSONL against a folder of gold files "
        "(shared/eval/GUIDELINES.md)."))
    ev.add_argument("gold_dir", help="folder of <id>.json gold files")
    ev.add_argument("pred", help="prediction JSONL written by civic-extract extract")
    ev.add_argument("--details", action="store_true", help="per-article misses and extras")
    ev.add_argument("--json", dest="json_out", help="also write the full report as JSON here")
    ev.add_argument("--split", help="score only this split of <gold_dir>/../splits.json (train, dev or test)")

    rp = sub.add_parser("report", help="an HTML report of extracted records", description=(
        "A self-contained right-to-left HTML page: totals, charts, and every article with its entities, "
        "dates and figures highlighted and its events beside it."))
    rp.add_argument("pred", help="records written by civic-extract extract (JSONL)")
    rp.add_argument("-o", "--output", default="report.html", help="HTML file to write (default: report.html)")
    rp.add_argument("--max-articles", type=_not_negative, default=500,
                    help="articles shown in full (totals always cover all records; default 500)")
    rp.add_argument("--title", default=None, help="page title")
    return parser


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _not_negative(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more, got {n}")
    return n


def _seconds(value: str) -> float:
    try:
        s = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not s >= 0 or s == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or a positive number of seconds, got {value}")
    return s


def run_extract(args: argparse.Namespace, stdout: IO[str]) -> int:
    from .batch import ResumeError, UsageError, extract_to

    out_path = args.output
    for p in [out_path, *args.also]:
        if p != "-" and Path(p).parent and not Path(p).parent.exists():
            print(f"civic-extract: output folder {Path(p).parent} does not exist", file=sys.stderr)
            return EXIT_USAGE
    try:
        summary = extract_to(
            args.inputs, output=out_path, also=args.also, fmt=args.format, workers=args.workers,
            chunk_size=args.chunk_size, batch_size=args.batch_size, resume=args.resume, dask=args.dask,
            quiet=args.quiet, stdout=stdout, max_chars=args.max_chars or None, timeout=args.timeout or None,
        )
    except (UsageError, ResumeError, ValueError) as exc:
        print(f"civic-extract: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        summary = getattr(exc, "summary", None)
        done = f" after {summary.total} records" if summary else ""
        hint = " (run the same command with --resume to continue)" if out_path != "-" else ""
        print(f"\ncivic-extract: interrupted{done}{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(f"civic-extract: {summary.line()}", file=sys.stderr)
    return exit_code(summary.total_failed, summary.total)


def run_report(args: argparse.Namespace, stdout: IO[str]) -> int:
    from .report import write_report

    if not Path(args.pred).exists():
        print(f"civic-extract: {args.pred}: no such file", file=sys.stderr)
        return EXIT_USAGE
    try:
        totals = write_report(args.pred, args.output, max_articles=args.max_articles, title=args.title)
    except json.JSONDecodeError as exc:
        print(f"civic-extract: {args.pred}: not valid JSONL ({exc})", file=sys.stderr)
        return EXIT_USAGE
    print(f"civic-extract: {args.output}: {totals.articles} articles, {totals.events} events", file=sys.stderr)
    return EXIT_OK


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
    if args.command == "report":
        return run_report(args, stdout)
    return run_evaluate(args, stdout)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
