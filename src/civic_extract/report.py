"""An HTML report of extracted records that a journalist would rather read than the JSON.

``civic-extract report PRED.jsonl -o report.html`` writes one self-contained,
right-to-left page (inline CSS and SVG, no script, nothing fetched): totals,
bar charts (events by type, month, province or city; beneficiaries by type),
then each article with its entities, dates and figures underlined in the text
(displaCy's span style: one coloured line per item, stacked where items
overlap, drawn from the items' ``offsets``) and its event records in a table
beside it.

Every piece of article text goes through :func:`html.escape`: articles are
scraped from the web and must not be able to inject markup into the page.
Records are read one at a time; totals cover all of them, and the first
``max_articles`` are shown in full, so the page stays readable and its size
bounded.

Written by hand rather than with displaCy: displaCy's span renderer lays out
spaCy tokens, while our items are character offsets into text that is not
tokenised the same way, and its pages are left-to-right.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from . import __version__

LABEL_ORDER = ("ORG", "PER", "LOC", "DATE", "FIG")


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    """Arabic display names (``data/report/labels.json``), read once."""
    ref = resources.files("civic_extract.data") / "report" / "labels.json"
    return json.loads(ref.read_text(encoding="utf-8"))


def word(key: str) -> str:
    return labels()["words"][key]


def type_name(event_type: str) -> str:
    return labels()["event_types"].get(event_type, event_type)


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def fmt_number(value: float | int) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


# ---------------------------------------------------------------- places


@lru_cache(maxsize=1)
def _places() -> dict[str, Any]:
    from .entities.gazetteer import default_gazetteer

    return default_gazetteer().places


@lru_cache(maxsize=None)
def _country(code: str | None) -> str:
    if not code:
        return ""
    from babel import Locale

    return Locale("ar").territories.get(code, code)


def province_of(place: dict[str, Any] | None) -> str | None:
    """The province (or prefecture) a gazetteer place lies in, else the place itself with its country.

    Moroccan communes and arrondissements name their province through
    ``parent``; elsewhere the gazetteer holds cities and countries only, so the
    city stands for its area.
    """
    if not place:
        return None
    seen, current = set(), place
    while current and current.get("id") not in seen:
        seen.add(current.get("id"))
        if current.get("level") in ("province", "prefecture", "region", "country"):
            return current.get("name_ar")
        if current.get("level") not in ("commune", "arrondissement"):
            break
        parent = _places().get(current.get("parent") or "")
        current = parent.to_dict() if parent is not None else None
    country = _country(place.get("country"))
    name = place.get("name_ar") or ""
    return f"{name} ({country})" if country and country != name else name or None


def _event_places(event: dict[str, Any], entities: list[dict[str, Any]]) -> list[str]:
    """Province or city of each place of an event, through the LOC entity it names or overlaps."""
    locs = [e for e in entities if e.get("label") == "LOC"]
    out = []
    for slot in event.get("places") or []:
        match = next((e for e in locs if e.get("name") == slot.get("name")), None)
        if match is None:
            spans = {tuple(o) for o in slot.get("offsets") or []}
            match = next((e for e in locs if any(_overlap(tuple(o), s) for o in e.get("offsets") or [] for s in spans)), None)
        key = province_of(match.get("place")) if match else None
        out.append(key or slot.get("name"))
    return list(dict.fromkeys(out))


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# ---------------------------------------------------------------- totals


@dataclass
class Totals:
    """Counts over every record of the file (not only the articles shown)."""

    articles: int = 0
    failed: int = 0
    with_events: int = 0
    events: int = 0
    beneficiaries: float = 0
    by_type: Counter = field(default_factory=Counter)
    by_month: Counter = field(default_factory=Counter)
    by_place: Counter = field(default_factory=Counter)
    beneficiaries_by_type: Counter = field(default_factory=Counter)

    def add(self, rec: dict[str, Any]) -> None:
        self.articles += 1
        self.failed += bool(rec.get("error"))
        events = rec.get("events") or []
        self.with_events += bool(events)
        self.events += len(events)
        for ev in events:
            name = type_name(ev["type"])
            self.by_type[name] += 1
            self.by_month[(ev.get("date_start") or "")[:7] or word("no_date")] += 1
            places = _event_places(ev, rec.get("entities") or [])
            for p in places or [word("no_place")]:
                self.by_place[p] += 1
            ben = ev.get("beneficiaries")
            if ben and ben.get("value") is not None:
                self.beneficiaries += ben["value"]
                self.beneficiaries_by_type[name] += ben["value"]


# ---------------------------------------------------------------- charts


def bar_chart(title: str, items: list[tuple[str, float]], width: int = 460, label_width: int = 190) -> str:
    """A horizontal bar chart as inline SVG: labels on the right, bars growing leftwards (right-to-left)."""
    row, top = 26, 8
    height = top + row * max(1, len(items)) + 6
    peak = max((v for _, v in items), default=0) or 1
    bar_right = width - label_width - 8
    reserve = 12 + 8 * max((len(fmt_number(v)) for _, v in items), default=1)  # room for the value left of the bar
    parts = [f'<figure class="chart"><figcaption>{esc(title)}</figcaption>'
             f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{esc(title)}" direction="ltr" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for i, (label, value) in enumerate(items):
        y = top + i * row
        length = max(2.0, (bar_right - reserve) * value / peak)
        parts.append(
            f'<g class="bar"><title>{esc(label)}: {esc(fmt_number(value))}</title>'
            f'<text class="label" x="{width - 4}" y="{y + 16}" text-anchor="end">{esc(_clip(label, 26))}</text>'
            f'<rect x="{bar_right - length:.1f}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" rx="3"></rect>'
            f'<text class="value" x="{bar_right - length - 5:.1f}" y="{y + 16}" text-anchor="end">{esc(fmt_number(value))}</text></g>')
    if not items:
        parts.append(f'<text class="label" x="{width - 4}" y="{top + 16}" text-anchor="end">—</text>')
    parts.append("</svg></figure>")
    return "".join(parts)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------- highlighted text


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    label: str  # ORG PER LOC DATE FIG
    tip: str


def marks_of(rec: dict[str, Any]) -> list[Mark]:
    """Every mention of the record's entities, dates and figures, as character spans with a tooltip."""
    names = labels()
    out: list[Mark] = []
    n = len(rec.get("text") or "")

    def add(offsets: Iterable[Iterable[int]] | None, label: str, tip: str) -> None:
        for pair in offsets or []:
            s, e = list(pair)[:2]
            if isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= n:
                out.append(Mark(s, e, label, tip))

    for e in rec.get("entities") or []:
        place = province_of(e.get("place")) if e.get("place") else None
        tip = f"{names['labels'].get(e['label'], e['label'])}: {e.get('name')}" + (f" — {place}" if place and place != e.get("name") else "")
        add(e.get("offsets"), e["label"], tip)
    for d in rec.get("dates") or []:
        span = d.get("start") if d.get("start") == d.get("end") else f"{d.get('start')} → {d.get('end')}"
        add(d.get("offsets"), "DATE", f"{names['labels']['DATE']}: {span}")
    for f in rec.get("figures") or []:
        add(f.get("offsets"), "FIG", f"{names['labels']['FIG']}: {_figure_text(f)}")
    return sorted(set(out), key=lambda m: (m.start, -m.end, LABEL_ORDER.index(m.label) if m.label in LABEL_ORDER else 9))


def _levels(marks: list[Mark]) -> dict[Mark, int]:
    """Stack overlapping marks on separate lines (interval colouring, lowest free line first)."""
    level: dict[Mark, int] = {}
    active: list[Mark] = []
    for m in marks:
        active = [a for a in active if a.end > m.start]
        used = {level[a] for a in active}
        level[m] = next(i for i in range(len(active) + 1) if i not in used)
        active.append(m)
    return level


def _word_edge(text: str, i: int) -> bool:
    return i >= len(text) or not text[i].isalnum()


def highlight(text: str, marks: list[Mark]) -> str:
    """The text as HTML, each mark drawn as an underline of its label's colour.

    The text is cut at every mark boundary; a piece covered by marks is wrapped
    in one inline span per mark, outermost first, each underline lower than the
    last, so overlapping items stay visible. Spans stay inline so Arabic letters
    keep joining across a boundary inside a word (a proclitic before a name).
    A label tag follows a mark only where it ends a word, never inside one.
    """
    if not marks:
        return esc(text)
    level = _levels(marks)
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = esc(text[a:b])
        active = sorted((m for m in marks if m.start <= a and b <= m.end), key=lambda m: level[m])
        for m in reversed(active):
            piece = (f'<span class="mk mk-{m.label}" style="--lv:{level[m]}" data-label="{m.label}" '
                     f'title="{esc(m.tip)}">{piece}</span>')
        out.append(piece)
        for m in active:
            if m.end == b and _word_edge(text, b):
                out.append(f'<span class="tag tag-{m.label}" aria-hidden="true">{esc(labels()["labels"][m.label])}</span>')
    return "".join(out)


# ---------------------------------------------------------------- articles


def _figure_text(f: dict[str, Any]) -> str:
    names = labels()
    qualifier = names["qualifiers"].get(f.get("qualifier") or "exact", "")
    category = names["categories"].get(f.get("category"), f.get("category"))
    return " ".join(x for x in (qualifier, fmt_number(f["value"]), category) if x)


def _slot_names(slots: list[dict[str, Any]] | None) -> str:
    return "، ".join(esc(s.get("name")) for s in slots or []) or "—"


def event_table(rec: dict[str, Any]) -> str:
    events = rec.get("events") or []
    if not events:
        return f'<p class="none">{esc(word("no_events"))}</p>'
    head = "".join(f"<th>{esc(word(k))}</th>" for k in ("type", "date", "place", "organizers", "partners", "beneficiaries", "figures"))
    rows = []
    for ev in events:
        start, end = ev.get("date_start"), ev.get("date_end")
        date = "—" if not start else f"<bdi>{esc(start)}</bdi>" if end in (None, start) else f"<bdi>{esc(start)}</bdi> → <bdi>{esc(end)}</bdi>"
        ben = ev.get("beneficiaries")
        rows.append(
            f'<tr class="event"><td class="type type-{esc(ev["type"])}">{esc(type_name(ev["type"]))}</td>'
            f'<td class="num">{date}</td><td>{_slot_names(ev.get("places"))}</td>'
            f'<td>{_slot_names(ev.get("organizers"))}</td><td>{_slot_names(ev.get("partners"))}</td>'
            f'<td class="num">{esc(fmt_number(ben["value"])) if ben else "—"}</td>'
            f'<td>{"، ".join(esc(_figure_text(f)) for f in ev.get("figures") or []) or "—"}</td></tr>')
    cols = "".join(f'<col style="width:{w}%">' for w in (13, 15, 13, 17, 14, 13, 15))
    return f'<table class="events"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def article_html(rec: dict[str, Any], n: int) -> str:
    """One article: heading, metadata, highlighted text, events table beside it (or the error)."""
    title = rec.get("title") or rec.get("id")
    meta = [f'<span class="id">{esc(rec.get("id"))}</span>']
    if rec.get("published"):
        meta.append(f'<span>{esc(word("published"))}: <bdi>{esc(rec["published"])}</bdi></span>')
    source = rec.get("source")
    if source:
        src = (f'<a href="{esc(source)}" rel="noreferrer noopener">{esc(source)}</a>'
               if str(source).startswith(("https://", "http://")) else f"<bdi>{esc(source)}</bdi>")
        meta.append(f'<span>{esc(word("source"))}: {src}</span>')
    if rec.get("error"):
        body = f'<p class="error"><strong>{esc(word("error"))}:</strong> <bdi>{esc(rec["error"])}</bdi></p>'
    else:
        body = (f'<div class="pair"><div class="text" lang="ar">{highlight(rec.get("text") or "", marks_of(rec))}</div>'
                f'<div class="side">{event_table(rec)}</div></div>')
    return (f'<article class="doc" id="a{n}" data-id="{esc(rec.get("id"))}"><h2>{esc(title)}</h2>'
            f'<p class="meta">{" · ".join(meta)}</p>{body}</article>')


# ---------------------------------------------------------------- page

CSS = """
:root{--ORG:#2f6fb3;--PER:#8a4fb8;--LOC:#1f8a4c;--DATE:#d9822b;--FIG:#c23b4e;--ink:#1d2330;--mute:#5b6475;--line:#e3e6ec}
*{box-sizing:border-box}
body{margin:0;font-family:"Noto Naskh Arabic","Noto Sans Arabic","Amiri","Arial",sans-serif;color:var(--ink);background:#f6f7f9;line-height:1.6}
header.top{background:#1d2330;color:#fff;padding:18px 28px}
header.top h1{margin:0;font-size:1.6rem}
header.top p{margin:4px 0 0;color:#c9cfda;font-size:.9rem}
main{padding:18px 28px;max-width:1400px;margin:0 auto}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 18px;min-width:150px}
.card strong{display:block;font-size:1.7rem;font-variant-numeric:tabular-nums}
.card span{color:var(--mute);font-size:.9rem}
.charts{display:flex;flex-wrap:wrap;gap:16px;margin-bottom:18px}
figure.chart{background:#fff;border:1px solid var(--line);border-radius:8px;margin:0;padding:8px 10px}
figure.chart figcaption{font-weight:bold;margin-bottom:4px}
svg rect{fill:#3a6ea5}
svg text{font-size:13px;fill:var(--ink);font-family:inherit}
svg text.value{fill:var(--mute);font-variant-numeric:tabular-nums}
.legend{display:flex;gap:14px;flex-wrap:wrap;margin:6px 0 14px;font-size:.9rem}
.legend span{border-bottom:3px solid;padding-bottom:1px}
details.index{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px;margin-bottom:14px}
details.index summary{cursor:pointer;font-weight:bold}
nav.index{font-size:.9rem;columns:3 260px;margin-top:6px}
nav.index a{color:var(--ink);text-decoration:none;display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
nav.index a small{color:var(--mute)}
article.doc{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 18px;margin-bottom:16px}
article.doc h2{font-size:1.2rem;margin:0 0 2px}
p.meta{color:var(--mute);font-size:.85rem;margin:0 0 8px;overflow-wrap:anywhere}
p.meta .id{font-family:monospace;direction:ltr;unicode-bidi:isolate}
.pair{display:grid;grid-template-columns:minmax(0,11fr) minmax(0,9fr);gap:18px;align-items:start}
@media (max-width:900px){.pair{grid-template-columns:minmax(0,1fr)}}
.text{white-space:pre-wrap;line-height:2.5;font-size:1.05rem;overflow-wrap:anywhere}
.mk{padding-bottom:calc(var(--lv) * 5px + 1px);border-bottom:3px solid;background:transparent}
.mk-ORG{border-color:var(--ORG)}.mk-PER{border-color:var(--PER)}.mk-LOC{border-color:var(--LOC)}.mk-DATE{border-color:var(--DATE)}.mk-FIG{border-color:var(--FIG)}
.mk:hover{background:#fff3c4}
.tag{font-size:.62rem;font-weight:bold;color:#fff;border-radius:3px;padding:0 3px;margin-inline-start:2px;vertical-align:super;line-height:1}
.tag-ORG{background:var(--ORG)}.tag-PER{background:var(--PER)}.tag-LOC{background:var(--LOC)}.tag-DATE{background:var(--DATE)}.tag-FIG{background:var(--FIG)}
table.events{border-collapse:collapse;width:100%;font-size:.85rem;table-layout:fixed}
table.events th,table.events td{border:1px solid var(--line);padding:4px 5px;text-align:start;vertical-align:top;overflow-wrap:anywhere}
table.events th{background:#eef1f5;font-size:.8rem}
td.num{font-variant-numeric:tabular-nums}
td.num bdi{white-space:nowrap}
td.type{font-weight:bold}
p.none{color:var(--mute)}
p.error{background:#fdecee;border:1px solid #f2b8c0;border-radius:6px;padding:8px 12px;overflow-wrap:anywhere}
p.note{color:var(--mute)}
"""


def _legend() -> str:
    names = labels()["labels"]
    return '<div class="legend">' + "".join(
        f'<span style="border-color:var(--{k})">{esc(names[k])} <small>{k}</small></span>' for k in LABEL_ORDER) + "</div>"


def _top(counter: Counter, n: int) -> list[tuple[str, float]]:
    return counter.most_common(n)


def render_page(totals: Totals, articles: list[str], index: list[tuple[int, str, int]], title: str,
                source_name: str) -> str:
    cards = [(totals.articles, word("articles")), (totals.with_events, word("with_events")),
             (totals.events, word("events")), (totals.beneficiaries, word("beneficiaries")),
             (totals.failed, word("failed"))]
    card_html = "".join(f'<div class="card"><strong>{esc(fmt_number(v))}</strong><span>{esc(k)}</span></div>' for v, k in cards)
    months = sorted(totals.by_month.items(), key=lambda kv: (kv[0] == word("no_date"), kv[0]))
    charts = "".join([
        bar_chart(word("by_type"), _top(totals.by_type, 10)),
        bar_chart(word("by_month"), months[-24:] if len(months) > 24 else months),
        bar_chart(word("by_place"), _top(totals.by_place, 15)),
        bar_chart(word("beneficiaries_by_type"), _top(totals.beneficiaries_by_type, 10)),
    ])
    note = ""
    if len(articles) < totals.articles:
        note = f'<p class="note">{esc(word("shown").format(shown=len(articles), total=totals.articles))}</p>'
    nav = "".join(f'<a href="#a{n}">{esc(name)} <small>({events})</small></a>' for n, name, events in index)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<header class="top"><h1>{esc(title)}</h1><p>{esc(word("generated_from"))} <bdi>{esc(source_name)}</bdi> · '
        f"civic_extract {esc(__version__)} · <bdi>{esc(when)}</bdi></p></header><main>"
        f'<section class="cards">{card_html}</section><section class="charts">{charts}</section>'
        f'{note}<details class="index"><summary>{esc(word("index"))} ({len(index)})</summary>'
        f'<nav class="index">{nav}</nav></details>{_legend()}'
        f'<section class="articles">{"".join(articles)}</section></main></body></html>\n'
    )


def build_report(records: Iterable[dict[str, Any]], max_articles: int = 500, title: str | None = None,
                 source_name: str = "") -> tuple[str, Totals]:
    """The page for ``records`` (dicts in the JSONL shape) and its totals; reads records one at a time."""
    totals = Totals()
    articles: list[str] = []
    index: list[tuple[int, str, int]] = []
    for n, rec in enumerate(records, start=1):
        totals.add(rec)
        if len(articles) < max_articles:
            articles.append(article_html(rec, n))
            index.append((n, rec.get("title") or rec.get("id") or str(n), len(rec.get("events") or [])))
    return render_page(totals, articles, index, title or word("report"), source_name), totals


def write_report(pred: str | Path, out: str | Path, max_articles: int = 500, title: str | None = None) -> Totals:
    """Read the JSONL ``pred`` and write the HTML report to ``out``; returns the totals."""
    from .output import read_jsonl

    page, totals = build_report(read_jsonl(pred), max_articles=max_articles, title=title, source_name=Path(pred).name)
    Path(out).write_text(page, encoding="utf-8")
    return totals
