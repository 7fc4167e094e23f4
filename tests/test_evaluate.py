"""evaluate() follows the guidelines and equals the reference scorer on the same file."""

import importlib.util
import json

from civic_extract.evaluate import evaluate, loose_match, match_names, name_key


def test_name_key_folds_like_the_guidelines():
    assert name_key("«جمعية الأمل»") == name_key("جمعيه الامل")
    assert name_key({"name": "إقليم"}) == "اقليم"


def test_loose_match():
    assert loose_match("جمعيه الامل للتنميه", "جمعيه الامل")
    assert not loose_match("جمعيه الامل", "مؤسسه النور")


def test_optional_names_neither_reward_nor_penalise():
    tp, fp, fn, _ = match_names([{"a"}], ["a", "venue"], ["venue"], lenient=False)
    assert (tp, fp, fn) == (1, 0, 0)


def _reference_scorer(shared_eval):
    spec = importlib.util.spec_from_file_location("ref_score", shared_eval / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _prediction_from_gold(shared_eval, tmp_path):
    """A prediction file with hits, misses and extras: derived from gold with damage."""
    lines = []
    for i, f in enumerate(sorted((shared_eval / "dev").glob("*.json"))):
        g = json.loads(f.read_text(encoding="utf-8"))
        ents = [{"label": lab, "name": e["name"]} for lab in ("ORG", "PER", "LOC") for e in g["entities"].get(lab, [])[::2]]
        ents.append({"label": "ORG", "name": "جمعية غير موجودة"})
        dates = [{"start": d["start"], "end": d.get("end")} for d in g["dates"][1:]] + [{"start": "1999-01-01"}]
        figs = [{"value": x["value"], "category": x["category"], "qualifier": "exact"} for x in g["figures"][::2]]
        evs = [dict(e, beneficiaries={"value": e["beneficiaries"]} if e.get("beneficiaries") else None) for e in g["events"][i % 2:]]
        if i % 3 == 0:
            continue  # a missing prediction
        lines.append(json.dumps({"id": g["id"], "entities": ents, "dates": dates, "figures": figs, "events": evs}, ensure_ascii=False))
    path = tmp_path / "pred.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_equals_reference_scorer(shared_eval, tmp_path):
    pred = _prediction_from_gold(shared_eval, tmp_path)
    ref = _reference_scorer(shared_eval).score(str(shared_eval / "dev"), str(pred), details=True)
    ours = evaluate(shared_eval / "dev", pred, details=True)
    assert ours == ref


def test_split_restricts_articles(shared_eval, tmp_path):
    pred = _prediction_from_gold(shared_eval, tmp_path)
    rep = evaluate(shared_eval / "dev", pred, ids=["seed-002", "dev-007"])
    assert rep["articles"] == 2
