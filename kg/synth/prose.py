"""The prose of synthetic letters: the reviewer paragraph, the case summary, rationales and document lists.

Dates are written as the layouts write them (09/24/2013, 9/24/2013 or September 24, 2013); lists are
joined with "and", with the serial comma now and then (always when an element holds a comma). Quoted
guideline text uses typographic quotes and apostrophes, which readers straighten.
"""
from __future__ import annotations

import random
from datetime import date

from kg.synth.cases import Case
from kg.synth.items import Item
from kg.synth.tables import FINDINGS, FUNCTION, MECHANISMS, OCCUPATIONS

_BOARDLESS = frozenset({"Chiropractic", "Psychology", "Acupuncture", "Physical Therapy", "Nursing", "Optometry",
                        "Dentistry", "Neuropsychology"})
_LQ, _RQ, _APOS = "\u201c", "\u201d", "\u2019"
_AGAINST = (
    (f"The records do not describe objective functional improvement with prior care, and the claimant{_APOS}s pain "
     "scores have remained unchanged."),
    ("There is no documentation of a trial and failure of conservative care, and the clinical findings do not match "
     "the indications the guidelines describe."),
    ("The request exceeds what the guidelines allow without evidence of benefit, and no exceptional factors are "
     "documented."),
)
_FOR = (
    ("The records document a reduction of pain and improved function with prior care, with no aberrant behavior and "
     "regular monitoring."),
    ("The claimant has persistent objective findings despite an adequate course of conservative care, which is the "
     "indication the guidelines describe."),
    (f"The treating physician{_APOS}s notes describe specific functional goals, and the request falls within the range "
     "the guidelines allow."),
)


def us(day: date) -> str:
    """A date as 09/24/2013."""
    return f"{day:%m/%d/%Y}"


def short(day: date) -> str:
    """A date as 9/24/2013."""
    return f"{day.month}/{day.day}/{day.year}"


def long(day: date) -> str:
    """A date as September 24, 2013."""
    return f"{day:%B} {day.day}, {day.year}"


def join(words: list[str], rng: random.Random) -> str:
    """Words joined with commas and a final "and"."""
    # An element that holds commas goes last, and a list of three or more then takes the serial comma, so
    # that "single episode, moderate" is not read as the start of the next element.
    words = [w for w in words if "," not in w] + [w for w in words if "," in w]
    if len(words) == 1:
        return words[0]
    comma = "," if len(words) > 2 and (rng.random() < 0.6 or "," in words[-1]) else ""
    return ", ".join(words[:-1]) + f"{comma} and {words[-1]}"


def cap(text: str) -> str:
    """The text with its first letter upper-cased."""
    return text[0].upper() + text[1:]


def lower(request: str) -> str:
    """A heading inside a sentence: its first letter lower-cased unless it starts a name or an abbreviation."""
    word = request.split(" ", 1)[0]
    return request if word.isupper() or any(c.isupper() for c in word[1:]) else request[0].lower() + request[1:]


def reviewer_statement(case: Case, rng: random.Random, who: str = "The expert reviewer") -> str:
    """The sentence naming the reviewer's specialties ("... is Board Certified in X and is licensed ...")."""
    first, *rest = case.specialties
    lead = "Licensed in" if first in _BOARDLESS else "Board Certified in"
    if not rest:
        spec = f"{lead} {first}"
    elif rng.random() < 0.5:
        spec = f"{lead} {first} and {rest[0]}"
    else:
        spec = f"{lead} {first}, has a subspecialty in {rest[0]}"
    return f"{who} is {spec} and is licensed to practice in California."


def boilerplate(case: Case, rng: random.Random, statement: bool) -> str:
    """The paragraph on how the expert reviewer was chosen, with the specialty sentence when asked."""
    parts = [("MAXIMUS Federal Services sent the complete case file to an expert reviewer. He/she has no affiliation "
             "with the employer, employee, providers or the claims administrator.")]
    if statement:
        parts.append(reviewer_statement(case, rng))
    parts.append("He/she has been in active clinical practice for more than five years and is currently working at "
                 "least 24 hours a week in active practice. The expert reviewer was selected based on his/her clinical "
                 "experience, education, background, and expertise in the same or similar specialties that evaluate "
                 "and/or treat the medical condition and disputed items/services.")
    if rng.random() < 0.7:
        parts.append("He/she is familiar with governing laws and regulations, including the strength of evidence "
                     "hierarchy that applies to Independent Medical Review determinations.")
    return " ".join(parts)


def credentials(case: Case) -> list[str]:
    """The 2016 credentials lines: the lead, "State(s) of Licensure:" and "Certification(s)/Specialty:"."""
    return ["The Expert Reviewer has the following credentials:",
            f"State(s) of Licensure: {(',' if len(case.licensure) > 2 else ', ').join(case.licensure)}",
            f"Certification(s)/Specialty: {', '.join(case.written_specialties)}"]


def summary(case: Case, rng: random.Random) -> list[str]:
    """The clinical case summary, as paragraphs."""
    doi = case.dates["date_of_injury"]
    who = {"2016": "The applicant is", "notice": "The employee is", "review": "The injured worker is"}.get(
        case.style, rng.choice(("This is", "The patient is")))
    written_doi = long(doi) if case.style == "2016" else short(doi) if case.style == "notice" else us(doi)
    intro = (f"{who} a {case.age}-year-old {case.sex} {rng.choice(OCCUPATIONS)} who sustained an industrial injury "
             f"on {written_doi} while {rng.choice(MECHANISMS)}.")
    labels = [text for text, _ in case.diagnoses]
    dx = rng.choice(("Diagnoses include {}.", "The diagnoses include {}.", "The applicant has been diagnosed with {}."
                     if case.style == "2016" else "Diagnoses include {}."))
    prior = rng.choice(("Prior treatment has included {}.", "Treatment to date has included {}.",
                        "Previous treatment has included {}."))
    report = case.dates["ur_denial_date"]
    seen = date.fromordinal(report.toordinal() - rng.randint(7, 60))
    written_seen = long(seen) if case.style == "2016" else us(seen)
    symptom = rng.choice(case.profile.symptoms)
    clinical = (f"The progress report dated {written_seen} documents {symptom} rated {rng.randint(4, 9)}/10, with "
                f"{rng.choice(FUNCTION)}. Examination showed {rng.choice(FINDINGS)}. The treating physician requested "
                f"{join([lower(i.request) for i in case.items], rng)}.")
    ur = f"Utilization review dated {us(report)} non-certified the request{'s' if len(case.items) > 1 else ''}."
    first = " ".join([intro, dx.format(join(labels, rng)), prior.format(join(case.prior, rng))])
    if rng.random() < 0.5:
        return [first, f"{clinical} {ur}"]
    return [f"{first} {clinical} {ur}"]


def rationale(case: Case, item: Item, rng: random.Random) -> str:
    """The reviewer's reasons for one item, ending with the conclusion in the layout's wording."""
    source = item.reviewer[0]
    name = {"cpmtg": "MTUS Chronic Pain Medical Treatment Guidelines", "acoem": "ACOEM guidelines",
            "odg": "Official Disability Guidelines", "acoem3": "ACOEM guidelines", "acupuncture":
            "MTUS Acupuncture Medical Treatment Guidelines",
            "postsurgical": "MTUS Postsurgical Treatment Guidelines",
            "opioids": "MTUS Opioids Treatment Guidelines"}.get(source.kind, "cited guidelines")
    label = "compounded topical analgesics" if item.treatment_id == "compound" else item.treatment
    if rng.random() < 0.4:
        opening = (f"The {name} state, {_LQ}{cap(label)} is recommended as an option when there is documented "
                   f"functional improvement and a clear treatment goal.{_RQ}")
    else:
        opening = (f"The {name} support {label} when conservative care has been tried and the goals of care are "
                   "documented.")
    reasons = rng.choice(_AGAINST if item.decision == "Upheld" else _FOR)
    negation = "not " if item.decision == "Upheld" else ""
    request = lower(item.request)
    if case.style == "2016":
        conclusion = f"Therefore, the request was {negation}medically necessary."
    elif case.style == "notice":
        conclusion = f"The request for {request} is {negation}medically necessary and appropriate."
    elif case.style == "review":
        conclusion = f"The request for {request} is {negation}medically necessary."
    else:
        conclusion = f"Therefore, the request for {request} is {negation}medically necessary" + (
            " and appropriate." if rng.random() < 0.3 else ".")
    return f"{opening} {reasons} {conclusion}"


def documents(case: Case, rng: random.Random) -> list[str]:
    """A few entries of a documents-reviewed list."""
    ur, doi = case.dates["ur_denial_date"], case.dates["date_of_injury"]
    earlier, later = date.fromordinal(ur.toordinal() - 90), date.fromordinal(ur.toordinal() - 12)
    first_report = date.fromordinal(doi.toordinal() + 3)
    docs = [f"Utilization review determination dated {us(ur)}",
            f"Progress reports dated {us(earlier)} through {us(later)}",
            f"Doctor{_APOS}s first report of occupational injury dated {us(first_report)}, listing diagnoses of sprain",
            f"Application for Independent Medical Review received {us(case.dates['application_received'])}"]
    rng.shuffle(docs)
    return docs[:rng.randint(2, 4)]
