"""Entities: organisations, people and places, with places resolved against a gazetteer.

    from civic_extract.entities import find_entities
    find_entities("نظمت جمعية النخيل للتنمية بمدينة تازة ...")  # list[schema.Entity]

Three stages, each a pure function plus a spaCy component: the rule ruler
(:mod:`.ruler`, ``civic_entity_ruler``), the gazetteer linker
(:mod:`.gazetteer`, ``civic_place_linker``) and the merge (:mod:`.merge`,
``civic_entities``), which also accepts a statistical NER's ``doc.ents``.
"""

from .gazetteer import Gazetteer, Place, PlaceLinker
from .merge import Reference, find_entities, find_entities_and_references
from .ruler import Candidate, EntityRuler, find_candidates

__all__ = [
    "Candidate", "EntityRuler", "Gazetteer", "Place", "PlaceLinker", "Reference",
    "find_candidates", "find_entities", "find_entities_and_references",
]
