"""The HTML report: highlighting, escaping, totals, charts, and what headless Chromium renders."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from civic_extract.cli import main
from civic_extract.report import Mark, _levels, bar_chart, build_report, highlight, marks_of, province_of, type_name

from test_output_formats import TEXT, sample_records

EVIL = '<script>document.title="pwned"</script><img src=x onerror="alert(1)"> قافلة "طبية" & حملة'


def evil_record() -> dict:
    text = f"{EVIL}\nنظمت جمعية <b>الغد</b> حملة للتبرع بالدم."
    start = text.index("جمعية")
    end = text.index("</b>") + 4
    return {"id": "x<1>", "source": "javascript:alert(1)", "title": "<i>عنوان</i>", "byline": None,
            "published": None, "text": text,
            "entities": [{"label": "ORG", "name": "جمعية <b>الغد</b>", "text": "جمعية <b>الغد</b>",
                          "offsets": [[start, end]], "alt": [], "place": None, "why": "<why>"}],
            "dates": [], "figures": [], "schema_version": "1.0.0", "error": None,
            "events": [{"type": "blood_drive", "date_start": None, "date_end": None, "places": [],
                        "organizers": [{"name": "جمعية <b>الغد</b>", "offsets": [[start, end]], "why": "x"}],
                        "partners": [], "beneficiaries": None, "figures": [],
                        "trigger": {"name": "حملة", "offsets": [], "why": "x"}, "why": "<x>"}]}


def records() -> list[dict]:
    return [r.to_dict() for r in sample_records()] + [evil_record()]


class _Tags(HTMLParser):
    """Collects start tags and the text outside label tags, to check the markup and the text it carries."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if self._skip or "tag" in (dict(attrs).get("class") or "").split():
            self._skip += 1

    def handle_endtag(self, tag):
        if self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def parse(markup: str) -> _Tags:
    p = _Tags()
    p.feed(markup)
    return p


@pytest.mark.parametrize("marks", [
    [],
    [Mark(0, 5, "ORG", "a")],
    [Mark(0, 10, "ORG", "a"), Mark(3, 6, "LOC", "b")],      # nested
    [Mark(0, 6, "ORG", "a"), Mark(4, 12, "DATE", "b")],     # crossing
    [Mark(2, 4, "FIG", "a"), Mark(2, 4, "PER", "b"), Mark(1, 30, "DATE", "c")],
])
def test_highlight_keeps_the_text_and_draws_every_mark(marks):
    text = "قافلة <طبية> & حملة في 12 مارس"
    markup = highlight(text, marks)
    p = parse(markup)
    assert "".join(p.text) == text
    assert not any(tag == "script" or tag not in ("span",) for tag, _ in p.tags)
    drawn = [a for t, a in p.tags if "mk" in a.get("class", "").split()]
    for m in marks:  # every character of every mark is under a span of its label
        covered = sum(len(text[s:e]) for s, e in _pieces(text, marks) if s >= m.start and e <= m.end)
        assert covered == m.end - m.start
    assert {a["data-label"] for a in drawn} == {m.label for m in marks}


def _pieces(text, marks):
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    return list(zip(cuts, cuts[1:]))


def test_overlapping_marks_get_separate_lines():
    a, b, c = Mark(0, 6, "ORG", ""), Mark(4, 12, "DATE", ""), Mark(7, 9, "FIG", "")
    assert _levels([a, b, c]) == {a: 0, b: 1, c: 0}


def test_label_tag_only_at_a_word_end():
    text = "بأكادير والرباط"
    markup = highlight(text, [Mark(1, 7, "LOC", "x"), Mark(8, 10, "LOC", "y")])
    assert markup.count('class="tag') == 1  # أكادير ends a word; "وا" stops inside one


def test_marks_skip_offsets_outside_the_text():
    rec = {"text": "نص قصير", "entities": [{"label": "ORG", "name": "x", "offsets": [[0, 2], [5, 99], [-1, 1], [3, 3]]}]}
    assert [(m.start, m.end) for m in marks_of(rec)] == [(0, 2)]


def test_everything_from_an_article_is_escaped():
    page, _ = build_report(records())
    p = parse(page)
    assert [t for t, _ in p.tags if t in ("script", "img", "b", "i")] == []
    assert "&lt;script&gt;" in page and "&lt;b&gt;الغد&lt;/b&gt;" in page
    assert not re.search(r'href="javascript:', page)
    assert "default-src 'none'" in page


def test_page_is_self_contained_and_right_to_left():
    page, _ = build_report(records())
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ar" dir="rtl">' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_totals_cover_all_records_even_those_not_shown():
    recs = records()
    page, totals = build_report(recs, max_articles=1)
    assert (totals.articles, totals.failed, totals.with_events, totals.events) == (4, 1, 2, 3)
    assert totals.beneficiaries == 450
    assert totals.by_type == {type_name("medical_caravan"): 1, type_name("blood_drive"): 2}
    assert totals.by_month["2024-03"] == 1
    assert page.count('<article class="doc"') == 1 and "4" in page


def test_province_of_a_commune_is_its_province():
    from civic_extract.entities.gazetteer import default_gazetteer

    places = default_gazetteer().places
    commune = next(p for p in places.values() if p.level == "commune" and p.parent in places)
    assert province_of(commune.to_dict()) == places[commune.parent].name_ar
    city = {"id": "geonames:0", "name_ar": "مدينة", "level": "city", "parent": "country:EG", "country": "EG"}
    assert province_of(city) == "مدينة (مصر)"
    assert province_of(None) is None


def test_bar_chart_draws_one_bar_per_item():
    svg = bar_chart("عنوان", [("أ", 3), ("ب", 1), ("<x>", 2)])
    assert svg.count("<rect") == 3 and "&lt;x&gt;" in svg


def test_report_command(tmp_path, capsys):
    pred = tmp_path / "p.jsonl"
    pred.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records()), encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(pred), "-o", str(out)]) == 0
    assert "4 articles, 3 events" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8").count('<article class="doc"') == 4
    assert main(["report", str(tmp_path / "none.jsonl"), "-o", str(out)]) == 2


# ---------------------------------------------------------------- in a real browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]

# Run in the page after load; writes what the browser laid out into <body data-probe>.
PROBE = """<script>
addEventListener('load', () => {
  const rect = e => e.getBoundingClientRect();
  const strip = el => { const c = el.cloneNode(true); c.querySelectorAll('.tag').forEach(t => t.remove()); return c.textContent; };
  const docs = [...document.querySelectorAll('article.doc')].map(a => {
    const text = a.querySelector('.text'), table = a.querySelector('table.events');
    return {id: a.dataset.id, text: text ? strip(text) : null,
            marks: [...a.querySelectorAll('.mk')].filter(m => rect(m).width > 0).length,
            labels: [...new Set([...a.querySelectorAll('.mk')].map(m => m.dataset.label))].sort(),
            underline: text && a.querySelector('.mk') ? getComputedStyle(a.querySelector('.mk')).borderBottomWidth : null,
            tableLeftOfText: text && table ? rect(table).right <= rect(text).left + 1 : null,
            rows: table ? table.tBodies[0].rows.length : 0,
            error: a.querySelector('.error') ? a.querySelector('.error').textContent : null};
  });
  document.body.dataset.probe = JSON.stringify({
    dir: getComputedStyle(document.body).direction, title: document.title,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    scripts: document.scripts.length, images: document.images.length,
    bars: [...document.querySelectorAll('svg rect')].map(r => rect(r).width),
    cards: [...document.querySelectorAll('.card strong')].map(b => b.textContent), docs});
});
</script>"""


def chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    if not CHROMIUM:
        pytest.skip("chromium is not installed (apt-get install chromium) so the page cannot be rendered")
    tmp = tmp_path_factory.mktemp("report")
    page, _ = build_report(records(), title="تقرير تجريبي")
    (tmp / "report.html").write_text(page, encoding="utf-8")
    # The page forbids scripts (CSP); the probed copy allows only the probe, which the test adds.
    probed = page.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
    probed = probed.replace("</body>", PROBE + "</body>")
    (tmp / "probed.html").write_text(probed, encoding="utf-8")
    dom = chromium(["--window-size=1280,1600", "--dump-dom", (tmp / "probed.html").as_uri()], tmp)
    match = re.search(r'data-probe="([^"]*)"', dom.stdout.decode("utf-8"))
    assert match, dom.stderr.decode("utf-8", "replace")[-2000:]
    import html

    return json.loads(html.unescape(match.group(1))), tmp


def test_chromium_lays_out_the_page_right_to_left_without_overflow(rendered):
    probe, _ = rendered
    assert probe["dir"] == "rtl" and probe["title"] == "تقرير تجريبي"
    assert probe["overflow"] <= 0
    assert probe["cards"][:3] == ["4", "2", "3"]
    assert probe["bars"] and all(w > 0 for w in probe["bars"])


def test_chromium_shows_each_article_text_highlights_and_events(rendered):
    probe, _ = rendered
    docs = {d["id"]: d for d in probe["docs"]}
    full = docs["art/1"]
    assert full["text"] == TEXT
    assert full["labels"] == ["DATE", "FIG", "LOC", "ORG"]
    assert full["marks"] >= 7 and full["underline"] == "3px"
    assert full["tableLeftOfText"] is True and full["rows"] == 2
    assert docs["feed.jsonl:3"]["error"].endswith("not valid JSON (Expecting value at column 1)")


def test_chromium_runs_nothing_from_an_article(rendered):
    probe, _ = rendered
    evil = next(d for d in probe["docs"] if d["id"] == "x<1>")
    assert evil["text"].startswith(EVIL)
    assert probe["scripts"] == 1 and probe["images"] == 0  # only the probe; no <img> from the article


def test_chromium_screenshot(rendered):
    _, tmp = rendered
    shot = tmp / "shot.png"
    chromium(["--window-size=1280,1000", f"--screenshot={shot}", (tmp / "report.html").as_uri()], tmp)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert int.from_bytes(data[16:20], "big") == 1280
