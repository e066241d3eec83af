"""Tests of the offline ICD-10-CM linker (kg.vocab.icd10) and its bridge rows (icd10-phrases.csv)."""
from __future__ import annotations

import csv
import time

import pytest

from kg.paths import VOCAB_DIR
from kg.vocab.icd10 import IcdLink, icd10_hierarchy, icd10_label, is_valid_icd10, link_icd10

#: Diagnoses and codes from real letters' gold annotations.
GOLD = [
    ("cervicalgia", "M54.2"),
    ("right lateral epicondylitis", "M77.11"),
    ("lateral epicondylitis of the right elbow", "M77.11"),
    ("right cubital tunnel syndrome", "G56.21"),
    ("cervical radiculopathy", "M54.12"),
    ("right shoulder impingement syndrome", "M75.41"),
    ("left shoulder impingement syndrome", "M75.42"),
    ("complex tear of the medial meniscus, right knee", "S83.231"),
    ("mild degenerative joint disease of the right knee", "M17.11"),
    ("lumbar radiculopathy", "M54.16"),
    ("lumbar disc protrusion at L4-5", "M51.26"),
    ("chronic pain syndrome", "G89.4"),
    ("adjustment disorder with mixed anxiety and depressed mood", "F43.23"),
    ("right carpal tunnel syndrome", "G56.01"),
    ("bilateral carpal tunnel syndrome", "G56.03"),
    ("right de Quervain's tenosynovitis", "M65.4"),
    ("chronic low back pain", "M54.50"),
    ("post-laminectomy syndrome, lumbar", "M96.1"),
    ("major depressive disorder, single episode, moderate", "F32.1"),
    ("posttraumatic stress disorder, chronic", "F43.12"),
    ("insomnia", "G47.00"),
    ("low back pain", "M54.50"),
    ("thoracic spine pain", "M54.6"),
    ("partial-thickness rotator cuff tear of the left shoulder", "M75.112"),
]

#: Other frequent workers' compensation diagnoses; codes looked up in simple_icd_10_cm.
OTHER = [
    ("lumbar sprain/strain", "S39.012"),  # Strain of muscle, fascia and tendon of lower back
    ("cervical strain", "S16.1"),  # Strain of muscle, fascia and tendon at neck level
    ("left ankle sprain", "S93.402"),  # Sprain of unspecified ligament of left ankle
    ("left knee medial meniscus tear", "S83.242"),  # Other tear of medial meniscus, current injury, left knee
    ("right knee medial meniscus tear, status post arthroscopy", "S83.241"),
    ("cervical disc herniation at C5-6", "M50.222"),  # Other cervical disc displacement at C5-C6 level
    ("cervical disc protrusion at C6-C7", "M50.223"),
    ("lumbar disc herniation at L5-S1", "M51.27"),  # ..., lumbosacral region
    ("T12-L1 disc herniation", "M51.25"),  # ..., thoracolumbar region
    ("lumbar disc herniation with radiculopathy", "M51.16"),  # Intervertebral disc disorders with radic...
    ("degenerative disc disease of the lumbar spine", "M51.369"),
    ("lumbar spondylosis", "M47.816"),  # Spondylosis without myelopathy or radiculopathy, lumbar region
    ("lumbar facet arthropathy", "M47.816"),
    ("lumbar spinal stenosis", "M48.061"),  # ..., lumbar region without neurogenic claudication
    ("lumbar spondylolisthesis", "M43.16"),
    ("lumbosacral radiculopathy", "M54.17"),
    ("right L5 radiculopathy", "M54.16"),
    ("left upper extremity radiculopathy", "M54.12"),
    ("sciatica, left side", "M54.32"),
    ("neck pain", "M54.2"),
    ("failed back surgery syndrome", "M96.1"),
    ("status post lumbar fusion", "Z98.1"),  # Arthrodesis status
    ("right shoulder rotator cuff tendinitis", "M75.81"),  # Other shoulder lesions, right shoulder
    ("left shoulder adhesive capsulitis", "M75.02"),
    ("left lateral epicondylitis", "M77.12"),
    ("right medial epicondylitis", "M77.01"),
    ("left cubital tunnel syndrome", "G56.22"),
    ("right trigger thumb", "M65.311"),
    ("right knee pain", "M25.561"),
    ("right knee internal derangement", "M23.91"),
    ("bilateral knee osteoarthritis", "M17.0"),  # Bilateral primary osteoarthritis of knee
    ("right hip osteoarthritis", "M16.11"),
    ("right hip trochanteric bursitis", "M70.61"),
    ("right total knee replacement", "Z96.651"),  # Presence of right artificial knee joint
    ("left hand laceration", "S61.412"),  # Laceration without foreign body of left hand
    ("bilateral plantar fasciitis", "M72.2"),  # Plantar fascial fibromatosis (inclusion: plantar fasciitis)
    ("complex regional pain syndrome of the right upper limb", "G90.511"),
    ("myofascial pain syndrome", "M79.10"),  # Myalgia, unspecified site
    ("fibromyalgia", "M79.7"),
    ("major depressive disorder, recurrent, severe", "F33.2"),
    ("generalized anxiety disorder", "F41.1"),
    ("adjustment disorder with anxiety", "F43.22"),
    ("depression", "F32.A"),
    ("PTSD", "F43.10"),
    ("obstructive sleep apnea", "G47.33"),
    ("chronic opioid use", "Z79.891"),  # Long term (current) use of opiate analgesic
    ("gastroesophageal reflux disease", "K21.9"),
    ("opioid-induced constipation", "K59.03"),  # Drug induced constipation
    ("obesity", "E66.9"),
    ("type 2 diabetes mellitus", "E11.9"),
    ("headache", "R51.9"),
    ("hypertension", "I10"),
]

#: Phrases without a side, where a side-specific code would be invented.
NO_SIDE = [
    ("carpal tunnel syndrome", "G56.00"),
    ("knee osteoarthritis", "M17.9"),
    ("sciatica", "M54.30"),
    ("right trigger finger", "M65.30"),  # no finger named: trigger finger codes carry the side per finger
    ("bilateral knee pain", "M25.569"),  # there is no bilateral knee-pain code
]

NONSENSE = ["the patient was seen", "status post", "", "   ", "right", "left knee", "L4-5", "chronic",
            "follow up", "fracture", "sprain"]


def _ids(cases: list[tuple[str, str]]) -> list[str]:
    return [f"{phrase or '<empty>'} -> {code}" for phrase, code in cases]


@pytest.mark.parametrize(("phrase", "code"), GOLD, ids=_ids(GOLD))
def test_links_gold_diagnoses(phrase: str, code: str) -> None:
    """Each gold diagnosis links to its annotated code, labelled with the ICD-10-CM description."""
    link = link_icd10(phrase)
    assert link is not None and link.code == code
    assert link.label == icd10_label(code)
    assert 0.5 <= link.score <= 1.0


@pytest.mark.parametrize(("phrase", "code"), OTHER, ids=_ids(OTHER))
def test_links_other_frequent_diagnoses(phrase: str, code: str) -> None:
    """Diagnoses outside the gold list link to the code their words support."""
    assert is_valid_icd10(code)
    link = link_icd10(phrase)
    assert link is not None and link.code == code


@pytest.mark.parametrize(("phrase", "code"), NO_SIDE, ids=_ids(NO_SIDE))
def test_never_invents_a_side(phrase: str, code: str) -> None:
    """Without a usable side word the unspecified child is chosen, never a right or left one."""
    link = link_icd10(phrase)
    assert link is not None and link.code == code
    assert "right" not in link.label.lower() and "left" not in link.label.lower()


@pytest.mark.parametrize("phrase", NONSENSE, ids=[p.strip() or "<blank>" for p in NONSENSE])
def test_nonsense_links_to_nothing(phrase: str) -> None:
    """Words that name no diagnosis give None rather than a guess."""
    assert link_icd10(phrase) is None


@pytest.mark.parametrize(("phrase", "code"), GOLD + OTHER, ids=_ids(GOLD + OTHER))
def test_stops_before_seventh_character(phrase: str, code: str) -> None:
    """Links never carry a 7th-character encounter extension (A/D/S)."""
    link = link_icd10(phrase)
    assert link is not None and len(link.code.replace(".", "")) <= 6


@pytest.mark.parametrize(
    ("phrase", "code"),
    [("1. Lumbar radiculopathy.", "M54.16"), ("LUMBAR RADICULOPATHY", "M54.16"), ("- cervicalgia", "M54.2"),
     ("GERD secondary to medications", "K21.9"), ("morbid obesity, BMI 42", "E66.01")],
    ids=["enumerated", "upper-case", "bulleted", "secondary-to-tail", "extra-clause"],
)
def test_tolerates_letter_formatting(phrase: str, code: str) -> None:
    """List markers, case, punctuation and a trailing cause or extra clause do not block the link."""
    link = link_icd10(phrase)
    assert link is not None and link.code == code


def test_linking_is_fast_once_indexed() -> None:
    """After the one-off index build, linking a phrase takes well under 5 ms."""
    link_icd10("warm up the index")
    phrases = [p for p, _ in GOLD + OTHER]
    start = time.perf_counter()
    for _ in range(5):
        for phrase in phrases:
            link_icd10(phrase)
    per_link = (time.perf_counter() - start) / (5 * len(phrases))
    assert per_link < 0.005


def test_link_is_a_frozen_dataclass() -> None:
    """IcdLink is immutable and carries code, label and score."""
    link = link_icd10("cervicalgia")
    assert link == IcdLink("M54.2", "Cervicalgia", link.score)
    with pytest.raises(AttributeError):
        link.code = "M54.9"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("code", "label"),
    [("M54.16", "Radiculopathy, lumbar region"), ("m5416", "Radiculopathy, lumbar region"),
     ("M50-M54", "Other dorsopathies"), ("Q99.999", None), ("", None)],
    ids=["dotted", "lower-case-undotted", "block", "unknown", "empty"],
)
def test_icd10_label(code: str, label: str | None) -> None:
    """Labels come from ICD-10-CM for codes (dotted or not) and blocks; unknown codes give None."""
    assert icd10_label(code) == label


@pytest.mark.parametrize(
    ("code", "valid"),
    [("M54.16", True), ("m54.16", True), ("M5416", True), ("S83.231A", True), ("M96", True),
     ("M54.166", False), ("13", False), ("M50-M54", False), ("", False), ("hello", False)],
    ids=["code", "lower-case", "undotted", "seventh-character", "lone-category", "too-long", "chapter",
         "block", "empty", "word"],
)
def test_is_valid_icd10(code: str, valid: bool) -> None:
    """Categories and codes are valid ICD-10-CM codes; chapters, blocks and made-up codes are not."""
    assert is_valid_icd10(code) is valid


def test_hierarchy_runs_from_code_to_chapter() -> None:
    """The hierarchy lists code, parents, category, block and chapter with their labels and kinds."""
    assert icd10_hierarchy("M54.16") == [
        ("M54.16", "Radiculopathy, lumbar region", "code"),
        ("M54.1", "Radiculopathy", "code"),
        ("M54", "Dorsalgia", "category"),
        ("M50-M54", "Other dorsopathies", "block"),
        ("13", "Diseases of the musculoskeletal system and connective tissue", "chapter"),
    ]


def test_hierarchy_separates_a_block_named_like_its_category() -> None:
    """A block holding one category (M96) appears once as category and once as block."""
    chain = icd10_hierarchy("M96.1")
    assert [(c, kind) for c, _, kind in chain] == [("M96.1", "code"), ("M96", "category"), ("M96", "block"),
                                                 ("13", "chapter")]
    assert chain[2][1].endswith("not elsewhere classified")  # the label without its "(M96)" range


@pytest.mark.parametrize(("phrase", "code"), GOLD, ids=_ids(GOLD))
def test_hierarchy_of_each_gold_code(phrase: str, code: str) -> None:
    """Every gold code climbs through exactly one category and one block to one chapter."""
    kinds = [kind for _, _, kind in icd10_hierarchy(code)]
    assert kinds[0] in {"code", "category"} and kinds[-1] == "chapter"
    assert kinds.count("category") == 1 and kinds.count("block") == 1


def test_hierarchy_of_unknown_code_is_empty() -> None:
    """An unknown code has no hierarchy."""
    assert icd10_hierarchy("Q99.999") == []


def _rows() -> list[dict[str, str]]:
    with (VOCAB_DIR / "icd10-phrases.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_phrase_rows_are_well_formed() -> None:
    """The CSV has its three columns, unique phrases, and only valid ICD-10-CM codes."""
    rows = _rows()
    assert rows and list(rows[0]) == ["phrase", "code_or_terms", "note"]
    phrases = [r["phrase"].strip().lower() for r in rows]
    assert all(phrases) and len(phrases) == len(set(phrases))
    for row in rows:
        assert None not in row and None not in row.values(), row  # exactly three fields
        target = row["code_or_terms"].strip()
        if target[:1].isupper() and target[1:2].isdigit():
            assert is_valid_icd10(target), row


def test_gold_phrases_are_not_hard_coded() -> None:
    """No gold diagnosis is a whole row of the CSV: the general matcher must find them."""
    phrases = {r["phrase"].strip().lower() for r in _rows()}
    assert not phrases & {p.lower() for p, _ in GOLD}


def test_index_is_cached_on_disk_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch) -> None:
    """The built ICD-10-CM index is written to the cache folder and read back on the next start; a damaged file
    is rebuilt rather than trusted."""
    from kg.vocab import icd10_index

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    path = icd10_index.cache_path()
    assert path is not None and path.parent == tmp_path
    icd10_index.get_index.cache_clear()
    try:
        built = icd10_index.get_index()
        assert path.is_file()
        icd10_index.get_index.cache_clear()
        loaded = icd10_index.get_index()
        assert loaded is not built
        assert len(loaded.docs) == len(built.docs) and loaded.descriptions["M54.2"] == "Cervicalgia"
        path.write_bytes(b"not a pickle")
        icd10_index.get_index.cache_clear()
        rebuilt = icd10_index.get_index()
        assert len(rebuilt.docs) == len(built.docs)
        assert path.read_bytes() != b"not a pickle"
    finally:
        icd10_index.get_index.cache_clear()


@pytest.mark.parametrize(
    ("phrase", "code"),
    [
        pytest.param("insomnia related to generalized anxiety disorder", "F51.05", id="insomnia-due-to-anxiety"),
        pytest.param("stress related physiological response affecting gastrointestinal disturbances and headaches",
                     "F54", id="psychological-factors"),
        pytest.param("bilateral hand paresthesia most likely related to the neck", "R20.2", id="hedged-cause-dropped"),
        pytest.param("3mm disc protrusion at L4-5 with lateral recess and foraminal stenosis", "M51.26",
                     id="size-dropped"),
        pytest.param("acute bilateral thoracic back pain", "M54.6", id="thoracic-back-pain"),
    ],
)
def test_wordings_of_real_summaries(phrase: str, code: str) -> None:
    """Wordings seen in real case summaries link to the code a coder would choose."""
    link = link_icd10(phrase)
    assert link is not None and link.code == code
