"""Limits that turn hostile input into a clear error record instead of a hang or a crash.

A newsroom archive holds pages no article extractor was written for: a 5 MB
thread of comments, a file that is not text, a page that sends a pattern into
a long search. Each limit here bounds one of them and names itself in the
error record it produces, so whoever reads the output knows which option to
change:

- ``max_chars``: an input longer than this is not processed (``--max-chars``);
  it is checked when the input is read, before anything is decoded in full
  where the byte size already tells (see :func:`max_bytes`);
- ``timeout``: seconds one article may take in batch mode (``--timeout``),
  enforced inside the process that runs it by a ``SIGALRM`` timer
  (:func:`time_budget`); :mod:`civic_extract.batch` also stops a worker that
  stays silent past its chunk's budget (a search stuck in native code that
  never returns to the interpreter).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

# Generous: a long feature article is ~30,000 characters; 2,000,000 is a
# whole book. What it stops is the 5 MB page of comments and the runaway dump.
DEFAULT_MAX_CHARS = 2_000_000
# A normal article takes milliseconds; two minutes means the input is pathological.
DEFAULT_TIMEOUT = 120.0
# The most bytes one character can take: UTF-8 4, a JSON escape of an astral
# character ("\ud83d\ude00") 12. A file or JSONL line over max_bytes() cannot
# be within max_chars, so it is refused without being read in full.
MAX_BYTES_PER_CHAR = 12


def max_bytes(max_chars: int) -> int:
    """Bytes above which an input (a file, a JSONL line) is surely over ``max_chars`` characters."""
    return MAX_BYTES_PER_CHAR * max_chars + 65536


def oversize_message(where: str, chars: int, max_chars: int) -> str:
    return (f"{where}: article of {chars:,} characters is over the limit of {max_chars:,} "
            "(--max-chars); not processed")


def oversize_bytes_message(where: str, size: int, max_chars: int) -> str:
    return (f"{where}: {size:,} bytes, more than an article of at most {max_chars:,} characters "
            "can take (--max-chars); not read")


def check_size(text: str, where: str, max_chars: int | None) -> str | None:
    """The error message when ``text`` is over ``max_chars`` characters, else None."""
    if max_chars is not None and len(text) > max_chars:
        return oversize_message(where, len(text), max_chars)
    return None


class ArticleTimeout(BaseException):
    """Raised by the timer of :func:`time_budget` in the middle of an article.

    A BaseException (like KeyboardInterrupt), not an Exception, so that the
    pipeline's own ``except Exception`` handlers (which re-run a failing batch
    Doc by Doc) let it through instead of starting the slow article again.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"over the time budget of {seconds:g} s")
        self.seconds = seconds


def timeout_message(where: str, seconds: float) -> str:
    return f"{where}: stopped after {seconds:g} s, over the time budget per article (--timeout); not processed"


def can_time() -> bool:
    """Whether :func:`time_budget` can interrupt here: a POSIX timer signal, delivered to the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise :class:`ArticleTimeout` in the body once it has run ``seconds`` (wall clock).

    Does nothing when ``seconds`` is None or no timer can interrupt this thread
    (not the main thread, or no ``SIGALRM``: then only the batch's watchdog
    applies). The previous handler and timer are restored on the way out.
    """
    if not seconds or not can_time():
        yield
        return

    def fire(signum, frame):  # noqa: ARG001 - signal handler signature
        raise ArticleTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
