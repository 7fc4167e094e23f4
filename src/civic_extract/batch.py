"""Batch extraction at newsroom scale: many articles, many cores, resumable output, Dask.

Three ways to run the same extraction, all giving the same records in the same
(input) order, one per input, error records included:

- in this process (:func:`civic_extract.pipeline.records`), for one worker or
  inputs that fit in one chunk;
- a process pool (:func:`run`): inputs are read lazily here, cut into chunks and
  sent to worker processes that each build the pipeline once; at most
  ``in_flight`` chunks are out at a time, so memory stays flat however many
  articles there are, and results are yielded in input order;
- a Dask cluster (:func:`extract_dask`): a ``dask.bag`` over partitions of the
  inputs; each partition names where its articles are (a file, a slice of a
  JSONL file) so workers read them from shared storage themselves.

Workers send back finished JSON lines (the serialising is done in parallel too).

Resuming (:func:`resume_state`, :func:`skip_done`): JSONL output is written line
by line and synced at chunk boundaries; a later run cuts a trailing partial
line, counts the complete records and skips that many inputs, checking that
their ids are the ones already written (the inputs are read in a deterministic
order), then appends.

No input can stop a run (:func:`process_chunk`): an exception anywhere in the
pipeline costs only its own article an error record; with a time budget
(``timeout``, :mod:`civic_extract.limits`) each article runs under a timer, and
the pool's watchdog stops a worker that stays silent past its chunk's budget.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .limits import DEFAULT_MAX_CHARS, ArticleTimeout, check_size, max_bytes, time_budget, timeout_message
from .readers import (
    RawInput, clean_text, display_path, is_blank, is_regular, iter_inputs, iter_jsonl_lines, jsonl_lines, read_file,
    read_stdin, walk,
)

DEFAULT_CHUNK = 32
# Seconds a worker may stay silent beyond its chunk's budget (timeout x articles) before the
# watchdog stops it: room for starting a worker and building its pipeline on a loaded machine.
KILL_GRACE = 30.0


def default_workers() -> int:
    """The CPUs this process may run on (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Result:
    """One finished record: its JSON line and what the summary needs from it."""

    line: str
    id: str
    events: int
    error: str | None


@dataclass
class Stats:
    """What a run measured: peak RSS (MB) and CPU seconds per worker process, when the first result arrived."""

    peak_rss_mb: dict[int, float] = field(default_factory=dict)
    cpu_s: dict[int, float] = field(default_factory=dict)
    first_result_at: float | None = None
    restarts: int = 0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def to_result(record: Any) -> Result:
    from .output import record_line

    return Result(record_line(record), record.id, len(record.events), record.error)


# ---------------------------------------------------------------- worker side

_WORKER_NLP: Any = None
_WORKER_BUILD_ERROR: str | None = None


class PipelineBuildError(RuntimeError):
    """A worker could not build the pipeline: no article can succeed, so the run stops."""


def build_default():
    """The pipeline each worker builds once (a picklable callable, so spawned workers can call it)."""
    from .pipeline import load

    return load()


def allow_length(nlp: Any, max_chars: int | None) -> Any:
    """Let ``nlp`` take texts up to ``max_chars`` (None: any length); returns it.

    spaCy refuses texts over ``nlp.max_length`` (1,000,000 by default, sized
    for the memory of its parser and NER, which this pipeline does not run),
    so without this an article between that and ``--max-chars`` would fail
    with spaCy's message instead of being processed. Never lowers the limit.
    """
    wanted = sys.maxsize if max_chars is None else max_chars
    if getattr(nlp, "max_length", wanted) < wanted:
        nlp.max_length = wanted
    return nlp


def _init_worker(build: Callable[[], Any], max_chars: int | None = DEFAULT_MAX_CHARS) -> None:
    """Pool initializer: Ctrl-C is the parent's to handle; build the pipeline once per process."""
    global _WORKER_NLP, _WORKER_BUILD_ERROR
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _WORKER_NLP = allow_length(build(), max_chars)
    except Exception:  # noqa: BLE001 - reported by the first chunk, in the parent
        import traceback

        _WORKER_BUILD_ERROR = traceback.format_exc()


def _run_chunk(chunk: list[RawInput], batch_size: int,
               timeout: float | None = None) -> tuple[list[Result], int, float, float]:
    if _WORKER_NLP is None:
        raise PipelineBuildError(f"a worker could not build the pipeline:\n{_WORKER_BUILD_ERROR}")
    results = [to_result(r) for r in process_chunk(_WORKER_NLP, chunk, batch_size, timeout)]
    return results, os.getpid(), _peak_rss_mb(), _cpu_s()


# ---------------------------------------------------------------- one chunk, never failing


def _where(raw: RawInput) -> str:
    return raw.source or f"input {raw.id}"


def process_one(nlp: Any, raw: RawInput, timeout: float | None = None) -> Any:
    """The Record of one input, under the time budget; any failure becomes its error record."""
    from .pipeline import records
    from .schema import error_record

    try:
        with time_budget(timeout):
            return next(records(nlp, [raw]))
    except ArticleTimeout:
        message = timeout_message(_where(raw), timeout or 0.0)
    except Exception as exc:  # noqa: BLE001 - an input must never stop the batch
        message = f"{_where(raw)}: could not be processed: {type(exc).__name__}: {exc}"
    return error_record(clean_text(str(raw.id)), raw.source, clean_text(message))


def process_chunk(nlp: Any, chunk: list[RawInput], batch_size: int = 32, timeout: float | None = None) -> list[Any]:
    """One Record per input of ``chunk``, in order; nothing an input does escapes as an exception.

    Without a time budget the chunk goes through :func:`civic_extract.pipeline.records`
    in batches, and only if that raises (an input the pipeline's own error
    handling does not catch) is it run again input by input. With one, every
    input runs alone under its timer (:func:`civic_extract.limits.time_budget`),
    so a slow input is stopped and reported without holding up the others.
    """
    from .pipeline import records

    if timeout is None:
        try:
            return list(records(nlp, chunk, batch_size=batch_size))
        except Exception:  # noqa: BLE001 - isolate the input below
            pass
    return [process_one(nlp, raw, timeout) for raw in chunk]


def within_limit(raw: RawInput, max_chars: int | None) -> RawInput:
    """``raw``, or an error input when its text is over ``max_chars`` (inputs not made by the readers)."""
    error = None if raw.error else check_size(raw.text, _where(raw), max_chars)
    if error is None:
        return raw
    return RawInput(id=raw.id, source=raw.source, error=error)


# ---------------------------------------------------------------- process pool


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


@dataclass
class _Slot:
    inputs: list[RawInput]
    future: Any = None


class WorkerStalled(RuntimeError):
    """The watchdog stopped the workers: no result for a chunk within its budget."""


def _failed_result(raw: RawInput, exc: BaseException) -> Result:
    from .schema import error_record

    where = raw.source or raw.id
    if isinstance(exc, WorkerStalled):
        message = f"{where}: {exc}; the worker process was stopped and replaced"
    else:
        message = f"{where}: worker process failed on this input: {type(exc).__name__}: {exc}"
    return to_result(error_record(clean_text(str(raw.id)), raw.source, clean_text(message)))


def run(
    inputs: Iterable[RawInput],
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    in_flight: int | None = None,
    batch_size: int = 32,
    build: Callable[[], Any] = build_default,
    stats: Stats | None = None,
    mp_context: str | None = None,
    force_pool: bool = False,
    timeout: float | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> Iterator[Result]:
    """One :class:`Result` per input, in input order, over ``workers`` processes.

    Inputs that fit in one chunk, or ``workers <= 1``, run in this process (a
    pool's start-up would cost more than it saves). A worker that dies (killed,
    out of memory, a crash in native code) does not lose records: the pool is
    rebuilt and the chunks that were out are retried one at a time; a chunk
    that kills its worker alone is retried article by article, and an article
    that still kills it becomes an error record naming its file and line.
    ``force_pool``: use worker processes even for one worker or one chunk
    (benchmarks measure the workers' own memory that way).
    ``timeout``: seconds each article may take (None: no limit); an article
    over it becomes an error record saying so. In a worker the timer always
    works, and a worker that still gives nothing ``KILL_GRACE`` seconds after
    its chunk's whole budget is stopped (a search stuck in native code never
    lets the timer in) and treated like a dead one. In this process the timer
    works only in the main thread. ``max_chars``: inputs over this many
    characters become error records (the readers already apply it to files),
    and the pipeline takes texts up to it (:func:`allow_length`); None: no limit.
    """
    workers = default_workers() if workers is None else max(1, workers)
    stats = stats if stats is not None else Stats()
    it: Iterator[RawInput] = iter(inputs)
    if max_chars is not None:
        it = (within_limit(raw, max_chars) for raw in it)
    head = list(itertools.islice(it, chunk_size + 1))
    if not force_pool and (workers == 1 or len(head) <= chunk_size):
        yield from _run_here(itertools.chain(head, it), chunk_size, batch_size, build, stats, timeout, max_chars)
        return
    yield from _run_pool(itertools.chain(head, it), workers, chunk_size, in_flight or 2 * workers,
                         batch_size, build, stats, mp_context, timeout, max_chars)


def _run_here(inputs: Iterable[RawInput], chunk_size: int, batch_size: int, build: Callable[[], Any],
              stats: Stats, timeout: float | None = None,
              max_chars: int | None = DEFAULT_MAX_CHARS) -> Iterator[Result]:
    from .pipeline import default_nlp

    nlp = default_nlp() if build is build_default else build()
    before = getattr(nlp, "max_length", None)
    allow_length(nlp, max_chars)
    try:
        for chunk in chunked(inputs, chunk_size):
            for record in process_chunk(nlp, chunk, batch_size, timeout):
                if stats.first_result_at is None:
                    stats.first_result_at = time.perf_counter()
                yield to_result(record)
    finally:
        if before is not None:
            nlp.max_length = before  # the process-wide pipeline of extract() keeps its own limit
    stats.peak_rss_mb[os.getpid()] = _peak_rss_mb()


def _mp_context(name: str | None):
    """Workers start from a fork server that has imported spaCy and the pipeline modules once.

    A fork server is a clean single-threaded process, so forking from it is
    safe (unlike forking this process, which may run threads: the progress
    bar, the input counter), and each worker then only builds the pipeline
    (about 0.5 s) instead of importing spaCy anew (about 3 s) as a spawned one
    would; a pool rebuilt after a crash starts as quickly. Elsewhere: spawn.
    """
    import multiprocessing

    if name is None:
        name = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(name)
    if name == "forkserver":
        ctx.set_forkserver_preload(["civic_extract.pipeline"])
    return ctx


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL every worker of ``pool``: the pool then breaks, as when a worker dies by itself."""
    kill = getattr(pool, "kill_workers", None)  # Python 3.14
    if kill is not None:
        kill()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, ValueError):  # already gone
            pass


def _wait(slot: _Slot, pool: ProcessPoolExecutor, timeout: float | None) -> tuple[list[Result], int, float, float]:
    """The slot's result; with a time budget, stop the workers when it does not come in time."""
    if timeout is None:
        return slot.future.result()
    budget = timeout * len(slot.inputs) + KILL_GRACE
    try:
        return slot.future.result(timeout=budget)
    except TimeoutError:
        if slot.future.done():  # finished just now
            return slot.future.result()
        _kill_workers(pool)
        raise WorkerStalled(f"no result within {budget:g} s ({len(slot.inputs)} article(s) with --timeout "
                            f"{timeout:g} s each, plus {KILL_GRACE:g} s)") from None


def _run_pool(inputs, workers, chunk_size, in_flight, batch_size, build, stats, mp_context,
              timeout: float | None = None, max_chars: int | None = DEFAULT_MAX_CHARS) -> Iterator[Result]:
    ctx = _mp_context(mp_context)

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(build, max_chars))

    chunks = chunked(inputs, chunk_size)
    window: deque[_Slot] = deque()
    suspects = 0  # leading slots to run one at a time, after a worker died with several out
    pool = new_pool()
    try:
        while True:
            if suspects == 0:
                while len(window) < in_flight and (chunk := next(chunks, None)) is not None:
                    window.append(_Slot(chunk))
                for slot in window:
                    if slot.future is None:
                        slot.future = pool.submit(_run_chunk, slot.inputs, batch_size, timeout)
            elif window and window[0].future is None:
                window[0].future = pool.submit(_run_chunk, window[0].inputs, batch_size, timeout)
            if not window:
                return
            slot = window[0]
            try:
                results, pid, rss, cpu = _wait(slot, pool, timeout)
            except PipelineBuildError:
                raise
            except Exception as exc:  # noqa: BLE001 - a dead worker must not lose records
                broken = isinstance(exc, (BrokenProcessPool, WorkerStalled))
                if broken:
                    stats.restarts += 1
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = new_pool()
                if broken and suspects == 0:
                    # Several chunks were out: which one killed the worker is unknown; retry them one by one.
                    for s in window:
                        if not _succeeded(s.future):
                            s.future = None
                    suspects = len(window)
                    continue
                window.popleft()
                suspects = max(0, suspects - 1)
                if len(slot.inputs) > 1:
                    window.extendleft(_Slot([raw]) for raw in reversed(slot.inputs))
                    suspects += len(slot.inputs)
                else:
                    yield _failed_result(slot.inputs[0], exc)
                continue
            window.popleft()
            suspects = max(0, suspects - 1)
            stats.peak_rss_mb[pid] = max(rss, stats.peak_rss_mb.get(pid, 0.0))
            stats.cpu_s[pid] = max(cpu, stats.cpu_s.get(pid, 0.0))
            if stats.first_result_at is None:
                stats.first_result_at = time.perf_counter()
            yield from results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _succeeded(future: Any) -> bool:
    return future is not None and future.done() and not future.cancelled() and future.exception() is None


# ---------------------------------------------------------------- resume


class ResumeError(ValueError):
    """The existing output does not continue the given inputs."""


@dataclass(frozen=True)
class ResumeState:
    """What an existing JSONL output holds: complete records, failures among them, bytes cut off."""

    done: int
    failed: int
    cut_bytes: int


_ID_PREFIX = b'{"id": '


def _line_ok(line: bytes, last: bool) -> bool:
    """A complete record line: ends with a newline and looks like a record (the last one is parsed whole)."""
    if not line.endswith(b"}\n") or not line.startswith(_ID_PREFIX):
        return False
    if last:
        try:
            return isinstance(json.loads(line), dict)
        except ValueError:
            return False
    return True


def resume_state(path: str | Path, truncate: bool = True) -> ResumeState:
    """Count the complete records of ``path`` and cut anything after them (a half-written line).

    A kill leaves at most one half line; a power loss can leave a tail of
    garbage (NUL bytes) after the last synced line. Everything from the first
    line that is not a complete record is cut, so appending continues cleanly.
    Reads the file once, line by line.
    """
    path = Path(path)
    if not path.exists():
        return ResumeState(0, 0, 0)
    size = path.stat().st_size
    done = failed = good_end = end = 0
    with path.open("rb") as fh:
        prev: bytes | None = None
        for line in fh:
            if prev is not None:
                if not _line_ok(prev, last=False):
                    break
                done += 1
                failed += not prev.endswith(b'"error": null}\n')
                good_end = end
            prev = line
            end += len(line)
        else:
            if prev is not None and _line_ok(prev, last=True):
                done += 1
                failed += not prev.endswith(b'"error": null}\n')
                good_end = end
    if truncate and good_end < size:
        with path.open("r+b") as fh:
            fh.truncate(good_end)
            fh.flush()
            os.fsync(fh.fileno())
    return ResumeState(done, failed, size - good_end)


def _line_id(line: str) -> str:
    value, _ = json.JSONDecoder().raw_decode(line, len(_ID_PREFIX))
    return str(value)


def skip_done(inputs: Iterable[RawInput], path: str | Path, done: int) -> Iterator[RawInput]:
    """``inputs`` after the first ``done``, checking each skipped input's id against the record written for it."""
    it = iter(inputs)
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(itertools.islice(fh, done), start=1):
            raw = next(it, None)
            written = _line_id(line)
            if raw is None or raw.id != written:
                now = "nothing (fewer inputs)" if raw is None else repr(raw.id)
                raise ResumeError(f"{path}: record {n} is {written!r} but input {n} is now {now}; "
                                  "the inputs changed since the interrupted run, so it cannot be resumed "
                                  "(run again without --resume to start afresh)")
    yield from it


# ---------------------------------------------------------------- counting (progress bar total)


def count_inputs(specs: Iterable[str], exclude: Iterable[str] = (),
                 max_chars: int | None = DEFAULT_MAX_CHARS) -> int | None:
    """How many inputs ``iter_inputs(specs)`` will give, without decoding them; None for stdin.

    Reads JSONL files as bytes and counts non-blank lines, so it is quick
    enough to run beside the extraction for the progress bar's total and ETA.
    """
    skip = {Path(p).resolve() for p in exclude if p and p != "-"}
    total = 0
    for spec in specs:
        if spec == "-":
            return None
        path = Path(spec)
        files = (f for f in walk(path) if f.resolve() not in skip) if path.is_dir() else [path]
        for f in files:
            total += _count_file(f, max_chars)
    return total


def _line_limit(max_chars: int | None) -> int:
    return max_bytes(max_chars) if max_chars is not None else sys.maxsize - 1


def _count_file(path: Path, max_chars: int | None = DEFAULT_MAX_CHARS) -> int:
    if path.suffix.lower() != ".jsonl" or not is_regular(path):
        return 1  # a pipe is never opened here: that could block
    limit = _line_limit(max_chars)
    try:
        with path.open("rb") as fh:
            return sum(1 for line, size in jsonl_lines(fh, limit) if not is_blank(line, size, limit))
    except OSError:
        return 1


def count_in_background(specs: list[str], exclude: list[str], on_total: Callable[[int], None],
                        max_chars: int | None = DEFAULT_MAX_CHARS) -> threading.Thread:
    def work() -> None:
        try:
            n = count_inputs(specs, exclude, max_chars)
        except Exception:  # noqa: BLE001 - the total only feeds the ETA
            return
        if n is not None:
            on_total(n)

    t = threading.Thread(target=work, name="count-inputs", daemon=True)
    t.start()
    return t


# ---------------------------------------------------------------- Dask


@dataclass(frozen=True)
class Partition:
    """Where one partition's inputs are, so a Dask worker can read them itself.

    ``kind``: ``files`` (``paths`` read with ``read_file``, ids relative to
    ``root``), ``jsonl`` (``count`` lines of ``paths[0]`` from byte ``offset``,
    the first being line ``line``, ``inputs`` of them not blank), or ``raw``
    (``items``: inputs carried along, for standard input and missing paths).
    """

    kind: str
    paths: tuple[str, ...] = ()
    root: str | None = None
    offset: int = 0
    line: int = 1
    count: int = 0
    inputs: int = 0
    items: tuple[RawInput, ...] = ()
    max_chars: int | None = DEFAULT_MAX_CHARS

    def size(self) -> int:
        """How many inputs (so records) this partition gives."""
        return {"raw": len(self.items), "files": len(self.paths), "jsonl": self.inputs}[self.kind]


def plan_partitions(specs: Iterable[str], size: int = 256, exclude: Iterable[str] = (),
                    max_chars: int | None = DEFAULT_MAX_CHARS) -> Iterator[Partition]:
    """Partitions of at most ``size`` inputs, in input order, naming files and JSONL byte ranges.

    JSONL files are scanned once as bytes to find where each partition starts;
    no article is decoded here. Standard input is read here and carried along.
    ``max_chars`` goes with each partition to the worker that reads it.
    """
    skip = {Path(p).resolve() for p in exclude if p and p != "-"}
    files: list[str] = []
    files_root: str | None = None

    def flush_files() -> Iterator[Partition]:
        nonlocal files
        if files:
            yield Partition("files", paths=tuple(files), root=files_root, max_chars=max_chars)
            files = []

    for spec in specs:
        if spec == "-":
            yield from flush_files()
            for chunk in chunked(read_stdin(max_chars=max_chars), size):
                yield Partition("raw", items=tuple(chunk), max_chars=max_chars)
            continue
        path = Path(spec)
        if path.is_dir():
            members = (f for f in walk(path) if f.resolve() not in skip)
            root = str(path)
        elif path.exists():
            members, root = iter([path]), None
        else:
            yield from flush_files()
            name = display_path(spec)
            yield Partition("raw", items=(RawInput(id=name, source=name, error=f"{name}: no such file or folder"),))
            continue
        for f in members:
            if f.suffix.lower() == ".jsonl" and is_regular(f):
                yield from flush_files()
                yield from _jsonl_partitions(f, size, max_chars)
                continue
            if files and (files_root != root or len(files) >= size):
                yield from flush_files()
            files_root = root
            files.append(str(f))
    yield from flush_files()


def _jsonl_partitions(path: Path, size: int, max_chars: int | None = DEFAULT_MAX_CHARS) -> Iterator[Partition]:
    try:
        fh = path.open("rb")
    except OSError:  # read_file turns the failure into an error record
        yield Partition("files", paths=(str(path),), max_chars=max_chars)
        return
    limit = _line_limit(max_chars)
    with fh:
        offset = pos = 0
        first = n = count = 0
        for n, (line, length) in enumerate(jsonl_lines(fh, limit), start=1):
            if not count:
                first, offset = n, pos
            pos += length
            if not is_blank(line, length, limit):
                count += 1
            if count == size:
                yield Partition("jsonl", paths=(str(path),), offset=offset, line=first, count=n - first + 1,
                                inputs=count, max_chars=max_chars)
                count = 0
        if count:
            yield Partition("jsonl", paths=(str(path),), offset=offset, line=first, count=n - first + 1,
                            inputs=count, max_chars=max_chars)


def read_partition(part: Partition) -> Iterator[RawInput]:
    """The inputs of one partition, exactly as :func:`iter_inputs` gives them."""
    if part.kind == "raw":
        yield from part.items
    elif part.kind == "files":
        root = Path(part.root) if part.root else None
        for p in part.paths:
            yield from read_file(Path(p), root=root, max_chars=part.max_chars)
    else:
        name = part.paths[0]
        with open(name, "rb") as fh:
            fh.seek(part.offset)
            yield from iter_jsonl_lines(fh, display_path(name), part.max_chars, first_line=part.line, count=part.count)


_DASK_NLP = threading.local()


def _dask_partition(part: Partition, batch_size: int = 32) -> list[Result]:
    """Run on a Dask worker: the pipeline is built once per worker thread and kept."""
    from .pipeline import load

    nlp = getattr(_DASK_NLP, "nlp", None)
    if nlp is None:
        nlp = _DASK_NLP.nlp = load()
    allow_length(nlp, part.max_chars)
    return [to_result(r) for r in process_chunk(nlp, list(read_partition(part)), batch_size=batch_size)]


def extract_dask(
    specs: Iterable[str],
    scheduler: Any,
    partition_size: int = 256,
    in_flight: int | None = None,
    exclude: Iterable[str] = (),
    batch_size: int = 32,
    skip: int = 0,
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> Iterator[Result]:
    """The same Results as :func:`run`, computed on a Dask cluster, in input order.

    ``specs``: inputs as on the command line (files, folders, ``-``); workers
    read files themselves, so the paths must be visible to them (shared
    storage). ``scheduler``: a ``distributed.Client``, or a scheduler address
    such as ``tcp://10.0.0.5:8786``. The bag's partitions are computed with at
    most ``in_flight`` out at a time (default: twice the cluster's threads), so
    neither the client nor the cluster holds the whole output. ``skip``: leave
    out the first ``skip`` results (resuming), without computing the
    partitions that hold only those.
    """
    import dask.bag as db
    from distributed import Client

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    own = client is not scheduler
    try:
        parts = list(plan_partitions(specs, size=partition_size, exclude=exclude, max_chars=max_chars))
        while parts and skip >= parts[0].size():
            skip -= parts.pop(0).size()
        if not parts:
            return
        bag = db.from_sequence(parts, npartitions=len(parts)).map(_dask_partition, batch_size=batch_size).flatten()
        delayed = bag.to_delayed()
        limit = in_flight or max(2, 2 * sum(client.nthreads().values()))
        window: deque[Any] = deque()
        pending = iter(delayed)
        while True:
            while len(window) < limit and (d := next(pending, None)) is not None:
                window.append(client.compute(d))
            if not window:
                return
            results = window.popleft().result()
            yield from results[skip:]
            skip = 0
    finally:
        if own:
            client.close()


# ---------------------------------------------------------------- a whole run (the extract command)


class UsageError(ValueError):
    """A combination of options that cannot work (the CLI exits 2)."""


@dataclass
class Summary:
    """A run's totals; ``resumed``/``resumed_failed``: records already in the output before this run."""

    articles: int = 0
    events: int = 0
    failed: int = 0
    seconds: float = 0.0
    resumed: int = 0
    resumed_failed: int = 0
    interrupted: bool = False

    @property
    def total(self) -> int:
        return self.articles + self.resumed

    @property
    def total_failed(self) -> int:
        return self.failed + self.resumed_failed

    def line(self) -> str:
        rate = self.articles / self.seconds if self.seconds else 0.0
        text = (f"{self.articles} articles, {self.events} events, {self.failed} failed, "
                f"{self.seconds:.1f} s ({rate:.1f} articles/s)")
        if self.resumed:
            text += f"; resumed after {self.resumed} records already written ({self.resumed_failed} failed)"
        return text


def _local_cluster(workers: int | None):
    """``--dask local``: a cluster on this machine, one single-threaded worker process per core."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster)


def extract_to(
    specs: list[str],
    output: str = "-",
    also: Iterable[str] = (),
    fmt: str | None = None,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    batch_size: int = 32,
    resume: bool = False,
    dask: Any = None,
    quiet: bool = False,
    stdout: Any = None,
    on_error: Callable[[str], None] | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
    timeout: float | None = None,
) -> Summary:
    """Extract every input of ``specs`` into ``output`` (and each of ``also``); the extract command.

    ``resume``: continue the JSONL ``output`` of an interrupted run (see
    :func:`resume_state`); the ``also`` outputs are then rebuilt from it at the
    end, since only JSONL can be appended to. Raises :class:`UsageError` for
    impossible option combinations, :class:`ResumeError` when the output does
    not continue these inputs, ``KeyboardInterrupt`` after syncing what was
    written (the summary is then in ``exc.summary``). ``max_chars``, ``timeout``:
    the limits of :mod:`civic_extract.limits` (``timeout`` does not apply on
    Dask, whose workers run articles in threads, out of reach of a timer).
    """
    from .output import format_for, open_writer

    also = list(also)
    main_fmt = format_for(output, fmt)
    if max_chars is not None and max_chars < 1:
        raise UsageError(f"--max-chars must be at least 1, got {max_chars}")
    if timeout is not None and not timeout > 0:
        raise UsageError(f"--timeout must be more than 0 seconds, got {timeout:g}")
    if resume and (output == "-" or main_fmt != "jsonl"):
        raise UsageError("--resume needs a JSONL output file (-o OUT.jsonl); add other formats with --also")
    for extra in also:
        if extra == "-":
            raise UsageError("--also needs a file name, not -")
    exclude = [output, *also]
    summary = Summary()
    state = resume_state(output) if resume else ResumeState(0, 0, 0)
    summary.resumed, summary.resumed_failed = state.done, state.failed
    if state.done and not quiet:
        cut = f", cut {state.cut_bytes} bytes of an unfinished record" if state.cut_bytes else ""
        print(f"civic-extract: {output}: resuming after {state.done} complete records{cut}", file=sys.stderr)

    client = None
    if dask is not None:
        client = _local_cluster(workers) if dask == "local" else dask
    stats = Stats()
    if client is not None:
        if state.done:
            next(skip_done(iter_inputs(specs, exclude=exclude, max_chars=max_chars), output, state.done), None)
        results: Iterator[Result] = extract_dask(specs, client, partition_size=chunk_size * 4, exclude=exclude,
                                                 batch_size=batch_size, skip=state.done, max_chars=max_chars)
    else:
        inputs: Iterator[RawInput] = iter_inputs(specs, exclude=exclude, max_chars=max_chars)
        if state.done:
            inputs = skip_done(inputs, output, state.done)
        results = run(inputs, workers=workers, chunk_size=chunk_size, batch_size=batch_size, stats=stats,
                      timeout=timeout, max_chars=max_chars)

    writer = open_writer(output, main_fmt, append=bool(state.done), stdout=stdout)
    extras = [] if resume else [open_writer(p) for p in also]
    needs_dict = main_fmt != "jsonl" or bool(extras)
    bar = progress_bar(quiet, initial=state.done)
    if bar is not None and "-" not in specs:
        count_in_background(specs, exclude, lambda n: (setattr(bar, "total", n), bar.refresh()), max_chars)
    report = on_error or (lambda msg: print(f"civic-extract: {msg}", file=sys.stderr))
    if bar is not None:
        from tqdm import tqdm

        report = on_error or (lambda msg: tqdm.write(f"civic-extract: {msg}", file=sys.stderr))
    started = time.perf_counter()
    since_sync = 0
    try:
        for r in results:
            rec = json.loads(r.line) if needs_dict else None
            if main_fmt == "jsonl":
                writer.write_line(r.line)
            else:
                writer.write(rec)
            for w in extras:
                w.write(rec)
            summary.articles += 1
            summary.events += r.events
            if r.error:
                summary.failed += 1
                report(r.error)
            since_sync += 1
            if since_sync >= chunk_size:
                writer.sync()
                since_sync = 0
            if bar is not None:
                bar.update(1)
    except KeyboardInterrupt as exc:
        summary.interrupted = True
        exc.summary = summary  # type: ignore[attr-defined]
        raise
    finally:
        summary.seconds = time.perf_counter() - started
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stop the workers now (the pool waits only for the chunks they are running)
        if bar is not None:
            bar.close()
        writer.close()
        for w in extras:
            w.close()
        if client is not None and client is not dask:
            cluster = client.cluster
            client.close()
            cluster.close()
    if resume and also:
        from .output import read_jsonl, write_records

        for extra in also:
            write_records(read_jsonl(output), extra)
    return summary


def progress_bar(quiet: bool, initial: int = 0):
    """A tqdm bar on standard error: articles/s, and an ETA once the background count gives a total."""
    if quiet:
        return None
    from tqdm import tqdm

    return tqdm(total=None, initial=initial, desc="extract", unit=" articles", file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5, smoothing=0.1)
