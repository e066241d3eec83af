"""What an item heading says: treatment, category, regions, side and amounts."""
from __future__ import annotations

import pytest

from kg.extract.requests import laterality_of, read_request


@pytest.mark.parametrize(
    ("heading", "treatment", "category", "regions"),
    [
        pytest.param("24 Massage therapy sessions for the cervical spine (neck), 2 times a month for 12 months",
                     "massage therapy", "Physical Medicine", ["cervical spine"], id="seed"),
        pytest.param("Norco 10/325mg #120", "Norco (hydrocodone/acetaminophen)", "Pharmaceuticals", [], id="brand"),
        pytest.param("Repeat lumbar epidural steroid injection at L4-5", "epidural steroid injection", "Injections",
                     ["lumbar spine"], id="injection"),
        pytest.param("EMG/NCV of bilateral upper extremities", "EMG/NCV", "Diagnostic Testing", ["upper extremity"],
                     id="electrodiagnostics"),
        pytest.param("Chiropractic treatment 8 sessions for the lumbar and thoracic spine", "chiropractic treatment",
                     "Physical Medicine", ["lumbar spine", "thoracic spine"], id="two-regions"),
        pytest.param("Flurbiprofen 20%/Cyclobenzaprine 10% cream 180gm",
                     "compounded topical (flurbiprofen/cyclobenzaprine)", "Pharmaceuticals", [], id="compound"),
        pytest.param("Facet injection at L4-5 and L5-S1", None, "Injections", ["lumbar spine"],
                     id="spine-level-names-its-region"),
        pytest.param("Cervical ESI at C5-6 with L4-5 noted", None, "Injections", ["cervical spine"],
                     id="named-region-wins-over-levels"),
        pytest.param("Zorbitrex 5mg #30", "zorbitrex", "Pharmaceuticals", [], id="unknown-drug"),
    ],
)
def test_treatment_category_regions(heading: str, treatment: str | None, category: str, regions: list[str]) -> None:
    """Treatments, categories and regions come from the vocabularies; unknown drugs are still drugs."""
    facts = read_request(heading)
    if treatment is not None:
        assert facts.treatment == treatment
    assert facts.category == category
    assert facts.body_regions == regions


@pytest.mark.parametrize(
    ("heading", "quantity", "unit", "frequency", "duration"),
    [
        pytest.param("24 Massage therapy sessions for the cervical spine (neck), 2 times a month for 12 months",
                     24, "session", "2 per month", "12 months", id="seed"),
        pytest.param("Norco 10/325mg #120", 120, "tablet", None, None, id="hash-count"),
        pytest.param("12 sessions of physical therapy", 12, "session", None, None, id="sessions-first"),
        pytest.param("Post-operative physical therapy 12 sessions for the right knee", 12, "session", None, None,
                     id="sessions-after"),
        pytest.param("Functional restoration program, 160 hours", 160, "hour", None, None, id="hours"),
        pytest.param("Home health care 4 hours per day, 5 days per week for 6 weeks", None, None,
                     "4 hours per day, 5 days per week", "6 weeks", id="rates-are-not-quantities"),
        pytest.param("Ketoprofen 20% cream 120gm", None, None, None, None, id="weight-is-not-a-quantity"),
        pytest.param("Vascutherm DVT prophylaxis and cold compression unit, 30-day rental", None, None, None, "30 days",
                     id="rental-days"),
        pytest.param("Physical therapy 2x6 for the right shoulder", 12, "session", "2 per week", "6 weeks",
                     id="shorthand"),
        pytest.param("Lidoderm 5% patches #30", 30, "patch", None, None, id="patches"),
        pytest.param("Acupuncture twice a week for four weeks", 8, "session", "2 per week", "4 weeks", id="words"),
        pytest.param("Left knee Synvisc injections x3", 3, "injection", None, None, id="times-suffix"),
        pytest.param("Physical therapy 2 times per week for 4 weeks for the right hip", 8, "session", "2 per week",
                     "4 weeks", id="rate-times-duration"),
        pytest.param("Tramadol ER 100mg x 30 days", None, None, None, "30 days", id="x-days-is-a-duration"),
    ],
)
def test_amounts(heading: str, quantity, unit, frequency, duration) -> None:
    """Counts are quantities; strengths, weights and rates are not."""
    facts = read_request(heading)
    assert (facts.quantity, facts.unit, facts.frequency, facts.duration) == (quantity, unit, frequency, duration)


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("MRI of the left shoulder", "left"),
        ("Right carpal tunnel release", "right"),
        ("EMG/NCV of bilateral upper extremities", "bilateral"),
        ("X-rays of the right and left knees", "bilateral"),
        ("Urine drug screen", None),
        ("Upright MRI", None),
    ],
)
def test_laterality(text: str, side: str | None) -> None:
    """Sides are whole words; both sides named means bilateral."""
    assert laterality_of(text) == side


@pytest.mark.parametrize(
    ("heading", "quantity", "laterality"),
    [
        pytest.param("Electro acupuncture to the low back two times a week times six weeks", 12, None,
                     id="rate-times-duration"),
        pytest.param("Twelve infrared acupuncture visits, 2 times weekly for 6 weeks", 12, None, id="count-in-words"),
        pytest.param("EMG/NCV of the lower extremities", None, "bilateral", id="plural-limbs-are-bilateral"),
        pytest.param("MRI of the left knee and lower leg", None, "left", id="one-side-word"),
        pytest.param("One month supply of Trezix capsules", None, None, id="a-duration-is-not-a-count"),
    ],
)
def test_amounts_and_sides_of_later_headings(heading: str, quantity: int | None, laterality: str | None) -> None:
    """Counts multiplied out or written in words; plural limbs without a side word are both sides."""
    facts = read_request(heading)
    assert (facts.quantity, facts.laterality) == (quantity, laterality)


def test_several_counts_leave_the_quantity_empty_with_a_warning() -> None:
    """A remainder with one count per region has no single quantity: it stays empty, and the record says why."""
    facts = read_request("two physical therapy sessions for the lumbar spine and eight physical therapy sessions for "
                         "the left wrist")
    assert facts.quantity is None
    assert any("several counts" in w for w in facts.warnings)


def test_the_word_compounded_is_not_an_ingredient() -> None:
    """"Compounded cream: A/B" lists A and B as the compound's drugs; "compounded cream" alone is the product."""
    assert read_request("Compounded cream: Flurbiprofen 20%/Lidocaine 5% 180gm").treatment == \
        "compounded topical (flurbiprofen/lidocaine)"
    assert read_request("Compounded cream 180gm").treatment_id == "compounded-topical-analgesic"
