import json
import subprocess
import sys

import jsonschema
import pytest

from civic_extract.cli import build_parser, exit_code, main
from civic_extract.schema import json_schema

ARTICLE = "نظمت جمعية الأمل قافلة طبية بمدينة تزنيت يوم 12 ماي 2024 استفاد منها 300 مستفيد."


@pytest.mark.parametrize("failed,total,code", [(0, 5, 0), (1, 5, 1), (5, 5, 126), (1, 1, 1), (0, 0, 0)])
def test_exit_code_rule(failed, total, code):
    assert exit_code(failed, total) == code


def test_parse_args_extract():
    args = build_parser().parse_args(["extract", "a.txt", "dir", "-o", "out.jsonl", "--quiet"])
    assert args.inputs == ["a.txt", "dir"] and args.output == "out.jsonl" and args.quiet


def test_usage_error_exits_2(capsys):
    assert main(["extract"]) == 2
    assert main(["nonsense"]) == 2


def _read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_extract_writes_one_valid_record_per_input(tmp_path, examples):
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "' + ARTICLE + '"}\n{broken\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(["extract", str(good), str(bad), str(tmp_path / "nope.txt"), str(examples / "caravan_page.txt"), "-o", str(out), "-q"])
    recs = _read(out)
    assert code == 1
    assert [r["id"] for r in recs] == ["good", "x", f"{bad}:2", str(tmp_path / "nope.txt"), "caravan_page"]
    assert [r["error"] is None for r in recs] == [True, True, False, False, True]
    assert f"{bad}:2" in recs[2]["error"]
    schema = json_schema()
    for r in recs:
        jsonschema.validate(r, schema)
        assert list(r) == list(schema["required"])
    page = recs[-1]
    assert page["title"].startswith("أزيد من 1200 مستفيد")
    assert page["published"] == "2025-11-14"


def test_all_ok_exits_0_and_stdout(tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    assert main(["extract", str(good), "-q"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["id"] == "good" and rec["text"] == ARTICLE


def test_console_script_reads_stdin(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "civic_extract.cli", "extract", "-", "-q"],
        input=ARTICLE.encode("utf-8"), capture_output=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    rec = json.loads(proc.stdout.decode("utf-8"))
    assert rec["id"] == "stdin" and rec["source"] == "<stdin>"


def test_progress_and_summary_on_stderr(tmp_path):
    for i in range(3):
        (tmp_path / f"a{i}.txt").write_text(ARTICLE, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "civic_extract.cli", "extract", str(tmp_path), "-o", str(tmp_path / "o.jsonl")],
        capture_output=True, timeout=120,
    )
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 0
    assert "3 articles" in err and "0 failed" in err
    assert len(_read(tmp_path / "o.jsonl")) == 3


def test_evaluate_command(tmp_path, capsys):
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "a.json").write_text(json.dumps({
        "id": "a", "published": None, "text": ARTICLE,
        "entities": {"ORG": [{"name": "جمعية الأمل"}], "PER": [], "LOC": [{"name": "تزنيت"}]},
        "dates": [{"text": "12 ماي 2024", "start": "2024-05-12", "end": "2024-05-12"}],
        "figures": [{"text": "300 مستفيد", "value": 300, "category": "beneficiaries", "qualifier": "exact"}],
        "events": [],
    }, ensure_ascii=False), encoding="utf-8")
    pred = tmp_path / "p.jsonl"
    pred.write_text(json.dumps({"id": "a", "entities": [{"label": "LOC", "name": "تزنيت"}],
                                "dates": [{"start": "2024-05-12", "end": "2024-05-12"}]}) + "\n", encoding="utf-8")
    assert main(["evaluate", str(gold), str(pred)]) == 0
    out = capsys.readouterr().out
    assert "LOC/strict" in out and "overall_f1" in out
    assert main(["evaluate", str(gold), str(tmp_path / "none.jsonl")]) == 2
