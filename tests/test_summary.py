"""Diagnoses and prior treatments from the clinical case summary."""
from __future__ import annotations

import pytest

from kg.extract.summary import extract_diagnoses, extract_prior_treatments


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("Diagnosis cervicalgia. Patient was diagnosed with neck pain and headaches.", ["cervicalgia"],
                     id="first-statement-wins"),
        pytest.param("Diagnoses include complex tear of the medial meniscus, right knee, and mild degenerative "
                     "joint disease of the right knee.",
                     ["complex tear of the medial meniscus, right knee", "mild degenerative joint disease of the right knee"],
                     id="qualifier-after-comma"),
        pytest.param("Diagnoses include major depressive disorder, single episode, moderate; posttraumatic stress "
                     "disorder, chronic; and insomnia.",
                     ["major depressive disorder, single episode, moderate", "posttraumatic stress disorder, chronic",
                      "insomnia"], id="semicolons"),
        pytest.param("His diagnoses include chronic pain syndrome, lumbar radiculopathy, and adjustment disorder "
                     "with mixed anxiety and depressed mood.",
                     ["chronic pain syndrome", "lumbar radiculopathy",
                      "adjustment disorder with mixed anxiety and depressed mood"], id="and-inside-with"),
        pytest.param("Diagnoses include chronic low back pain and post-laminectomy syndrome, lumbar.",
                     ["chronic low back pain", "post-laminectomy syndrome, lumbar"], id="and-without-comma"),
        pytest.param("The patient was seen for follow-up.", [], id="none"),
    ],
)
def test_diagnosis_lists(summary: str, labels: list[str]) -> None:
    """Lists are cut into diagnoses without breaking the ones that contain commas or "and"."""
    assert [d.label for d in extract_diagnoses(summary, 0)] == labels


def test_diagnoses_are_linked_and_placed() -> None:
    """Each diagnosis carries its ICD-10-CM code and the span of its words."""
    summary = "Background. Diagnoses include lumbar radiculopathy and right carpal tunnel syndrome."
    found = extract_diagnoses(summary, 100)
    assert [(d.icd10, summary[d.span[0] - 100:d.span[1] - 100]) for d in found] == [
        ("M54.16", "lumbar radiculopathy"), ("G56.01", "right carpal tunnel syndrome")]


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("Treatment has included a counterforce brace, 12 sessions of physical therapy, a home exercise "
                     "program, naproxen, and a corticosteroid injection to the right lateral epicondyle in 11/2012 "
                     "that provided two months of relief.",
                     ["counterforce brace", "physical therapy", "home exercise program", "naproxen",
                      "corticosteroid injection to the right lateral epicondyle"], id="counts-and-dates"),
        pytest.param("He has been treated with physical therapy, medications including tramadol, naproxen, and "
                     "duloxetine, and a psychological evaluation.",
                     ["physical therapy", "tramadol", "naproxen", "duloxetine", "psychological evaluation"],
                     id="medications-including"),
        pytest.param("Treatment to date has included physical therapy, acupuncture (6 sessions), a cervical MRI, "
                     "electrodiagnostic studies, and medications.",
                     ["physical therapy", "acupuncture", "cervical MRI", "electrodiagnostic studies", "medications"],
                     id="history-as-listed"),
        pytest.param("He underwent L5-S1 laminectomy and discectomy in 2011. Other prior treatment has included "
                     "physical therapy and a TENS unit.",
                     ["L5-S1 laminectomy and discectomy", "physical therapy", "TENS unit"], id="other-prior-treatment"),
        pytest.param("Prior treatment has included wrist splinting and a corticosteroid injection on 04/22/2014, "
                     "which provided relief for five weeks.",
                     ["wrist splinting", "corticosteroid injection"], id="relative-clause"),
    ],
)
def test_prior_treatments(summary: str, labels: list[str]) -> None:
    """Prior treatments are named without counts, dates, articles or tests."""
    assert [m.label for m in extract_prior_treatments(summary, 0)] == labels


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("He underwent L4-5 laminectomy and discectomy in 03/2011. Diagnoses include insomnia. He has "
                     "since been treated with physical therapy and medications including OxyContin and zolpidem.",
                     ["L4-5 laminectomy and discectomy", "physical therapy", "OxyContin", "zolpidem"],
                     id="earlier-procedure-and-nested-list"),
        pytest.param("Previous treatments include biofeedback, physical therapy for the neck and upper back, and "
                     "psychotropic medications including bupropion, buspirone, and hydroxyzine.",
                     ["biofeedback", "physical therapy for the neck and upper back", "bupropion", "buspirone",
                      "hydroxyzine"], id="regions-joined-by-and"),
        pytest.param("Treatment to date has included open reduction and internal fixation of the left wrist in "
                     "06/2011 and a TENS unit.", ["open reduction and internal fixation of the left wrist", "TENS unit"],
                     id="procedure-name-with-and"),
    ],
)
def test_prior_treatment_wordings(summary: str, labels: list[str]) -> None:
    """Other wordings of the treatment history give the same kind of list."""
    assert [m.label for m in extract_prior_treatments(summary, 0)] == labels


def test_status_post_keeps_its_procedure() -> None:
    """"status post open reduction and internal fixation" stays one diagnosis."""
    found = extract_diagnoses("Diagnoses include left distal radius fracture status post open reduction and internal "
                              "fixation, and chronic pain syndrome.", 0)
    assert [d.label for d in found] == [
        "left distal radius fracture status post open reduction and internal fixation", "chronic pain syndrome"]


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("Treatment to date includes physical therapy, acupuncture and medications.",
                     ["physical therapy", "acupuncture", "medications"], id="present-tense-no-oxford-comma"),
        pytest.param("The patient has been treated conservatively with physical therapy and medications.",
                     ["physical therapy", "medications"], id="adverb"),
    ],
)
def test_more_treatment_wordings(summary: str, labels: list[str]) -> None:
    """Present tense, adverbs and lists without a serial comma."""
    assert [m.label for m in extract_prior_treatments(summary, 0)] == labels


def test_numbered_diagnoses() -> None:
    """Numbered diagnosis lists lose their numbers."""
    found = extract_diagnoses("The patient's diagnoses include: 1) cervical sprain; 2) lumbar radiculopathy.", 0)
    assert [d.label for d in found] == ["cervical sprain", "lumbar radiculopathy"]


def test_diagnoses_as_follows_and_parentheses() -> None:
    """"as follows:" is not part of the first diagnosis; a parenthesis does not stop the ICD-10-CM link."""
    found = extract_diagnoses("The diagnoses are as follows: cervical radiculopathy, right C6; obesity (body mass "
                              "index 32).", 0)
    assert [(d.label, d.icd10) for d in found] == [("cervical radiculopathy, right C6", "M54.12"),
                                                   ("obesity (body mass index 32)", "E66.9")]


def test_long_diagnosis_after_with_and_is_split() -> None:
    """"A with B and C" splits before C when C is a diagnosis of its own, not when it finishes B."""
    found = extract_diagnoses("Diagnoses include cervical disc herniation at C6-7 with left C7 radiculopathy and "
                              "myofascial pain syndrome of the left upper trapezius.", 0)
    assert [d.label for d in found] == ["cervical disc herniation at C6-7 with left C7 radiculopathy",
                                        "myofascial pain syndrome of the left upper trapezius"]


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("A review of the records indicates the injured worker is being treated for lumbar muscle strain "
                     "and right knee contusion.", ["lumbar muscle strain", "right knee contusion"], id="being-treated-for"),
        pytest.param("The worker is undergoing treatment for hearing loss.", ["hearing loss"], id="undergoing-treatment"),
        pytest.param("The current diagnoses are documented as pain in left shoulder; cervicalgia; and postconcussional "
                     "syndrome.", ["pain in left shoulder", "cervicalgia", "postconcussional syndrome"],
                     id="documented-as"),
        pytest.param("The injured worker was diagnosed as having lumbar radiculitis and lumbar sprain.",
                     ["lumbar radiculitis", "lumbar sprain"], id="diagnosed-as-having"),
        pytest.param("The record shows the worker has diagnosis that include mild cervical strain; low back strain.",
                     ["mild cervical strain", "low back strain"], id="has-diagnosis-that-include"),
        pytest.param("The applicant has filed a claim for chronic neck pain reportedly associated with an industrial "
                     "injury of May 2, 2015.", ["chronic neck pain"], id="claim-for-narrative"),
        pytest.param("The treating doctor gave a diagnosis of \"cervical strain.\" He was seen again later.",
                     ["cervical strain"], id="quoted-diagnosis"),
        pytest.param("There was no diagnosis of fracture. He is being treated for ankle sprain.", ["ankle sprain"],
                     id="negated-statement-skipped"),
    ],
)
def test_diagnosis_wordings_of_later_letters(summary: str, labels: list[str]) -> None:
    """Diagnoses come from the most explicit statement the summary makes, in any of the usual wordings."""
    assert [d.label for d in extract_diagnoses(summary, 0)] == labels


def test_possible_diagnosis_is_kept_uncertain_and_not_coded() -> None:
    """"possible ..." and "rule out ..." diagnoses are kept in their words, marked uncertain, with no ICD-10-CM code."""
    found = extract_diagnoses("He is being treated for left hip strain and possible lumbar radiculopathy.", 0)
    assert [(d.label, d.uncertain, d.icd10) for d in found] == [
        ("left hip strain", False, found[0].icd10), ("possible lumbar radiculopathy", True, None)]
    assert found[0].icd10 is not None


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("Treatment rendered included diagnostic testing, activity modification, and home exercise program.",
                     ["diagnostic testing", "activity modification", "home exercise program"], id="rendered-included"),
        pytest.param("Relevant treatments have included: physical therapy, work restrictions, and medications.",
                     ["physical therapy", "work restrictions", "medications"], id="relevant-have-included"),
        pytest.param("Past treatments were noted to include medication and activity modification.",
                     ["medication", "activity modification"], id="noted-to-include"),
        pytest.param("Treatment and evaluation to date has included medications, x-rays and a Toradol injection.",
                     ["medications", "x-rays", "Toradol injection"], id="and-evaluation"),
        pytest.param("The applicant's medication list included Flexeril, Norco, and Motrin, which were renewed.",
                     ["Flexeril", "Norco", "Motrin"], id="medication-list-when-no-history"),
    ],
)
def test_treatment_history_wordings_of_later_letters(summary: str, labels: list[str]) -> None:
    """The treatment history sentence in the wordings of later letters gives the prior treatments as listed."""
    assert [m.label for m in extract_prior_treatments(summary, 0)] == labels


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("The applicant was given diagnoses of neck and shoulder strain.", ["neck and shoulder strain"],
                     id="regions-share-the-noun"),
        pytest.param("He is being treated for cervical, thoracic, lumbar myoligamentous injury and left knee strain.",
                     ["cervical, thoracic, lumbar myoligamentous injury", "left knee strain"],
                     id="leading-regions-join-the-next"),
    ],
)
def test_regions_are_not_diagnoses_of_their_own(summary: str, labels: list[str]) -> None:
    """A region named on its own in a diagnosis list belongs to the diagnosis after it."""
    assert [d.label for d in extract_diagnoses(summary, 0)] == labels


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("He is being treated for strain of muscle and or tendon of wrist, and low back strain.",
                     ["strain of muscle and or tendon of wrist", "low back strain"], id="and-or-is-not-a-cut"),
        pytest.param("The record shows diagnosis that include mild cervical strain, bilateral hand paresthesia; "
                     "low back strain.", ["mild cervical strain", "bilateral hand paresthesia", "low back strain"],
                     id="commas-inside-semicolon-lists"),
        pytest.param("Diagnoses include femur fracture, status post open reduction; lumbar strain.",
                     ["femur fracture, status post open reduction", "lumbar strain"],
                     id="status-post-continues-inside-an-element"),
        pytest.param("Diagnoses include cervical radiculopathy, right C6, and status post C5-6 fusion.",
                     ["cervical radiculopathy, right C6", "status post C5-6 fusion"], id="spine-level-qualifies"),
        pytest.param("The current diagnosis is documented as other cervical disc displacement, mid cervical region.",
                     ["other cervical disc displacement, mid cervical region"], id="mid-region-qualifies"),
    ],
)
def test_diagnosis_lists_with_mixed_separators(summary: str, labels: list[str]) -> None:
    """Diagnoses are cut at semicolons and commas; qualifiers, regions and continuations stay with their diagnosis."""
    assert [d.label for d in extract_diagnoses(summary, 0)] == labels


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("The medication list included Flexeril, Norco, and Skelaxin, several of which were renewed.",
                     ["Flexeril", "Norco", "Skelaxin"], id="several-of-which"),
        pytest.param("The treatment to date includes meloxicam 7.5 mg, however the worker states it is not effective.",
                     ["meloxicam 7.5 mg"], id="however-clause"),
        pytest.param("Treatment rendered included physical therapy #4 July, #7 August, and September #3, and "
                     "consultation, home exercises and consultation.",
                     ["physical therapy #4 July", "consultation", "home exercises"], id="dates-and-repeats-dropped"),
    ],
)
def test_treatment_lists_drop_clauses_dates_and_repeats(summary: str, labels: list[str]) -> None:
    """Relative clauses, bare dates and repeated entries are not treatments."""
    assert [m.label for m in extract_prior_treatments(summary, 0)] == labels


def test_word_broken_at_a_line_end_is_joined_and_reported() -> None:
    """"radicul-opathy" (a PDF line break) becomes "radiculopathy"; real compounds keep their hyphen."""
    found = extract_diagnoses("He is being treated for lumbar radicul-opathy and sprain-strain of the neck.", 0)
    assert [(d.label, d.written) for d in found] == [
        ("lumbar radiculopathy", "lumbar radicul-opathy"), ("sprain-strain of the neck", None)]
    assert found[0].icd10 == "M54.16"


def test_the_claim_of_a_narrative_summary_joins_its_diagnosis() -> None:
    """"has filed a claim for X" names a condition as the later "a diagnosis of Y" does: both are kept, and the
    explicit statement is what the source says."""
    from kg.extract.summary import read_diagnoses

    found, source = read_diagnoses(
        "The applicant has filed a claim for chronic low back pain reportedly associated with an industrial "
        "injury of May 1, 2015. The provider gave the applicant a diagnosis of \"lumbar radiculopathy.\" Later "
        "notes follow.", 0)
    assert [d.label for d in found] == ["chronic low back pain", "lumbar radiculopathy"]
    assert source == "diagnosis statement"


def test_two_histories_in_one_piece_are_two_diagnoses() -> None:
    """"status post A status post B now recovering well": two diagnoses, the recovery left out."""
    found = extract_diagnoses("The worker has diagnosis that include status post crush injury status post "
                              "exploratory laparotomy with a colon resection now recovering well.", 0)
    assert [d.label for d in found] == ["status post crush injury",
                                        "status post exploratory laparotomy with a colon resection"]


@pytest.mark.parametrize(
    ("summary", "labels"),
    [
        pytest.param("Treatment to date has included chiropractic treatment (under private insurance and without "
                     "documentation of improvement) and activity modifications.",
                     ["chiropractic treatment", "activity modifications"], id="and-inside-parentheses"),
        pytest.param("Prior treatments were not noted.", [], id="not-noted"),
        pytest.param("Treatment to date has included an x-ray of the cervical spine which shows mild straightening "
                     "and physical therapy.", ["x-ray of the cervical spine", "physical therapy"],
                     id="findings-cut"),
    ],
)
def test_treatment_lists_keep_treatments_only(summary: str, labels: list[str]) -> None:
    """Parenthesised remarks, "not noted" and test findings are not treatments."""
    assert [m.label for m in extract_prior_treatments(summary, 0)] == labels
