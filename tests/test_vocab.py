"""The SKOS vocabularies in ontology/vocab and the matcher over them (kg.vocab)."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef

from kg.errors import KGError
from kg.paths import VOCAB_DIR
from kg.vocab import Concept, Match, Vocabulary, load_vocabularies, vocabulary
from kg.vocab.matcher import label_key

IMR = Namespace("https://w3id.org/imr-kg/ontology#")
VOCAB_BASE = "https://w3id.org/imr-kg/vocab/"
TTL_FILES = sorted(VOCAB_DIR.glob("*.ttl"))
SCHEMES = ("treatment", "category", "body-region", "laterality", "guideline", "specialty", "outcome")
CATEGORIES = {
    "pharmaceuticals": "Pharmaceuticals", "physical-medicine": "Physical Medicine",
    "diagnostic-testing": "Diagnostic Testing", "imaging": "Imaging", "surgery": "Surgery",
    "injections": "Injections", "dme": "DME", "evaluation-and-management": "Evaluation and Management",
    "behavioral-health": "Behavioral Health", "home-health": "Home Health", "programs": "Programs",
    "other": "Other",
}


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    for path in TTL_FILES:
        g.parse(path, format="turtle")
    return g


@pytest.fixture(scope="module")
def vocabs() -> dict[str, Vocabulary]:
    return load_vocabularies()


def ids(matches: list[Match]) -> list[str]:
    return [m.concept.id for m in matches]


# ------------------------------------------------------------------ the data files

@pytest.mark.parametrize("path", TTL_FILES, ids=lambda p: p.name)
def test_turtle_file_parses(path: Path) -> None:
    """Each vocabulary file is valid Turtle with exactly one concept scheme."""
    g = Graph().parse(path, format="turtle")
    schemes = list(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 1
    assert g.value(schemes[0], SKOS.prefLabel) is not None
    assert g.value(schemes[0], URIRef("http://purl.org/dc/terms/description")) is not None


def test_every_scheme_is_loaded(vocabs: dict[str, Vocabulary]) -> None:
    """One vocabulary per scheme; the CSV files beside the Turtle are ignored."""
    assert set(vocabs) == set(SCHEMES)
    assert all(vocabs[s].concepts for s in SCHEMES)


def test_concepts_are_well_formed(graph: Graph) -> None:
    """Each concept has a scheme, one prefLabel, a lower-case local name; it is top iff it has no broader."""
    for node in graph.subjects(RDF.type, SKOS.Concept):
        scheme = graph.value(node, SKOS.inScheme)
        assert scheme is not None and str(scheme).startswith(VOCAB_BASE), node
        local = str(node)[len(str(scheme)):]
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", local), node
        assert len(list(graph.objects(node, SKOS.prefLabel))) == 1, node
        broader = list(graph.objects(node, SKOS.broader))
        top = graph.value(node, SKOS.topConceptOf)
        assert (top is None) == bool(broader), f"{node}: topConceptOf exactly when it has no broader"
        assert top is None or top == scheme
        for parent in broader:
            assert graph.value(parent, SKOS.inScheme) == scheme, f"{node}: broader {parent} in another scheme"


def test_literals_are_plain(graph: Graph) -> None:
    """Labels carry no language tag, so SPARQL can compare them to plain strings."""
    tagged = [o for o in graph.objects() if isinstance(o, Literal) and o.language]
    assert tagged == []


def test_no_label_is_shared_within_a_scheme(vocabs: dict[str, Vocabulary]) -> None:
    """No two concepts of one scheme share a label, even after the matcher's normalisation."""
    for scheme, vocab in vocabs.items():
        owner: dict[str, str] = {}
        for concept in vocab.concepts:
            for label in set(concept.labels):
                key = label_key(label)
                assert owner.setdefault(key, concept.id) == concept.id, \
                    f"{scheme}: {label!r} names both {owner[key]} and {concept.id}"


def test_every_label_matches_itself(vocabs: dict[str, Vocabulary]) -> None:
    """Each label, matched alone, is one match of its own concept over the whole text."""
    for vocab in vocabs.values():
        for concept in vocab.concepts:
            for label in concept.labels:
                found = vocab.find_all(label)
                assert [(m.concept.id, m.start, m.end) for m in found] == [(concept.id, 0, len(label))], label


def test_the_twelve_categories(vocabs: dict[str, Vocabulary]) -> None:
    """The category scheme holds exactly the twelve IMR categories, each defined."""
    categories = vocabs["category"]
    assert {c.id: c.pref_label for c in categories.concepts} == CATEGORIES
    assert all(c.definition for c in categories.concepts)


def test_every_treatment_has_one_category(graph: Graph, vocabs: dict[str, Vocabulary]) -> None:
    """Each treatment points to exactly one of the twelve category concepts."""
    category_iris = {URIRef(VOCAB_BASE + "category/" + local) for local in CATEGORIES}
    for concept in vocabs["treatment"].concepts:
        targets = list(graph.objects(URIRef(concept.iri), IMR.category))
        assert len(targets) == 1 and targets[0] in category_iris, concept.id
        assert concept.category in CATEGORIES.values()


def test_treatment_coverage(vocabs: dict[str, Vocabulary]) -> None:
    """At least 120 drug concepts and 120 other treatments, every category used."""
    treatments = vocabs["treatment"].concepts
    drugs = [c for c in treatments if c.category == "Pharmaceuticals"]
    assert len(drugs) >= 120
    assert len(treatments) - len(drugs) >= 120
    assert {c.category for c in treatments} == set(CATEGORIES.values())


def test_body_regions_have_parents_and_wcio_codes(vocabs: dict[str, Vocabulary]) -> None:
    """Every region but the top ones has a broader region, and every region a WCIO Part of Body code."""
    with (VOCAB_DIR / "wcio-part-of-body.csv").open(encoding="utf-8") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    regions = vocabs["body-region"]
    tops = {c.id for c in regions.concepts if not c.broader}
    assert tops == {"head", "spine", "trunk", "upper-extremity", "lower-extremity", "whole-body"}
    for region in regions.concepts:
        assert region.wcio_code in codes, region.id
    assert regions.get("shoulder").wcio_code == "38"
    assert regions.get("lumbar-spine").wcio_code == "42"
    assert regions.get("upper-extremity").wcio_code == "30"
    assert [c.id for c in regions.ancestors("finger")] == ["hand", "upper-extremity"]
    assert [c.id for c in regions.ancestors("cervical-spine")] == ["spine"]


def test_small_schemes_are_defined(vocabs: dict[str, Vocabulary]) -> None:
    """Laterality, outcomes and guidelines carry definitions; ACOEM chapters carry their numbers."""
    assert {c.pref_label for c in vocabs["laterality"].concepts} == {"left", "right", "bilateral"}
    assert {c.pref_label for c in vocabs["outcome"].concepts} == {"Upheld", "Overturned"}
    for scheme in ("laterality", "outcome"):
        assert all(c.definition for c in vocabs[scheme].concepts)
    guidelines = vocabs["guideline"]
    assert all(c.definition for c in guidelines.concepts if not c.broader)
    chapters = sorted(c.chapter_number for c in guidelines.concepts if c.chapter_number is not None)
    assert chapters == list(range(1, 17))
    assert guidelines.by_label("Knee Complaints").chapter_number == 13
    assert [c.id for c in guidelines.ancestors("acoem-chapter-13")] == ["mtus-acoem"]


# ------------------------------------------------------------------ look-ups

@pytest.mark.parametrize("brand, generic", [
    ("Norco", "hydrocodone/acetaminophen"), ("Flexeril", "cyclobenzaprine"), ("Xanax", "alprazolam"),
    ("OxyContin", "oxycodone"), ("Percocet", "oxycodone/acetaminophen"), ("Desyrel", "trazodone"),
    ("Ultram", "tramadol"), ("Prilosec", "omeprazole"), ("Neurontin", "gabapentin"),
    ("Lidoderm", "lidocaine patch"), ("Butrans", "buprenorphine patch"),
    ("Voltaren gel", "topical diclofenac"),
])
def test_brand_lookup(brand: str, generic: str) -> None:
    """A brand name finds its generic drug, by label and in text."""
    treatments = vocabulary("treatment")
    assert treatments.by_label(brand).pref_label == generic
    assert treatments.by_label(brand.upper()).pref_label == generic
    match = treatments.best(f"{brand} 10mg #60")
    assert (match.concept.pref_label, match.via, match.surface) == (generic, "brand", brand)


def test_get_by_id_and_iri() -> None:
    """Concepts are found by local name and by IRI; unknown names give None."""
    treatments = vocabulary("treatment")
    concept = treatments.get("massage-therapy")
    assert isinstance(concept, Concept)
    assert treatments.get(concept.iri) is concept
    assert concept.iri == "https://w3id.org/imr-kg/vocab/treatment/massage-therapy"
    assert treatments.get("no-such-thing") is None
    assert treatments.by_label("no such thing") is None


def test_unknown_vocabulary() -> None:
    """Asking for a scheme that does not exist names the ones that do."""
    with pytest.raises(KeyError, match="treatment"):
        vocabulary("treatments")


def test_vocabularies_are_loaded_once() -> None:
    """Repeated calls share one parse of the files."""
    assert vocabulary("treatment") is load_vocabularies()["treatment"]
    assert load_vocabularies(VOCAB_DIR)["outcome"] is vocabulary("outcome")


TINY_TTL = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/imr-kg/vocab/outcome/> a skos:ConceptScheme ; skos:prefLabel "Outcomes" .
<https://w3id.org/imr-kg/vocab/outcome/upheld> a skos:Concept ;
    skos:inScheme <https://w3id.org/imr-kg/vocab/outcome/> ; skos:prefLabel "Upheld" ; skos:altLabel "uphold" .
"""


def test_load_from_another_folder(tmp_path: Path) -> None:
    """A folder of Turtle files loads on its own; other files in it are ignored."""
    (tmp_path / "outcomes.ttl").write_text(TINY_TTL, encoding="utf-8")
    (tmp_path / "notes.csv").write_text("not,turtle\n", encoding="utf-8")
    loaded = load_vocabularies(tmp_path)
    assert list(loaded) == ["outcome"]
    assert [m.concept.id for m in loaded["outcome"].find_all("we uphold it")] == ["upheld"]


def test_bad_turtle_names_the_file(tmp_path: Path) -> None:
    """A file that is not Turtle gives a KGError naming it."""
    (tmp_path / "broken.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(KGError, match="broken.ttl"):
        load_vocabularies(tmp_path)


def test_ancestors_of_a_treatment() -> None:
    """The broader chain is returned nearest first."""
    treatments = vocabulary("treatment")
    assert [c.id for c in treatments.ancestors("post-operative-physical-therapy")] == ["physical-therapy"]
    assert [c.id for c in treatments.ancestors("duloxetine")] == ["snri", "antidepressant"]
    assert treatments.ancestors("physical-therapy") == []


# ------------------------------------------------------------------ matching request headings

HEADINGS = [
    ("24 Massage therapy sessions for the cervical spine (neck), 2 times a month for 12 months",
     "massage-therapy", "Physical Medicine", ["cervical-spine"], None),
    ("EMG/NCV of bilateral upper extremities", "emg-ncv", "Diagnostic Testing", ["upper-extremity"],
     "bilateral"),
    ("Repeat lumbar epidural steroid injection at L4-5", "epidural-steroid-injection", "Injections",
     ["lumbar-spine"], None),
    ("Right knee arthroscopy with partial medial meniscectomy", "meniscectomy", "Surgery", ["knee"], "right"),
    ("Vascutherm DVT prophylaxis and cold compression unit, 30-day rental", "cold-compression-unit", "DME",
     [], None),
    ("Cold therapy unit for the right wrist, purchase", "cold-therapy-unit", "DME", ["wrist"], "right"),
    ("Home health care 4 hours per day, 5 days per week for 6 weeks", "home-health-care", "Home Health",
     [], None),
    ("Orthopedic surgeon consultation for the left shoulder", "orthopedic-consultation",
     "Evaluation and Management", ["shoulder"], "left"),
    ("Flurbiprofen 20%/Cyclobenzaprine 10% cream 180gm", "cyclobenzaprine", "Pharmaceuticals", [], None),
    ("Cognitive behavioral therapy, 12 sessions", "cognitive-behavioral-therapy", "Behavioral Health",
     [], None),
    ("Functional restoration program, 160 hours", "functional-restoration-program", "Programs", [], None),
    ("Urine drug screen", "urine-drug-screen", "Diagnostic Testing", [], None),
    ("X-rays of the lumbar spine", "x-ray", "Imaging", ["lumbar-spine"], None),
    ("TENS unit for home use", "tens-unit", "DME", [], None),
    ("Chiropractic treatment 8 sessions for the lumbar and thoracic spine", "chiropractic-treatment",
     "Physical Medicine", ["lumbar-spine", "thoracic-spine"], None),
    ("Post-operative physical therapy 12 sessions for the right wrist", "post-operative-physical-therapy",
     "Physical Medicine", ["wrist"], "right"),
    ("platelet-rich plasma injection to the right elbow", "platelet-rich-plasma-injection", "Injections",
     ["elbow"], "right"),
    ("Norco 10/325mg #120", "hydrocodone-acetaminophen", "Pharmaceuticals", [], None),
]


@pytest.mark.parametrize("heading, treatment, category, regions, side", HEADINGS,
                         ids=[h[0][:40] for h in HEADINGS])
def test_request_heading(heading: str, treatment: str, category: str, regions: list[str],
                         side: str | None) -> None:
    """The best treatment match, its category, the distinct regions and the side of a request heading."""
    best = vocabulary("treatment").best(heading)
    assert (best.concept.id, best.concept.category) == (treatment, category)
    assert [c.id for c in vocabulary("body-region").find_concepts(heading)] == regions
    sides = vocabulary("laterality").find_concepts(heading)
    assert [c.pref_label for c in sides] == ([side] if side else [])


def test_first_and_best_procedure() -> None:
    """find_all keeps letter order (arthroscopy first); best prefers the longest, most specific label."""
    heading = "Right knee arthroscopy with partial medial meniscectomy"
    treatments = vocabulary("treatment")
    assert ids(treatments.find_all(heading)) == ["arthroscopy", "meniscectomy"]
    assert treatments.best(heading).surface == "partial medial meniscectomy"


def test_compounded_cream_names_both_drugs() -> None:
    """Both ingredients of a compounded topical are found, in order."""
    found = vocabulary("treatment").find_all("Flurbiprofen 20%/Cyclobenzaprine 10% cream 180gm")
    assert ids(found) == ["flurbiprofen", "cyclobenzaprine"]


def test_neck_is_the_cervical_spine() -> None:
    """"cervical spine (neck)" is two mentions of one region."""
    found = vocabulary("body-region").find_all("the cervical spine (neck)")
    assert ids(found) == ["cervical-spine", "cervical-spine"]
    assert [m.via for m in found] == ["pref", "alt"]


# ------------------------------------------------------------------ guidelines, specialties, outcomes

def test_chronic_pain_citation() -> None:
    """An MTUS Chronic Pain citation names that guideline once, not MTUS in general."""
    text = "MTUS Chronic Pain Treatment Guidelines Massage Therapy Page(s): 60"
    found = vocabulary("guideline").find_all(text)
    assert [m.concept.pref_label for m in found] == ["MTUS Chronic Pain Medical Treatment Guidelines"]


def test_odg_citation_with_chapter() -> None:
    """A non-MTUS ODG citation gives the guideline and its chapter, and no bare MTUS."""
    found = vocabulary("guideline").find_all(
        "Non-MTUS Citation Official Disability Guidelines (ODG), Knee & Leg Chapter, Venous thrombosis")
    assert ids(found) == ["odg", "odg-knee-leg"]
    assert found[1].concept.broader == ("odg",)


def test_acoem_citation_with_chapter() -> None:
    """"MTUS ACOEM Chapter 8 Neck and Upper Back Complaints" is the guideline, then chapter 8."""
    text = "MTUS ACOEM Chapter 8 Neck and Upper Back Complaints Page(s): 178"
    found = vocabulary("guideline").find_all(text)
    assert ids(found) == ["mtus-acoem", "acoem-chapter-8"]
    assert found[1].concept.chapter_number == 8


def test_two_specialties() -> None:
    """"Physical Medicine and Rehabilitation and Pain Medicine" is two specialties."""
    found = vocabulary("specialty").find_all("Physical Medicine and Rehabilitation and Pain Medicine")
    assert [m.concept.pref_label for m in found] == ["Physical Medicine and Rehabilitation", "Pain Medicine"]


def test_outcomes() -> None:
    """"not medically necessary" is Upheld, never Overturned by its last two words."""
    text = "is not medically necessary; the other request is medically necessary"
    found = vocabulary("outcome").find_all(text)
    assert [m.concept.pref_label for m in found] == ["Upheld", "Overturned"]


# ------------------------------------------------------------------ matching rules

@pytest.mark.parametrize("text, expected", [
    ("X-ray", ["x-ray"]), ("x ray", ["x-ray"]), ("xray", ["x-ray"]), ("XRAYS", ["x-ray"]),
    ("postoperative physical therapy", ["post-operative-physical-therapy"]),
    ("post operative physical therapy", ["post-operative-physical-therapy"]),
    ("epidural steroid injections", ["epidural-steroid-injection"]), ("ESIs", ["epidural-steroid-injection"]),
    ("physical therapies", ["physical-therapy"]), ("EMG-NCV", ["emg-ncv"]), ("EMG & NCV", ["emg-ncv"]),
    ("home exercise\nprogram", ["home-exercise-program"]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_spelling_variants(text: str, expected: list[str]) -> None:
    """Hyphen, space or nothing between words, plurals, "&" for "and" and line breaks all match."""
    assert ids(vocabulary("treatment").find_all(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("TENS unit", ["tens-unit"]), ("TENS", ["tens-unit"]), ("tens of patients", []),
    ("a CT of the knee", ["ct-scan"]), ("act", []), ("the ct was", []), ("CT scan", ["ct-scan"]),
    ("ct scan", ["ct-scan"]), ("PT 2x6", ["physical-therapy"]), ("pt was seen", []),
    ("the ESI helped", ["epidural-steroid-injection"]),
])
def test_short_abbreviations_are_case_sensitive(text: str, expected: list[str]) -> None:
    """All-capital labels of at most four letters match only as written; longer labels ignore case."""
    assert ids(vocabulary("treatment").find_all(text)) == expected


def test_whole_words_only() -> None:
    """Labels never match inside a word, nor after a joining hyphen."""
    treatments = vocabulary("treatment")
    assert treatments.find_all("Spasma and Somalia") == []
    assert ids(vocabulary("guideline").find_all("Non-MTUS citation")) == ["other"]
    assert ids(vocabulary("body-region").find_all("forearm")) == ["forearm"]


def test_spans_are_original_offsets() -> None:
    """Spans index the text as given, whatever its case, spacing and line breaks."""
    text = "Request:  POST-OPERATIVE\nPhysical  Therapy x12, Norco."
    found = vocabulary("treatment").find_all(text)
    assert [(text[m.start:m.end], m.surface) for m in found] == [
        ("POST-OPERATIVE\nPhysical  Therapy", "POST-OPERATIVE\nPhysical  Therapy"), ("Norco", "Norco")]


def test_longest_match_wins_and_matches_do_not_overlap() -> None:
    """Overlapping candidates give way to the longest one, even when it starts later."""
    found = vocabulary("guideline").find_all("California MTUS Chronic Pain Medical Treatment Guidelines")
    assert ids(found) == ["mtus-chronic-pain"]
    found = vocabulary("treatment").find_all("a random urine drug screen and cold therapy units")
    assert ids(found) == ["urine-drug-screen", "cold-therapy-unit"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_best_prefers_the_earliest_of_equal_length() -> None:
    """Among equally long matches, best() returns the first."""
    assert vocabulary("treatment").best("naproxen and tramadol").concept.id == "naproxen"
    assert vocabulary("treatment").best("nothing to see") is None
