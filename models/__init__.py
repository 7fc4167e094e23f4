"""Trained pipeline weights shipped with civic_extract, installed as ``civic_extract.models``.

``ar_civic_ner/`` is the statistical NER (see ``README.md`` here for data, command and scores);
``config.cfg``, ``project.yml``, ``convert.py`` and ``package.py`` rebuild it.
"""
