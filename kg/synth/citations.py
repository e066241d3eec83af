"""Guideline citations of synthetic letters: which sources an item cites, and each source as a letter writes it.

A :class:`Source` is one guideline document with its chapter, topic and pages. :func:`sources_for` picks the
reviewer's and the claims administrator's sources for an item; :func:`statement` writes them in the wording
of a letter style ("2014": "Decision based on MTUS ... pages 76-80", "2016": "Decision based on MTUS ...
2016, Section(s): ...", "notice": "The Expert Reviewer relied on ..., which is part of the MTUS", "review":
the professional review form's list), and :func:`gold` gives the gold citation that style lets a reader find.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

#: MTUS ACOEM chapters: number -> (title, 2016-style document name, {kind: (section, pages)}).
ACOEM: dict[int, tuple[str, str, dict[str, tuple[str, str | None]]]] = {
    7: ("Independent Medical Examinations and Consultations", "Independent Medical Examinations and Consultations 2004",
        {"care": ("Consultation", "127")}),
    8: ("Neck and Upper Back Complaints", "Neck and Upper Back Complaints 2004",
        {"imaging": ("Special Studies", "177-178"), "surgery": ("Surgical Considerations", "179-180"),
         "care": ("Initial Care", "173-174")}),
    9: ("Shoulder Complaints", "Shoulder Complaints 2004",
        {"imaging": ("Special Studies", "207-209"), "surgery": ("Surgical Considerations", "209-211"),
         "care": ("Initial Care", "203-205")}),
    10: ("Elbow Disorders", "Elbow Disorders 2007",
         {"imaging": ("Special Studies", None), "surgery": ("Surgical Considerations", None),
          "care": ("Initial Care", None)}),
    11: ("Forearm, Wrist, and Hand Complaints", "Forearm, Wrist, and Hand Complaints 2004",
         {"imaging": ("Special Studies", "268-269"), "surgery": ("Surgical Considerations", "270-271"),
          "care": ("Initial Care", "263-265")}),
    12: ("Low Back Complaints", "Low Back Complaints 2004",
         {"imaging": ("Special Studies", "303-305"), "surgery": ("Surgical Considerations", "305-307"),
          "care": ("Physical Methods", "298-300")}),
    13: ("Knee Complaints", "Knee Complaints 2004",
         {"imaging": ("Special Studies", "341-343"), "surgery": ("Surgical Considerations", "344-345"),
          "care": ("Initial Care", "337-339")}),
    14: ("Ankle and Foot Complaints", "Ankle and Foot Complaints 2004",
         {"imaging": ("Special Studies", "374-375"), "surgery": ("Surgical Considerations", "374-375"),
          "care": ("Initial Care", "369-371")}),
    15: ("Stress-Related Conditions", "Stress-Related Conditions 2004", {"care": ("Treatment", "398-404")}),
    16: ("Eye", "Eye 2004", {"imaging": ("Special Studies", None), "surgery": ("Surgical Considerations", None),
                             "care": ("Initial Care", None)}),
}
#: ODG chapters by case profile: (short name, full name).
ODG: dict[str, tuple[str, str]] = {
    "lumbar": ("Low Back", "Low Back - Lumbar & Thoracic (Acute & Chronic)"),
    "thoracic": ("Low Back", "Low Back - Lumbar & Thoracic (Acute & Chronic)"),
    "cervical": ("Neck and Upper Back", "Neck and Upper Back (Acute & Chronic)"),
    "shoulder": ("Shoulder", "Shoulder (Acute & Chronic)"),
    "knee": ("Knee & Leg", "Knee & Leg (Acute & Chronic)"),
    "wrist": ("Forearm, Wrist & Hand", "Forearm, Wrist & Hand (Acute & Chronic)"),
    "elbow": ("Elbow", "Elbow (Acute & Chronic)"),
    "ankle": ("Ankle & Foot", "Ankle & Foot (Acute & Chronic)"),
    "hip": ("Hip & Pelvis", "Hip & Pelvis (Acute & Chronic)"),
    "psych": ("Mental Illness & Stress", "Mental Illness & Stress"),
    "head": ("Head", "Head"), "pain": ("Pain", "Pain (Chronic)"),
    "carpal": ("Carpal Tunnel Syndrome", "Carpal Tunnel Syndrome (Acute & Chronic)"),
    "hernia": ("Hernia", "Hernia"),
    "eye": ("Eye", "Eye Chapter"), "pulmonary": ("Pulmonary", "Pulmonary"),
    "diabetes": ("Diabetes", "Diabetes"),
    "tbi": ("Traumatic Brain Injury", "Traumatic Brain Injury"),
    "formulary": ("Workers' Comp Drug Formulary", "Workers' Comp Drug Formulary"),
}
#: MTUS Chronic Pain Medical Treatment Guidelines sections for a treatment or its drug class.
CPMTG: dict[str, tuple[str, str]] = {
    "opioid": ("Opioids, criteria for use", "76-80"), "tramadol": ("Tramadol (Ultram)", "113"),
    "nsaid": ("NSAIDs (non-steroidal anti-inflammatory drugs)", "67-68"),
    "proton-pump-inhibitor": ("NSAIDs, GI symptoms & cardiovascular risk", "68-69"),
    "h2-blocker": ("NSAIDs, GI symptoms & cardiovascular risk", "68-69"),
    "muscle-relaxant": ("Muscle relaxants (for pain)", "63-66"),
    "anticonvulsant": ("Antiepilepsy drugs (AEDs)", "16-22"),
    "antidepressant": ("Antidepressants for chronic pain", "13-16"),
    "topical-analgesic": ("Topical Analgesics", "111-113"),
    "lidocaine-patch": ("Lidoderm (lidocaine patch)", "56-57"), "capsaicin": ("Capsaicin, topical", "28-29"),
    "benzodiazepine": ("Benzodiazepines", "24"), "laxative": ("Initiating Therapy", "77"),
    "glucosamine": ("Glucosamine (and Chondroitin Sulfate)", "50"),
    "physical-therapy": ("Physical Medicine", "98-99"),
    "therapeutic-exercise": ("Exercise", "46-47"), "home-exercise-program": ("Exercise", "46-47"),
    "occupational-therapy": ("Physical Medicine", "98-99"), "massage-therapy": ("Massage therapy", "60"),
    "chiropractic-treatment": ("Manual therapy & manipulation", "58-59"),
    "manual-therapy": ("Manual therapy & manipulation", "58-59"),
    "aquatic-therapy": ("Aquatic therapy", "22"),
    "tens-unit": ("Transcutaneous electrotherapy", "114-116"),
    "tens-supplies": ("Transcutaneous electrotherapy", "114-116"),
    "interferential-unit": ("Interferential Current Stimulation (ICS)", "118-120"),
    "h-wave-unit": ("H-wave stimulation (HWT)", "117-118"),
    "epidural-steroid-injection": ("Epidural steroid injections (ESIs)", "46"),
    "transforaminal-epidural-steroid-injection": ("Epidural steroid injections (ESIs)", "46"),
    "interlaminar-epidural-steroid-injection": ("Epidural steroid injections (ESIs)", "46"),
    "caudal-epidural-steroid-injection": ("Epidural steroid injections (ESIs)", "46"),
    "trigger-point-injection": ("Trigger point injections", "122"),
    "functional-restoration-program": ("Functional restoration programs (FRPs)", "30-32"),
    "multidisciplinary-pain-program": ("Functional restoration programs (FRPs)", "30-32"),
    "frp-evaluation": ("Functional restoration programs (FRPs)", "30-32"),
    "behavioral-interventions": ("Behavioral interventions", "23"),
    "cognitive-behavioral-therapy": ("Behavioral interventions", "23"),
    "biofeedback": ("Biofeedback", "24-25"),
    "psychological-evaluation": ("Psychological evaluations", "100-101"),
    "psychological-testing": ("Psychological evaluations", "100-101"),
    "urine-drug-screen": ("Drug testing", "43"),
    "spinal-cord-stimulator": ("Spinal cord stimulators (SCS)", "105-107"),
    "spinal-cord-stimulator-trial": ("Spinal cord stimulators (SCS)", "105-107"),
    "botulinum-toxin-injection": ("Botulinum toxin (Botox, Myobloc)", "25-26"),
    "home-health-care": ("Home health services", "51"), "home-health-aide": ("Home health services", "51"),
    "nursing-services": ("Home health services", "51"),
    "work-conditioning": ("Work conditioning, work hardening", "125"),
    "work-hardening": ("Work conditioning, work hardening", "125"),
    "intrathecal-pump": ("Implantable drug-delivery systems (IDDSs)", "52-54"),
    "ketamine": ("Ketamine", "56"),
    "ketamine-infusion": ("Ketamine", "56"),
}
#: ODG sections for drug classes the MTUS does not cover.
ODG_TOPICS = {"sleep-aid": "Insomnia treatment", "medical-food": "Medical food",
              "antiemetic": "Antiemetics (for opioid nausea)",
              "triptan": "Triptans",
              "oral-corticosteroid": "Corticosteroids (oral/parenteral for low back pain)"}
WEB = (("aetna", "Aetna Clinical Policy Bulletin", "aetna"), ("mdguidelines", "MDGuidelines", "mdguidelines"),
       ("uptodate", "UpToDate", "uptodate"), ("cms", "Centers for Medicare and Medicaid Services", "medicare"))
_CONTAINS = {"cpmtg": ["mtus", "chronic pain"], "acoem": ["mtus", "acoem"], "odg": ["official disability"],
             "acoem3": ["acoem", "3rd"], "acupuncture": ["mtus", "acupuncture"],
             "postsurgical": ["mtus", "postsurgical"],
             "opioids": ["mtus", "opioid"]}


@dataclass(frozen=True)
class Source:
    """One cited guideline: its kind, chapter (ACOEM number as text, ODG profile, ACOEM 3rd chapter or web name),
    topic and pages."""

    kind: str  # cpmtg, acoem, odg, acoem3, acupuncture, postsurgical, opioids, web
    chapter: str | None = None
    topic: str | None = None
    pages: str | None = None


def sources_for(rng: random.Random, treatment_id: str, classes: tuple[str, ...], category: str, label: str,
                odg: str, acoem: int | None, acoem3: str | None, year: int) -> tuple[list[Source], list[Source]]:
    """(reviewer sources, claims administrator sources) for one item; ``odg`` is the key of its ODG chapter."""
    primary = _primary(rng, treatment_id, classes, category, label, odg, acoem, year)
    reviewer = [primary]
    roll = rng.random()
    if roll < 0.25 and primary.kind != "odg":
        reviewer.append(Source("odg", odg, _odg_topic(treatment_id, classes, label)))
    elif roll < 0.32 and acoem3:
        reviewer.append(Source("acoem3", acoem3, None, str(rng.randrange(40, 900))))
    elif roll < 0.37:
        key, _, _ = rng.choice(WEB)
        reviewer.append(Source("web", key, label[0].upper() + label[1:]))
    claims: list[Source] = []
    roll = rng.random()
    if roll < 0.75:
        claims.append(primary)
    elif roll < 0.88:
        claims.append(Source("odg", odg, _odg_topic(treatment_id, classes, label)))
    return reviewer, claims


def _primary(rng: random.Random, treatment_id: str, classes: tuple[str, ...], category: str, label: str,
             odg: str, acoem: int | None, year: int) -> Source:
    if treatment_id == "acupuncture" or treatment_id == "electroacupuncture":
        return Source("acupuncture")
    if treatment_id == "post-operative-physical-therapy":
        return Source("postsurgical", None, {"knee": "Knee", "shoulder": "Shoulder", "wrist": "Carpal tunnel syndrome",
                                             "carpal": "Carpal tunnel syndrome"}.get(odg, "Low back"))
    for key in (treatment_id, *classes):
        if key in CPMTG:
            topic, pages = CPMTG[key]
            if key == "opioid" and year >= 2018 and rng.random() < 0.5:
                return Source("opioids", None, "Opioids, criteria for use", None)
            return Source("cpmtg", None, topic, pages)
    if category == "Pharmaceuticals":
        chapter = "formulary" if year >= 2018 and rng.random() < 0.25 else odg if odg == "diabetes" else "pain"
        return Source("odg", chapter, _odg_topic(treatment_id, classes, label))
    number = 7 if category == "Evaluation and Management" else acoem
    if number is not None and category in ("Imaging", "Surgery", "Injections", "DME", "Physical Medicine",
                                            "Evaluation and Management", "Diagnostic Testing",
                                            "Behavioral Health"):
        kinds = ACOEM[number][2]
        kind = "imaging" if category in ("Imaging", "Diagnostic Testing") else "surgery" if category == "Surgery" \
            else "care"
        section, where = kinds.get(kind) or kinds["care"]
        return Source("acoem", str(number), section, where)
    return Source("odg", odg, _odg_topic(treatment_id, classes, label))


def _odg_topic(treatment_id: str, classes: tuple[str, ...], label: str) -> str:
    for key in (treatment_id, *classes):
        if key in ODG_TOPICS:
            return ODG_TOPICS[key]
    return label[0].upper() + label[1:]


def _acoem_title(source: Source) -> str:
    return ACOEM[int(source.chapter or 0)][0]


def _web(source: Source) -> tuple[str, str]:
    name, key = next((n, k) for code, n, k in WEB if code == source.chapter)
    return name, key


def cite(source: Source, style: str, rng: random.Random, year: int) -> str:
    """One source as a letter of ``style`` writes it (without "Decision based on")."""
    kind, topic, pages = source.kind, source.topic, source.pages
    if style == "2016":
        if kind == "cpmtg":
            return f"Chronic Pain Medical Treatment {2016 if year >= 2017 else 2009}, Section(s): {topic}"
        if kind == "acoem":
            return f"{ACOEM[int(source.chapter or 0)][1]}, Section(s): {topic}"
        if kind == "acupuncture":
            return "Acupuncture Medical Treatment 2007"
        if kind == "postsurgical":
            return f"Postsurgical Treatment 2009, Section(s): {topic}"
        if kind == "opioids":
            return f"Opioid Treatment 2017, Section(s): {topic}"
        if kind == "odg":
            return f"Official Disability Guidelines (ODG), {ODG[source.chapter or 'pain'][1]}, {topic}"
        if kind == "acoem3":
            return f"ACOEM Occupational Medicine Practice Guidelines, 3rd ed., {source.chapter}, pg. {pages}"
        return f"{_web(source)[0]}, {topic}"
    notice = style == "notice"
    page_word = "pages" if pages and "-" in pages else "page"
    if kind == "cpmtg":
        if notice:
            return (f"the Chronic Pain Medical Treatment Guidelines (2009), {topic}, {page_word} {pages}, "
                    "which is part of the MTUS")
        if style == "2014" and rng.random() < 0.4:
            return f"MTUS Chronic Pain Medical Treatment Guidelines {topic} Page(s): {pages}"
        return f"MTUS Chronic Pain Medical Treatment Guidelines, {topic}, {page_word} {pages}"
    if kind == "acoem":
        title = f"Chapter {source.chapter} {_acoem_title(source)}"
        where = f", {page_word} {pages}" if pages else ""
        if notice:
            lead = ("the American College of Occupational and Environmental Medicine (ACOEM) Practice Guidelines, "
                    "2nd Edition (2004)" if rng.random() < 0.5 else "the MTUS ACOEM Practice Guidelines")
            return f"{lead}, {title}, {topic}{where}, which is part of the MTUS"
        if style == "2014" and rng.random() < 0.4 and pages:
            return f"MTUS ACOEM {title}, {topic} Page(s): {pages}"
        return f"MTUS ACOEM Practice Guidelines, {title}, {topic}{where}"
    if kind == "acupuncture":
        if notice:
            return "the Acupuncture Medical Treatment Guidelines (2009), which is part of the MTUS"
        if style == "review":
            return "MTUS Acupuncture Medical Treatment Guidelines, Frequency and duration of treatment"
        return "MTUS Acupuncture Medical Treatment Guidelines"
    if kind in ("postsurgical", "opioids"):
        name = "Postsurgical Treatment Guidelines" if kind == "postsurgical" else "Opioids Treatment Guidelines"
        year_written = 2009 if kind == "postsurgical" else 2017
        return f"the {name} ({year_written}), {topic}, which is part of the MTUS" if notice else f"MTUS {name}, {topic}"
    if kind == "odg":
        short = ODG[source.chapter or "pain"][0]
        body = f"Official Disability Guidelines (ODG), {short} Chapter, {topic}"
        if notice:
            return f"the {body}, which is not part of the MTUS"
        return body if style == "review" else f"Non-MTUS Citation {body}"
    if kind == "acoem3":
        body = f"ACOEM Practice Guidelines, 3rd Edition, {source.chapter}, page {pages}"
        if notice:
            return f"the {body}, which is not part of the MTUS"
        return body if style == "review" else f"Non-MTUS Citation {body}"
    name = _web(source)[0]
    if notice:
        return f"the {name}, {topic}, which is not part of the MTUS"
    return f"{name}, {topic}" if style == "review" else f"Non-MTUS Citation {name}, {topic}"


def statement(sources: list[Source], style: str, who: str, rng: random.Random, year: int) -> str:
    """The whole guideline statement of the reviewer (``who`` "reviewer") or the claims administrator."""
    if not sources:
        if style == "notice":
            return "The Claims Administrator did not cite any evidence-based criteria for its decision."
        return "The Claims Administrator did not cite any medical evidence for its decision."
    if style == "notice":
        lead = ("The Claims Administrator based its decision on " if who == "claims"
                else "The Expert Reviewer relied on ")
        return lead + ", and ".join(cite(s, style, rng, year) for s in sources) + "."
    if style == "review":
        return "; ".join(cite(s, style, rng, year) for s in sources) + "."
    if style == "2016":
        mtus = [s for s in sources if s.kind in ("cpmtg", "acoem", "acupuncture", "postsurgical", "opioids")]
        other = [s for s in sources if s not in mtus]
        sentences = []
        if mtus:
            sentences.append("Decision based on MTUS " + ", and ".join(cite(s, style, rng, year) for s in mtus) + ".")
        if other:
            sentences.append("Decision based on Non-MTUS Citation " + ", and Other Medical Treatment Guidelines "
                             .join(cite(s, style, rng, year) for s in other) + ".")
        return " ".join(sentences)
    if len(sources) > 1 and rng.random() < 0.5:
        return " ".join(f"Decision based on {cite(s, style, rng, year)}." for s in sources)
    return "Decision based on " + "; ".join(cite(s, style, rng, year) for s in sources) + "."


def gold(source: Source, style: str) -> dict[str, Any]:
    """The gold citation for ``source`` written in ``style``: guideline words, topic words and pages."""
    if source.kind == "web":
        contains = [_web(source)[1]]
    else:
        contains = list(_CONTAINS[source.kind])
    topics: list[str] = []
    if source.kind == "acoem3":
        topics = [str(source.chapter).lower()]
    elif source.kind == "acupuncture":
        topics = ["frequency and duration"] if style == "review" else []
    elif source.topic:
        topics = [source.topic.lower()]
    pages = source.pages
    if style == "2016" and source.kind in ("cpmtg", "acoem", "acupuncture", "postsurgical", "opioids"):
        pages = None
    return {"contains": contains, "topic_any": topics, "pages": pages}


def claims_gold(sources: list[Source]) -> list[str]:
    """Words every claims administrator citation of the gold must show."""
    words: list[str] = []
    for source in sources:
        for word in (_CONTAINS.get(source.kind) or [_web(source)[1]]):
            if word not in words:
                words.append(word)
    return words
