"""Dates, figures and event triggers as ``doc.spans`` groups, for displaCy and span-based tools.

The stages write schema items (``doc._.dates``, ``doc._.figures``, ``doc._.events``)
because a value may have several mentions and carries more than a label; spaCy's
tools (``displacy.render(doc, style="span", options={"spans_key": ...})``, the
``SpanGroup`` API, span scorers) read ``doc.spans``. This last component mirrors
one into the other, so nothing else has to keep two copies in step:

- ``doc.spans["civic_dates"]``: one span per date mention, label ``DATE``;
- ``doc.spans["civic_figures"]``: one span per figure mention, label = its category;
- ``doc.spans["civic_events"]``: one span per event trigger, label = the event type.

Entities already have ``doc.spans["civic_entities"]`` from the entity stage.
Every span keeps the item's ``rule``/``why`` in ``span._.why``.
"""

from __future__ import annotations

from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from . import extensions

DATES_KEY = "civic_dates"
FIGURES_KEY = "civic_figures"
EVENTS_KEY = "civic_events"


def item_spans(doc: Doc, offsets: Iterable[Iterable[int]], label: str, why: str) -> list[Span]:
    """One span per ``[start, end]`` pair, widened to token bounds (offsets need not fall on tokens)."""
    out = []
    for start, end in offsets:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            span._.why = why
            out.append(span)
    return out


def _sorted(spans: list[Span]) -> list[Span]:
    return sorted(spans, key=lambda s: (s.start, s.end, s.label_))


class SpanGroups:
    """Copies the stages' items into ``doc.spans`` groups (see the module docstring)."""

    def __init__(self, nlp: Language, name: str = "civic_spans", *, dates_key: str = DATES_KEY,
                 figures_key: str = FIGURES_KEY, events_key: str = EVENTS_KEY):
        self.name, self.dates_key, self.figures_key, self.events_key = name, dates_key, figures_key, events_key

    def __call__(self, doc: Doc) -> Doc:
        dates = [s for d in doc._.dates for s in item_spans(doc, d.offsets, "DATE", d.rule)]
        figures = [s for f in doc._.figures for s in item_spans(doc, f.offsets, f.category, f.rule)]
        events = [s for e in doc._.events for s in item_spans(doc, e.trigger.offsets, e.type, e.trigger.why or e.why)]
        doc.spans[self.dates_key] = _sorted(dates)
        doc.spans[self.figures_key] = _sorted(figures)
        doc.spans[self.events_key] = _sorted(events)
        return doc


@Language.factory(
    "civic_spans",
    assigns=["doc.spans"],
    requires=[],
    default_config={"dates_key": DATES_KEY, "figures_key": FIGURES_KEY, "events_key": EVENTS_KEY},
)
def make_span_groups(nlp: Language, name: str, dates_key: str, figures_key: str, events_key: str) -> SpanGroups:
    """Run last: it reads what the date, figure and event stages wrote."""
    extensions.register()
    return SpanGroups(nlp, name, dates_key=dates_key, figures_key=figures_key, events_key=events_key)
