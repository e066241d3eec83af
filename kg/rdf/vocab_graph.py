"""The graphs loaded beside the letters: the ontology, the SKOS vocabularies and the ICD-10-CM concepts used."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rdflib import RDF, SKOS, Graph, Literal, URIRef

from kg.namespaces import BIOPORTAL_ICD10CM, ICD10CM, IMR, bind_prefixes
from kg.paths import ONTOLOGY_DIR, SHAPES_DIR, VOCAB_DIR
from kg.rdf.mint import icd10_iri
from kg.vocab import vocabulary
from kg.vocab.icd10 import icd10_hierarchy

_SCHEME_CLASSES = {
    "treatment": IMR.Treatment, "category": IMR.TreatmentCategory, "body-region": IMR.BodyRegion,
    "laterality": IMR.Laterality, "guideline": IMR.Guideline, "specialty": IMR.Specialty, "outcome": IMR.Outcome,
}


def ontology_graph() -> Graph:
    """The OWL ontology (ontology/imr.ttl)."""
    return bind_prefixes(Graph()).parse(ONTOLOGY_DIR / "imr.ttl")


def vocabulary_graph() -> Graph:
    """Every SKOS vocabulary, each concept also typed with its ontology class."""
    graph = bind_prefixes(Graph())
    for path in sorted(VOCAB_DIR.glob("*.ttl")):
        graph.parse(path)
    for scheme, cls in _SCHEME_CLASSES.items():
        for concept in vocabulary(scheme).concepts:
            node = URIRef(concept.iri)
            is_chapter = scheme == "guideline" and concept.broader
            graph.add((node, RDF.type, IMR.GuidelineChapter if is_chapter else cls))
    return graph


def icd10_graph(codes: Iterable[str]) -> Graph:
    """ICD-10-CM concepts for ``codes`` with their category, block and chapter as skos:broader."""
    graph = bind_prefixes(Graph())
    scheme = URIRef(str(ICD10CM))
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, SKOS.prefLabel, Literal("ICD-10-CM")))
    for code in sorted(set(codes)):
        chain = icd10_hierarchy(code)
        for i, (notation, label, kind) in enumerate(chain):
            key = f"chapter-{notation}" if kind == "chapter" else notation
            node = icd10_iri(key)
            graph.add((node, RDF.type, SKOS.Concept))
            graph.add((node, SKOS.inScheme, scheme))
            graph.add((node, SKOS.notation, Literal(notation)))
            graph.add((node, SKOS.prefLabel, Literal(label)))
            graph.add((node, IMR.icd10Level, Literal(kind)))
            if kind in ("code", "category"):
                graph.add((node, SKOS.exactMatch, BIOPORTAL_ICD10CM[notation]))
            if i + 1 < len(chain):
                parent, _, parent_kind = chain[i + 1]
                if parent == notation:
                    continue
                graph.add((node, SKOS.broader, icd10_iri(f"chapter-{parent}" if parent_kind == "chapter" else parent)))
            else:
                graph.add((node, SKOS.topConceptOf, scheme))
    return graph


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A digest of everything that decides a letter's triples: the code version, vocabularies, ontology, shapes."""
    digest = hashlib.sha256()
    try:
        digest.update(version("imr-kg").encode())
    except PackageNotFoundError:
        digest.update(b"source")
    package = Path(__file__).resolve().parent.parent
    for folder, pattern in ((VOCAB_DIR, "*"), (ONTOLOGY_DIR, "*"), (SHAPES_DIR, "*"), (package, "**/*.py")):
        for path in sorted(folder.glob(pattern)):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
