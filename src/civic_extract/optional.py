"""Components that are not in the default pipeline but can be switched on by name.

``civic_extract.load(enable=["camel_ner"])`` adds such a component to the default
stages, at the place where its output is read, instead of restricting the
pipeline to it (which is what ``enable`` means for the default stages): an
extra entity source is useless alone.

Each entry names the module whose import registers the factory, so the core
never imports an optional dependency until the component is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any, Iterable

from spacy.language import Language

# component name -> (module registering its factory, stage it must run before)
OPTIONAL_STAGES: dict[str, tuple[str, str]] = {
    # The NER trained here (models/ar_civic_ner). Off by default: with it, the evaluation gate
    # measured lower PER and LOC F1 on the held-out corpus split (see models/README.md).
    "civic_ner": ("civic_extract.entities.ner", "civic_entities"),
    "camel_ner": ("civic_extract.camel", "civic_entities"),
}


def split_enable(enable: Iterable[str]) -> tuple[list[str], list[str]]:
    """``enable`` split into (default stages to keep, optional components to add)."""
    names = list(enable)
    return [n for n in names if n not in OPTIONAL_STAGES], [n for n in names if n in OPTIONAL_STAGES]


def select(names: list[str], enable: Iterable[str] | None, disable: Iterable[str] | None,
           where: str) -> tuple[list[str], list[str]]:
    """The stages of ``names`` to build and the optional components to add, per ``enable``/``disable``.

    ``enable`` keeps only the default stages it names (all of them when it names
    only optional components); ``disable`` removes stages; ``where`` names the
    pipeline in the error for an unknown stage.
    """
    wanted, extra = list(names), []
    if enable is not None:
        core, extra = split_enable(enable)
        unknown = set(core) - set(names)
        if unknown:
            raise ValueError(f"unknown stages {sorted(unknown)}; {where} has {list(names)}, optional {sorted(OPTIONAL_STAGES)}")
        if core or not extra:
            wanted = [n for n in names if n in core]
    if disable is not None:
        wanted = [n for n in wanted if n not in set(disable)]
    return wanted, extra


def add_optional(nlp: Language, names: Iterable[str], overrides: dict[str, dict[str, Any]] | None = None) -> None:
    """Add each optional component before the stage that reads it (at the end when that stage is off)."""
    overrides = overrides or {}
    for name in names:
        if name in nlp.pipe_names:
            continue
        module, before = OPTIONAL_STAGES[name]
        importlib.import_module(module)
        nlp.add_pipe(name, before=before if before in nlp.pipe_names else None, config=overrides.get(name, {}))
