import io
import json

import pytest

from civic_extract.readers import InputError, decode, iter_inputs, read_stdin

ARTICLE = "نظمت جمعية الأمل قافلة طبية بمدينة تزنيت استفاد منها 300 مستفيد."


def test_decode_utf8_then_cp1256():
    assert decode(ARTICLE.encode("utf-8"), "a.txt") == ARTICLE
    assert decode(ARTICLE.encode("cp1256"), "a.txt") == ARTICLE
    assert decode(ARTICLE.encode("utf-16"), "a.txt") == ARTICLE


def test_binary_is_refused_with_the_file_name():
    with pytest.raises(InputError, match="x.bin: binary"):
        decode(b"\x89PNG\x00\x00\x01", "x.bin")


def test_folder_is_walked_recursively_and_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "one.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "skip.pdf").write_bytes(b"%PDF")
    items = list(iter_inputs([str(tmp_path)]))
    assert [i.id for i in items] == ["one", "b/two"]
    assert all(i.error is None for i in items)


def test_each_bad_input_gives_one_item_with_an_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02abc")
    jl = tmp_path / "in.jsonl"
    jl.write_text("\n".join([
        json.dumps({"id": "ok", "text": ARTICLE}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "nt"}),
        json.dumps({"id": "num", "text": 5}),
        json.dumps(["a"]),
    ]) + "\n", encoding="utf-8")
    items = list(iter_inputs([str(empty), str(binary), str(jl), str(tmp_path / "missing.txt")]))
    assert len(items) == 8
    errors = [i.error for i in items]
    assert errors[0].endswith("empty.txt: empty file")
    assert "binary" in errors[1]
    assert errors[2] is None
    assert f"{jl}:2: not valid JSON" in errors[3]
    assert errors[4] == f"{jl}:3: missing 'text'"
    assert "'text' must be a string" in errors[5]
    assert "expected a JSON object" in errors[6]
    assert "no such file" in errors[7]


def test_stdin_plain_text_and_jsonl():
    one = list(read_stdin(io.BytesIO(ARTICLE.encode("utf-8"))))
    assert len(one) == 1 and one[0].text == ARTICLE
    lines = "\n".join(json.dumps({"id": str(i), "text": ARTICLE}, ensure_ascii=False) for i in range(3))
    many = list(read_stdin(io.BytesIO(lines.encode("utf-8"))))
    assert [m.id for m in many] == ["0", "1", "2"]
