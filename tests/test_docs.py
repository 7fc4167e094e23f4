"""The documentation: generated reference pages follow the code, the example runs, the site builds strictly."""

from __future__ import annotations

import argparse
import importlib.util
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from civic_extract.cli import build_parser
from civic_extract.schema import json_schema

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _gen():
    spec = importlib.util.spec_from_file_location("gen_reference", DOCS / "gen_reference.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return _gen().pages()


def test_schema_page_lists_every_field_and_definition(pages):
    page = pages["reference/schema.md"]
    schema = json_schema()
    assert f"**{schema['version']}**" in page
    for name in schema["properties"]:
        assert f"| `{name}` |" in page, name
    for name, spec in schema["$defs"].items():
        assert f"## {name}" in page, name
        for field in spec.get("properties", {}):
            assert f"| `{field}` |" in page, f"{name}.{field}"
    for category in schema["$defs"]["figure"]["properties"]["category"]["enum"]:
        assert f"`{category}`" in page


def test_cli_page_lists_every_command_and_option(pages):
    page = pages["reference/cli.md"]
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert subs
    for name, sub in subs.items():
        assert f"## civic-extract {name}" in page
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            label = action.option_strings[-1] if action.option_strings else (action.metavar or action.dest)
            assert f"`{label}`" in page, f"{name} {label}"


def test_table_cells_are_escaped():
    gen = _gen()
    assert gen._cell("a | b <stdin>") == "a \\| b &lt;stdin&gt;"


def test_example_notebook_runs(capsys):
    runpy.run_path(str(DOCS / "examples" / "first_records.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "medical_caravan" in out and "blood_drive" in out


def test_example_page_has_every_code_cell(pages):
    source = (DOCS / "examples" / "first_records.py").read_text(encoding="utf-8")
    page = pages["examples/first-records.md"]
    assert page.count("```python") == sum(1 for ln in source.splitlines() if ln.strip() == "# %%")
    assert "# %%" not in page


def test_nav_pages_exist():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    generated = set(_gen().pages())
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("- ") and line.endswith(".md"):
            page = line.split(":", 1)[1].strip()
            assert (DOCS / page).exists() or page in generated, page


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None,
                    reason='mkdocs is not installed (pip install "civic_extract[docs]")')
def test_site_builds_strictly(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(tmp_path / "site")], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    site = tmp_path / "site"
    for page in ("reference/schema", "reference/cli", "examples/first-records", "api", "getting-started", "guidelines"):
        assert (site / page / "index.html").exists(), page
    html = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "civic-extract extract" in html
