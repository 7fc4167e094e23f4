"""Split: a raw page or file becomes a clean article, then paragraphs and sentences.

Scraped Arabic news pages wrap the article in a headline ticker (other stories'
titles separated by runs of spaces), report-abuse blocks, a byline or dateline
and trailing "read at the source" links. :func:`split_page` keeps the title,
the byline (from which ``published`` is read) and the body, so that later
stages never see other stories' headlines. The cues are data
(``data/patterns/page.json``), matched on normalised lines so that spelling
variants of the same cue agree. HTML goes through trafilatura, the standard
main-text extractor, and its text then follows the same path.

The ``civic_segment`` component marks paragraphs and sentence starts on a Doc;
when a Doc arrives with no title or publication date (``nlp(raw_text)``), it
reads them from the header lines of the Doc's own text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy
import regex
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from . import extensions
from .dates import first_full_date
from .normalise import normalise


@dataclass(frozen=True)
class Cue:
    name: str
    pattern: "regex.Pattern[str]"


@dataclass(frozen=True)
class PageCues:
    ticker_separator: "regex.Pattern[str]"
    ticker_min_segments: int
    ticker_max_mean: int
    boilerplate: tuple[Cue, ...]
    tail: tuple[Cue, ...]
    byline: tuple[Cue, ...]
    dateline: tuple[Cue, ...]
    title_max_chars: int
    title_max_words: int
    title_end: "regex.Pattern[str]"
    bullet: "regex.Pattern[str]"


@dataclass(frozen=True)
class SplitArticle:
    """The clean article: ``text`` is the title line (if any), then the body.

    Byline and dateline lines stay at the top of the body, because they credit
    people and places (a full-name byline is a PER); ``byline`` repeats the
    line that gave ``published``.
    """

    title: str | None
    byline: str | None
    published: str | None
    text: str


# Header lines are matched on the first characters only: a dateline prefix
# ("date 2026-01-05 ...") may run on into the first sentence.
HEADER_CHARS = 160
# The header is the first few content lines: title, kicker, author, byline.
HEADER_LINES = 5
_ISO = regex.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_TATWEEL_DASH = regex.compile(r"(?<=\s)\u0640+(?=\s)")


def _cues(items: list[dict[str, str]]) -> tuple[Cue, ...]:
    # Patterns are written as people spell the cue; fold them like the text.
    return tuple(Cue(i["name"], regex.compile(normalise(i["pattern"]).text, regex.IGNORECASE)) for i in items)


@lru_cache(maxsize=1)
def page_cues() -> PageCues:
    """Load and compile ``data/patterns/page.json`` once per process."""
    raw = json.loads((resources.files("civic_extract") / "data" / "patterns" / "page.json").read_text("utf-8"))
    return PageCues(
        ticker_separator=regex.compile(raw["ticker"]["separator"]),
        ticker_min_segments=raw["ticker"]["min_segments"],
        ticker_max_mean=raw["ticker"]["max_mean_segment"],
        boilerplate=_cues(raw["boilerplate"]),
        tail=_cues(raw["tail"]),
        byline=_cues(raw["byline"]),
        dateline=_cues(raw["dateline"]),
        title_max_chars=raw["title"]["max_chars"],
        title_max_words=raw["title"]["max_words"],
        title_end=regex.compile(raw["title"]["end_punctuation"]),
        bullet=regex.compile(raw["bullet"]),
    )


def line_key(line: str) -> str:
    """The form cues are matched on: a tatweel run used as a dash becomes '-', then normalised."""
    stripped = line.strip()
    # Short lines are cached: each header line is keyed for several cues
    # (boilerplate, byline, dateline, tail), and boilerplate lines recur from
    # page to page. A long line is a paragraph, keyed at most three times.
    return _line_key(stripped) if len(stripped) <= _CACHED_LINE_CHARS else _key_of(stripped)


_CACHED_LINE_CHARS = 400


def _key_of(stripped: str) -> str:
    return normalise(_TATWEEL_DASH.sub("-", stripped)).text


_line_key = lru_cache(maxsize=1024)(_key_of)


def _first(cues: tuple[Cue, ...], key: str) -> str | None:
    for cue in cues:
        if cue.pattern.search(key):
            return cue.name
    return None


def is_ticker(line: str, cues: PageCues | None = None) -> bool:
    """A line of several short headlines separated by runs of spaces or tabs."""
    cues = cues or page_cues()
    parts = [p for p in cues.ticker_separator.split(line.strip()) if p.strip()]
    if len(parts) < cues.ticker_min_segments:
        return False
    return sum(len(p) for p in parts) / len(parts) <= cues.ticker_max_mean


def classify_line(line: str, cues: PageCues | None = None) -> str:
    """``blank``, ``ticker``, ``boilerplate`` or ``content`` for one raw line."""
    cues = cues or page_cues()
    if not line.strip():
        return "blank"
    if is_ticker(line, cues):
        return "ticker"
    key = line_key(line)
    if len(key) <= HEADER_CHARS and _first(cues.boilerplate, key):
        return "boilerplate"
    return "content"


def header_date(line: str) -> str | None:
    """The publication date a byline line gives: an ISO date, else the first full date."""
    m = _ISO.search(normalise(line).text)
    if m:
        return f"{m[1]}-{m[2]}-{m[3]}"
    return first_full_date(line)


def byline_kind(line: str, cues: PageCues | None = None) -> str | None:
    """Name of the byline cue a header line matches, when the line also holds a full date."""
    cues = cues or page_cues()
    key = line_key(line)[:HEADER_CHARS]
    name = _first(cues.byline, key)
    if name and header_date(line[: HEADER_CHARS + 20]):
        return name
    return None


def is_dateline(line: str, cues: PageCues | None = None) -> bool:
    """A short header line naming a place and an author or agency (``وجدة - فلان``)."""
    cues = cues or page_cues()
    key = line_key(line)
    return len(key) <= HEADER_CHARS and _first(cues.dateline, key) is not None


def looks_like_title(line: str, cues: PageCues | None = None) -> bool:
    """A headline is short and does not end like a sentence or an introduction."""
    cues = cues or page_cues()
    s = line.strip()
    return (
        0 < len(s) <= cues.title_max_chars
        and len(s.split()) <= cues.title_max_words
        and not cues.title_end.search(s)
        and not cues.bullet.match(s)
    )


def content_lines(raw: str, cues: PageCues | None = None) -> list[str]:
    """The page's lines less tickers, boilerplate and the trailing furniture."""
    cues = cues or page_cues()
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    kept = [ln.strip() for ln in lines if classify_line(ln, cues) == "content"]
    for i, line in enumerate(kept):
        if i >= max(1, len(kept) // 3) and len(line) <= HEADER_CHARS and _first(cues.tail, line_key(line)):
            return kept[:i]
    return kept


def split_text(raw: str, published: str | None = None, title: str | None = None) -> SplitArticle:
    """Clean a plain-text page or article into title, byline, published and text.

    ``published`` and ``title`` given by the caller (JSONL fields, HTML
    metadata) win over what the header lines say.
    """
    cues = page_cues()
    lines = content_lines(raw, cues)
    if title is None and len(lines) > 1:
        first = lines[0]
        if looks_like_title(first, cues) and not byline_kind(first, cues) and not is_dateline(first, cues):
            title = first
    if title is not None and lines and lines[0].strip() == title.strip():
        lines = lines[1:]
    byline = next((ln for ln in lines[:HEADER_LINES] if byline_kind(ln, cues)), None)
    if published is None and byline:
        published = header_date(byline[: HEADER_CHARS + 20])
    body = "\n".join(lines)
    text = f"{title}\n{body}" if title and body else (title or body)
    return SplitArticle(title=title, byline=byline, published=published, text=text)


def split_html(html: str, published: str | None = None) -> SplitArticle:
    """Main text and metadata through trafilatura, then the plain-text cleaning."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, favor_recall=True)
    if doc is None:
        raise ValueError("no article text found in the HTML page")
    meta: dict[str, Any] = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    date = meta.get("date")
    if published is None and date and _ISO.match(date):
        published = date[:10]
    return split_text(meta.get("text") or "", published=published, title=meta.get("title") or None)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the non-empty lines: one line, one paragraph or bullet."""
    spans, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped[0])
            spans.append((start, start + len(stripped)))
        pos += len(line) + 1
    return spans


SPLIT_DONE = "civic_split_done"
SENTENCE_END = frozenset({".", "؟", "?", "!", "؛", "…"})


def sentence_start_values(text: str, tokens: list[list[int]], paragraphs: list[tuple[int, int]]) -> list[int]:
    """``SENT_START`` per token (1 starts a sentence, -1 does not) from (idx, is_space, length) rows.

    Starts after . ؟ ! ؛ and at every paragraph or bullet line; a space token
    starts one only right after a sentence end; the first token always does.
    """
    starts = {s for s, _ in paragraphs}
    out: list[int] = []
    prev_end = True
    for idx, is_space, length in tokens:
        if is_space:
            out.append(1 if prev_end or not out else -1)
            continue
        out.append(1 if not out or prev_end or idx in starts else -1)
        # Every sentence-end mark is one character.
        prev_end = length == 1 and text[idx] in SENTENCE_END
    if out:
        out[0] = 1
    return out


def set_sentence_starts(doc: Doc, paragraphs: list[tuple[int, int]]) -> None:
    """Sentence starts after . ؟ ! ؛ and at every paragraph or bullet line.

    Written in one ``Doc.from_array`` call: setting ``token.is_sent_start`` token
    by token makes spaCy scan the whole Doc for a parse at every assignment.
    """
    if not len(doc):
        return
    doc[0].is_sent_start = True  # raises, as every assignment would, on a parsed Doc
    rows = doc.to_array([IDX, IS_SPACE, LENGTH]).tolist()
    values = sentence_start_values(extensions.doc_text(doc), rows, paragraphs)
    doc.from_array([SENT_START], numpy.array(values, dtype="int64").astype("uint64"))


class Segmenter:
    """Paragraphs and sentences, and the header fields when the Doc lacks them."""

    def __init__(self, nlp: Language, name: str, read_header: bool) -> None:
        self.name = name
        self.read_header = read_header

    def __call__(self, doc: Doc) -> Doc:
        text = extensions.doc_text(doc)
        # A Doc made from a split article (pipeline.make_doc) already has its header read.
        if self.read_header and not doc.user_data.get(SPLIT_DONE) and doc._.title is None and doc._.published is None:
            head = split_text(text)
            if head.title and text.startswith(head.title):
                doc._.title = head.title
            doc._.byline = head.byline
            doc._.published = head.published
        paras = paragraph_spans(text)
        doc._.paragraphs = paras
        set_sentence_starts(doc, paras)
        return doc


@Language.factory(
    "civic_segment",
    assigns=["doc._.paragraphs", "token.is_sent_start", "doc._.published"],
    default_config={"read_header": True},
)
def make_segmenter(nlp: Language, name: str, read_header: bool) -> Segmenter:
    """``read_header``: read title/byline/published from the Doc's text when not already set."""
    extensions.register()
    return Segmenter(nlp, name, read_header)
