#!/usr/bin/env python3
"""Fault test of issue 10: a batch killed with SIGKILL at a random point, resumed, equals an uninterrupted run.

    python bench/fault_test.py                      # 10,000 articles, 2 workers, a random kill point
    python bench/fault_test.py --n 1000 --kills 3   # smaller, killed three times (each resume killed again)
    python bench/fault_test.py --seed 7             # the same kill points again

Writes a JSONL feed of ``--n`` short generated articles (every 997th line broken, so
error records are part of the comparison), runs ``civic-extract extract`` on it once
uninterrupted, then again killed with SIGKILL (the parent and its workers, no
clean-up at all) when a random number of records has been written, resumed with
``--resume`` (and killed again, ``--kills`` times in all), and compares: the two
outputs must be equal byte for byte, with the same ids in the same order, no
duplicate and no gap. Prints one JSON line with the result; exits 1 when they
differ. ``tests/test_fault.py`` runs the same function in CI (10,000 articles, two kills).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CITIES = ["تزنيت", "وجدة", "أكادير", "مكناس", "الصويرة", "بني ملال", "الرشيدية", "آسفي", "العيون", "تطوان"]
MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر"]
BROKEN_EVERY = 997


def article(i: int) -> str:
    """A short invented article, different for each i (a misplaced record shows as a wrong id or text)."""
    city, month = CITIES[i % len(CITIES)], MONTHS[(i // 7) % len(MONTHS)]
    return (f"نظمت جمعية النخيل رقم {i} قافلة طبية بمدينة {city} يوم {1 + i % 28} {month} 2024، "
            f"استفاد منها {50 + i % 900} مستفيدا من سكان المنطقة.")


def write_feed(path: Path, n: int) -> int:
    """``n`` inputs, one per line, every ``BROKEN_EVERY``-th a broken JSON line; returns n."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if i % BROKEN_EVERY == BROKEN_EVERY - 1:
                fh.write('{"id": "broken", "text": \n')  # its record's id is then feed.jsonl:LINE
            else:
                fh.write(json.dumps({"id": f"a{i:05d}", "text": article(i)}, ensure_ascii=False) + "\n")
    return n


def _cmd(feed: Path, out: Path, workers: int, chunk: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "civic_extract.cli", "extract", str(feed), "-o", str(out), "-q",
            "--workers", str(workers), "--chunk-size", str(chunk), *extra]


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


def _kill_at(cmd: list[str], out: Path, target: int, timeout: float) -> tuple[int, float]:
    """Start ``cmd``, SIGKILL its whole process group once ``out`` has ``target`` lines; (lines then, seconds)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        while _lines(out) < target:
            if proc.poll() is not None:
                raise RuntimeError(f"the run ended (exit {proc.returncode}) before {target} records: "
                                   f"{proc.stderr.read().decode('utf-8', 'replace')[-2000:]}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"fewer than {target} records after {timeout:.0f} s")
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    return _lines(out), time.monotonic() - started


def fault_run(folder: Path, n: int = 10_000, workers: int = 2, chunk: int = 32, kills: int = 1,
              seed: int | None = None, timeout: float = 3600) -> dict:
    """Run the fault test in ``folder``; the result as a dict (``equal`` True when it passed)."""
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)
    feed, full, part = folder / "feed.jsonl", folder / "full.jsonl", folder / "part.jsonl"
    write_feed(feed, n)

    t0 = time.monotonic()
    done = subprocess.run(_cmd(feed, full, workers, chunk), capture_output=True, timeout=timeout)
    full_s = time.monotonic() - t0
    if done.returncode not in (0, 1):
        raise RuntimeError(f"uninterrupted run failed (exit {done.returncode}): {done.stderr.decode()[-2000:]}")

    killed_at = []
    extra: tuple[str, ...] = ()
    t0 = time.monotonic()
    for _ in range(kills):
        have = _lines(part)
        target = rng.randint(have + 1, have + max(1, (n - have) * 9 // 10))
        lines, _ = _kill_at(_cmd(feed, part, workers, chunk, *extra), part, target, timeout)
        killed_at.append(lines)
        extra = ("--resume",)
    resumed = subprocess.run(_cmd(feed, part, workers, chunk, "--resume"), capture_output=True, timeout=timeout)
    interrupted_s = time.monotonic() - t0

    a, b = full.read_bytes(), part.read_bytes()
    ids_full = [json.loads(line)["id"] for line in a.splitlines()]
    recs = [json.loads(line) for line in b.splitlines()]
    ids_part = [r["id"] for r in recs]  # all different: a00000... and feed.jsonl:LINE for the broken lines
    return {
        "n": n, "workers": workers, "chunk": chunk, "seed": seed, "killed_at_records": killed_at,
        "records": len(ids_part), "expected_records": n, "equal": a == b,
        "same_ids_same_order": ids_part == ids_full, "duplicates": len(ids_part) - len(set(ids_part)),
        "gaps": n - len(ids_part), "resume_exit": resumed.returncode,
        "error_records": sum(r["error"] is not None for r in recs),
        "uninterrupted_s": round(full_s, 1), "interrupted_and_resumed_s": round(interrupted_s, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="articles (default 10,000)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=32)
    ap.add_argument("--kills", type=int, default=1, help="SIGKILLs before the final resume (default 1)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the kill points (default: random, printed)")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep its files")
    args = ap.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = fault_run(args.keep, args.n, args.workers, args.chunk_size, args.kills, args.seed)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = fault_run(Path(tmp), args.n, args.workers, args.chunk_size, args.kills, args.seed)
    print(json.dumps(result))
    ok = result["equal"] and result["same_ids_same_order"] and not result["duplicates"] and not result["gaps"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
