"""Evaluation against gold files written per the annotation guidelines.

:func:`evaluate` is a pure function returning a dict (as ``spacy evaluate``
does); the CLI only prints it. Its measures and matching rules are those of
``shared/eval/GUIDELINES.md`` and give the same numbers as the reference scorer
``shared/eval/score.py`` on the same prediction file (a test checks this):

- entities: per label, strict (normalised names equal to the name or an
  ``alt``) and lenient (word containment or Jaccard >= 0.5); names in
  ``optional`` are neither rewarded nor penalised;
- dates: ``(start, end)`` pairs, optional gold dates ignored;
- figures: ``(value, category)`` with ``category_alt``; qualifier accuracy on
  the matched ones;
- events: matched by type and then date or place; slot accuracy on matches.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

LABELS = ("ORG", "PER", "LOC")
SLOTS = ("date", "places", "organizers", "beneficiaries")
_DIAC = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_PUNCT = re.compile(r"[\"'«»“”‘’()\[\]{}.,،؛;:!؟?\-–—_/\\|*]+")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def name_key(value: Any) -> str:
    """The guidelines' name comparison key: NFKC, no diacritics, folded letters, no punctuation."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("text") or ""
    s = unicodedata.normalize("NFKC", str(value))
    s = _DIAC.sub("", s).translate(_FOLD)
    s = _PUNCT.sub(" ", s)
    return " ".join(s.lower().split())


def loose_match(a: str, b: str) -> bool:
    """Lenient name match: word Jaccard >= 0.5, or one contains the other as whole words."""
    if not a or not b:
        return False
    sa, sb = set(a.split()), set(b.split())
    if len(sa & sb) / len(sa | sb) >= 0.5:
        return True
    pa, pb = f" {a} ", f" {b} "
    return pa in pb or pb in pa


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn

    def row(self) -> dict[str, float | int]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


def match_names(gold: list[set[str]], pred: list[str], optional: list[str], lenient: bool) -> tuple[int, int, int, list[str]]:
    """Greedy one-to-one matching of predicted names to gold entities (each a set of acceptable keys)."""
    pred = list(dict.fromkeys(p for p in pred if p))
    same: Callable[[str, str], bool] = loose_match if lenient else (lambda a, b: a == b)
    pred = [p for p in pred if not any(same(p, o) for o in optional) or any(same(p, g) for alts in gold for g in alts)]
    used: set[int] = set()
    for alts in gold:
        for i, p in enumerate(pred):
            if i not in used and any(same(p, g) for g in alts):
                used.add(i)
                break
    tp = len(used)
    return tp, len(pred) - tp, len(gold) - tp, [p for i, p in enumerate(pred) if i not in used]


def _names_overlap(gold_names: Iterable[Any], pred_names: Iterable[Any]) -> bool:
    g = [name_key(x) for x in gold_names]
    p = [name_key(x) for x in pred_names]
    return any(loose_match(a, b) for a in g for b in p)


def _beneficiaries(v: Any) -> Any:
    return v.get("value") if isinstance(v, dict) else v


def load_gold(gold_dir: str | Path, ids: Iterable[str] | None = None) -> dict[str, dict]:
    """Gold files of a folder (``<id>.json``), optionally restricted to ``ids``."""
    wanted = set(ids) if ids is not None else None
    golds = {}
    for f in sorted(Path(gold_dir).glob("*.json")):
        g = json.loads(f.read_text(encoding="utf-8"))
        if wanted is None or g["id"] in wanted:
            golds[g["id"]] = g
    return golds


def load_predictions(pred_path: str | Path) -> dict[str, dict]:
    preds = {}
    with open(pred_path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                preds[str(r.get("id"))] = r
    return preds


class _Scores:
    """Accumulates every measure over articles."""

    def __init__(self) -> None:
        self.ent = {(lab, m): Counts() for lab in LABELS for m in ("strict", "lenient")}
        self.dates, self.dates_start = Counts(), Counts()
        self.figs, self.figs_value, self.events = Counts(), Counts(), Counts()
        self.slots = {k: [0, 0] for k in SLOTS}
        self.qual = [0, 0]

    def entities(self, g: dict, p: dict, art: dict) -> None:
        optional = [name_key(o) for o in g["entities"].get("optional", [])]
        for label in LABELS:
            gold = [{name_key(e["name"])} | {name_key(a) for a in e.get("alt", [])} for e in g["entities"].get(label, [])]
            pred = [name_key(e.get("name") or e.get("text")) for e in p.get("entities", []) if e.get("label") == label]
            for mode in ("strict", "lenient"):
                tp, fp, fn, extra = match_names(gold, pred, optional, mode == "lenient")
                self.ent[(label, mode)].add(tp, fp, fn)
                if mode == "strict":
                    art[label] = {"tp": tp, "fp": fp, "fn": fn, "unmatched_pred": extra}

    def dates_(self, g: dict, p: dict, art: dict) -> None:
        gd = {(d["start"], d.get("end") or d["start"]) for d in g.get("dates", []) if not d.get("optional")}
        od = {(d["start"], d.get("end") or d["start"]) for d in g.get("dates", []) if d.get("optional")}
        pd_ = {(d.get("start"), d.get("end") or d.get("start")) for d in p.get("dates", []) if d.get("start")}
        pd_ -= od - gd
        self.dates.add(len(gd & pd_), len(pd_ - gd), len(gd - pd_))
        gs = {s for s, _ in gd}
        ps = {s for s, _ in pd_} - ({s for s, _ in od} - gs)
        self.dates_start.add(len(gs & ps), len(ps - gs), len(gs - ps))
        art["dates"] = {"missed": sorted(gd - pd_), "extra": sorted(pd_ - gd)}

    def figures(self, g: dict, p: dict, art: dict) -> None:
        gf = [({f["value"]}, {f["category"], *f.get("category_alt", [])}, f.get("qualifier", "exact")) for f in g.get("figures", [])]
        pf = list(dict.fromkeys((f.get("value"), f.get("category"), f.get("qualifier", "exact")) for f in p.get("figures", [])))
        used: set[int] = set()
        for vals, cats, q in gf:
            for i, (v, c, pq) in enumerate(pf):
                if i not in used and v in vals and c in cats:
                    used.add(i)
                    self.qual[0] += pq == q
                    self.qual[1] += 1
                    break
        self.figs.add(len(used), len(pf) - len(used), len(gf) - len(used))
        art["figures"] = {
            "missed": [(sorted(v)[0], sorted(c)) for v, c, _ in gf if not any(sorted(v)[0] == x[0] and x[1] in c for x in pf)],
            "extra": [pf[i][:2] for i in range(len(pf)) if i not in used],
        }
        gvs = list(dict.fromkeys(f["value"] for f in g.get("figures", [])))
        pv = list(dict.fromkeys(f.get("value") for f in p.get("figures", [])))
        tpv = len(set(gvs) & set(pv))
        self.figs_value.add(tpv, len(pv) - tpv, len(gvs) - tpv)

    def events_(self, g: dict, p: dict, art: dict) -> None:
        ge, pe = g.get("events", []), p.get("events", [])
        used: set[int] = set()
        for e in ge:
            best = _best_event(e, ge, pe, used)
            if best is None:
                continue
            used.add(best)
            self._slots(e, pe[best])
        self.events.add(len(used), len(pe) - len(used), len(ge) - len(used))
        art["events"] = {"gold": len(ge), "pred": len(pe), "matched": len(used)}

    def _slots(self, e: dict, q: dict) -> None:
        got = (q.get("date_start"), q.get("date_end") or q.get("date_start"))
        self.slots["date"][0] += got == (e.get("date_start"), e.get("date_end") or e.get("date_start"))
        self.slots["date"][1] += 1
        for slot in ("places", "organizers"):
            if e.get(slot):
                self.slots[slot][0] += _names_overlap(e[slot], q.get(slot) or [])
                self.slots[slot][1] += 1
        self.slots["beneficiaries"][0] += _beneficiaries(q.get("beneficiaries")) == e.get("beneficiaries")
        self.slots["beneficiaries"][1] += 1


def _best_event(e: dict, ge: list[dict], pe: list[dict], used: set[int]) -> int | None:
    """The unused predicted event of the same type that best shares date (2) and place (1)."""
    best, best_s = None, -1
    only_gold = sum(x["type"] == e["type"] for x in ge) == 1
    only_pred = sum(x.get("type") == e["type"] for x in pe) == 1
    for i, q in enumerate(pe):
        if i in used or q.get("type") != e["type"]:
            continue
        same_date = e.get("date_start") is not None and q.get("date_start") == e.get("date_start")
        same_place = bool(e.get("places")) and _names_overlap(e["places"], q.get("places") or [])
        if not (same_date or same_place or (only_gold and only_pred)):
            continue
        s = 2 * same_date + same_place
        if s > best_s:
            best, best_s = i, s
    return best


def evaluate(gold_dir: str | Path, pred_path: str | Path, details: bool = False, ids: Iterable[str] | None = None) -> dict[str, Any]:
    """Score a prediction JSONL against the gold folder; returns the report dict."""
    golds = load_gold(gold_dir, ids)
    preds = load_predictions(pred_path)
    sc = _Scores()
    per_article = {}
    for gid, g in golds.items():
        p = preds.get(gid, {})
        art: dict[str, Any] = {}
        sc.entities(g, p, art)
        sc.dates_(g, p, art)
        sc.figures(g, p, art)
        sc.events_(g, p, art)
        per_article[gid] = art
    report: dict[str, Any] = {
        "articles": len(golds),
        "missing_predictions": [i for i in golds if i not in preds],
        "entities": {f"{lab}/{m}": sc.ent[(lab, m)].row() for lab in LABELS for m in ("strict", "lenient")},
        "dates": sc.dates.row(),
        "dates_start_only": sc.dates_start.row(),
        "figures": sc.figs.row(),
        "figures_value_only": sc.figs_value.row(),
        "figure_qualifier_accuracy": round(sc.qual[0] / sc.qual[1], 4) if sc.qual[1] else None,
        "events": sc.events.row(),
        "event_slot_accuracy": {k: (round(a / b, 4) if b else None) for k, (a, b) in sc.slots.items()},
    }
    parts = [report["entities"][f"{lab}/strict"]["f1"] for lab in LABELS]
    parts += [report["dates"]["f1"], report["figures"]["f1"], report["events"]["f1"]]
    report["overall_f1"] = round(sum(parts) / len(parts), 4)
    if details:
        report["per_article"] = per_article
    return report


def format_report(report: dict[str, Any], details: bool = False) -> str:
    """The printed table (same layout as the reference scorer)."""
    out = [f"articles: {report['articles']}  missing predictions: {len(report['missing_predictions'])}",
           f"{'measure':28s} {'P':>6s} {'R':>6s} {'F1':>6s}"]
    rows = list(report["entities"].items()) + [
        ("DATE", report["dates"]), ("DATE start only", report["dates_start_only"]),
        ("FIGURE value+category", report["figures"]), ("FIGURE value only", report["figures_value_only"]),
        ("EVENT", report["events"])]
    out += [f"{k:28s} {v['p']:6.3f} {v['r']:6.3f} {v['f1']:6.3f}" for k, v in rows]
    out.append(f"figure qualifier accuracy: {report['figure_qualifier_accuracy']}")
    out.append(f"event slot accuracy: {json.dumps(report['event_slot_accuracy'])}")
    if details:
        out += [f"{gid} {json.dumps(art, ensure_ascii=False)}" for gid, art in report.get("per_article", {}).items()]
    out.append(f"overall_f1 {report['overall_f1']:.4f}")
    return "\n".join(out)


_ISO_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_PROCLITIC = re.compile(r"(?<!\S)[وفبلك]{1,2}(?=\S)")
_LIL = re.compile(r"(?<!\S)[وف]?لل(?=\S)")


def _occurs(name: str, text_key: str, text_loose: str) -> bool:
    """A name occurs in the text, also when the text glues a proclitic to it (للهلال = ل + الهلال)."""
    n = name_key(name)
    if not n:
        return False
    return (f" {n} " in f" {text_key} " or f" {n} " in f" {text_loose} " or n in text_key
            or _LIL.sub("ال", n) in _LIL.sub("ال", text_key))


def check_gold(g: dict[str, Any]) -> list[str]:
    """Problems of one gold record per GUIDELINES.md: structure, vocabularies, ISO dates,
    every name, date and figure text present in the text, event slots among the entities."""
    from .schema import CATEGORIES, EVENT_TYPES, QUALIFIERS

    missing = [k for k in ("id", "text", "entities", "dates", "figures", "events") if k not in g]
    if missing:
        return [f"missing key {k!r}" for k in missing]
    errs: list[str] = []
    pub = g.get("published")
    if pub is not None and not re.match(r"^\d{4}-\d{2}-\d{2}$", str(pub)):
        errs.append(f"published {pub!r} is not YYYY-MM-DD")
    tk = name_key(g["text"])
    tl = _PROCLITIC.sub("", tk)
    ents = g["entities"]
    names: dict[str, set[str]] = {lab: set() for lab in LABELS}
    for label in LABELS:
        for e in ents.get(label, []):
            if not isinstance(e, dict) or "name" not in e:
                errs.append(f"{label} entry without name: {e!r}")
                continue
            for n in [e["name"], *e.get("alt", [])]:
                names[label].add(name_key(n))
                words = label == "PER" and all(_occurs(w, tk, tl) for w in name_key(n).split())
                if not (_occurs(n, tk, tl) or words):
                    errs.append(f"{label} {n!r} does not occur in the text")
    for d in g["dates"]:
        for k in ("start", "end"):
            if d.get(k) is not None and not _ISO_RE.match(str(d[k])):
                errs.append(f"date {k} {d[k]!r} is not ISO")
        if not d.get("text") or not _occurs(d["text"], tk, tl):
            errs.append(f"date text {d.get('text')!r} does not occur in the text")
    for f in g["figures"]:
        if not isinstance(f.get("value"), (int, float)):
            errs.append(f"figure value {f.get('value')!r} is not a number")
        if f.get("category") not in CATEGORIES:
            errs.append(f"figure category {f.get('category')!r} unknown")
        if f.get("qualifier", "exact") not in QUALIFIERS:
            errs.append(f"figure qualifier {f.get('qualifier')!r} unknown")
        if f.get("category") == "money" and not f.get("currency"):
            errs.append(f"money figure {f.get('text')!r} without currency")
        if not f.get("text") or not _occurs(f["text"], tk, tl):
            errs.append(f"figure text {f.get('text')!r} does not occur in the text")
    for i, e in enumerate(g["events"]):
        if e.get("type") not in EVENT_TYPES:
            errs.append(f"event {i} type {e.get('type')!r} unknown")
        for k in ("date_start", "date_end"):
            if e.get(k) is not None and not _ISO_RE.match(str(e[k])):
                errs.append(f"event {i} {k} {e[k]!r} is not ISO")
        for slot, label in (("places", "LOC"), ("organizers", "ORG"), ("partners", "ORG")):
            for n in e.get(slot) or []:
                if name_key(n) not in names[label]:
                    errs.append(f"event {i} {slot} {n!r} is not among the {label} entities")
        b = e.get("beneficiaries")
        if b is not None and not isinstance(b, (int, float)):
            errs.append(f"event {i} beneficiaries {b!r} is not a number or null")
    return errs
