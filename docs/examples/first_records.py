# %% [markdown]
# A researcher's first session with civic_extract: run the pipeline on two short
# articles, look at the spaCy `Doc`, read the records, and put them in DataFrames.
# The articles are written for this example (invented organisations, people and
# numbers; real places).

# %%
import civic_extract

ARTICLES = [
    {"id": "ex-1", "published": "2024-10-21",
     "text": "نظمت جمعية الأمل للتنمية والتضامن يوم السبت 19 أكتوبر 2024 قافلة طبية متعددة التخصصات "
             "بجماعة إمليل بإقليم الحوز، استفاد منها أزيد من 500 مواطن، بمشاركة 18 طبيبا."},
    {"id": "ex-2",
     "text": "نظم مركز تحاقن الدم بمدينة بنزرت حملة للتبرع بالدم يوم 5 مارس 2024 بالتعاون مع نادي الروتاري، "
             "وجمعت الحملة 130 كيسا من الدم."},
]

# %% [markdown]
# ## The pipeline is a spaCy pipeline
# `civic_extract.load()` returns a `Language`: the stages are components, and the
# results sit in `doc._` attributes and `doc.spans` groups.

# %%
nlp = civic_extract.load()
print(nlp.pipe_names)
doc = nlp(ARTICLES[0]["text"])
for ent in doc._.entities:
    print(ent.label, ent.name, ent.offsets)
print([(d.text, d.start) for d in doc._.dates])
print([(s.text, s.label_) for s in doc.spans["civic_entities"]])
assert any(e.label == "ORG" for e in doc._.entities)

# %% [markdown]
# ## Records
# `extract_many` splits each input (a raw page is cleaned first), runs the
# pipeline and yields one `Record` per input, in order. Every value keeps the
# character offsets of the words it came from, so it can be checked in the text.

# %%
records = list(civic_extract.extract_many(ARTICLES))
for rec in records:
    for event in rec.events:
        print(rec.id, event.type, event.date_start, [p.name for p in event.places],
              [o.name for o in event.organizers], event.beneficiaries and event.beneficiaries.value)
    for fig in rec.figures:
        start, end = fig.offsets[0]
        assert rec.text[start:end] == fig.text
assert [r.id for r in records] == ["ex-1", "ex-2"]
assert records[0].events[0].type == "medical_caravan"
assert records[1].events[0].type == "blood_drive"

# %% [markdown]
# A record is plain data: `to_dict()` gives the JSON line that `civic-extract extract`
# writes, and `Record.from_dict` reads it back.

# %%
import json

from civic_extract.schema import Record

line = records[0].to_json()
assert Record.from_dict(json.loads(line)) == records[0]
print(line[:200])

# %% [markdown]
# ## DataFrames
# With pandas installed (`pip install "civic_extract[pandas]"`), `to_frames` gives one
# table per kind of item, joined on the article `id`.

# %%
try:
    frames = civic_extract.to_frames(records)
except ImportError as exc:  # pandas is an optional extra
    print(exc)
else:
    print(frames["events"][["id", "type", "date_start", "places", "beneficiaries"]])
    print(frames["figures"].groupby("category", observed=True)["value"].sum())
    assert len(frames["events"]) == sum(len(r.events) for r in records)
