"""Data behind synthetic letters: shares, case profiles, diagnoses, treatment hints and guideline sources.

The shares follow the published IMR figures: pharmaceuticals are about a third of the disputed items,
physical medicine the next largest group, and about one item in nine is overturned. Diagnoses are a
small list of common workers' compensation diagnoses with their ICD-10-CM codes; treatments, body
regions, sides, guidelines and specialties come from the project's vocabularies.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: Share of disputed items per treatment category.
CATEGORY_SHARES: dict[str, float] = {
    "Pharmaceuticals": 0.33, "Physical Medicine": 0.17, "Injections": 0.09, "Imaging": 0.08, "DME": 0.08,
    "Diagnostic Testing": 0.06, "Surgery": 0.06, "Evaluation and Management": 0.06, "Behavioral Health": 0.03,
    "Home Health": 0.02, "Programs": 0.01, "Other": 0.01,
}
#: Relative odds of an overturn per category (scaled so that the overall rate is the one asked for).
OVERTURN_ODDS: dict[str, float] = {
    "Pharmaceuticals": 0.85, "Physical Medicine": 1.1, "Injections": 1.0, "Imaging": 1.3, "DME": 0.9,
    "Diagnostic Testing": 1.0, "Surgery": 1.4, "Evaluation and Management": 1.5, "Behavioral Health": 1.2,
    "Home Health": 0.8, "Programs": 0.8, "Other": 0.6,
}
#: Weights of 1, 2, 3, 4 and 5 items in a letter.
ITEM_COUNT_WEIGHTS = (0.45, 0.28, 0.14, 0.08, 0.05)
LAYOUT_SHARES = {"determination": 0.70, "notice": 0.10, "docs": 0.10, "review": 0.10}
FORMAT_SHARES = {"md": 0.35, "txt": 0.35, "html": 0.25, "pdf": 0.05}

#: Reviewer specialties seen most often; every other specialty of the vocabulary has weight 0.2.
SPECIALTY_WEIGHTS: dict[str, float] = {
    "Physical Medicine and Rehabilitation": 10, "Orthopedic Surgery": 9, "Pain Medicine": 6,
    "Occupational Medicine": 6, "Family Practice": 5, "Internal Medicine": 4, "Anesthesiology": 4,
    "Preventive Medicine": 3, "Chiropractic": 3, "Psychiatry": 2, "Psychology": 2, "Neurology": 1.5,
    "Sports Medicine": 1.5, "Hand Surgery": 1, "Spine Surgery": 1, "Neurological Surgery": 1,
    "Emergency Medicine": 1, "Acupuncture": 1, "Podiatry": 0.7,
}
#: How a credentials list may spell a specialty (the vocabulary's label is the gold).
SPECIALTY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "Physical Medicine and Rehabilitation": ("Physical Medicine & Rehabilitation",),
    "Pain Medicine": ("Pain Management",), "Orthopedic Surgery": ("Orthopaedic Surgery",),
    "Family Practice": ("Family Medicine",),
}
STATES = ("California", "Texas", "New York", "Arizona", "Florida", "Washington", "Oregon", "Nevada", "Illinois")


@dataclass(frozen=True)
class Diagnosis:
    """A diagnosis as a letter writes it ({side} filled in) and its ICD-10-CM code per side."""

    text: str
    codes: dict[str, str]  # side ("right", "left", "bilateral" or "" for none) -> code
    both: str | None = None  # how the diagnosis of both sides is written

    def written(self, side: str | None) -> tuple[str, str]:
        """(text, ICD-10-CM code) of the diagnosis on ``side`` (the right side when that side has no code)."""
        if "" in self.codes:
            return self.text, self.codes[""]
        key = side if side in self.codes else "right"
        if key == "bilateral" and self.both:
            return self.both, self.codes[key]
        return self.text.replace("{side}", key), self.codes[key]


def _dx(text: str, code: str) -> Diagnosis:
    return Diagnosis(text, {"": code})


def _sided(text: str, right: str, left: str, bilateral: str | None = None, both: str | None = None) -> Diagnosis:
    codes = {"right": right, "left": left}
    if bilateral:
        codes["bilateral"] = bilateral
    return Diagnosis(text, codes, both)


@dataclass(frozen=True)
class Profile:
    """The body part a case is about: its region, diagnoses and the guideline chapters that cover it."""

    name: str
    region: str | None  # body-region concept id
    sided: bool
    diagnoses: tuple[Diagnosis, ...]
    acoem: int | None  # MTUS ACOEM chapter number
    odg: str  # ODG chapter as letters write it
    acoem3: str | None  # ACOEM 3rd edition chapter
    symptoms: tuple[str, ...] = field(default=())


PROFILES: dict[str, tuple[float, Profile]] = {
    "lumbar": (0.32, Profile("lumbar", "lumbar-spine", False, (
        _dx("lumbar radiculopathy", "M54.16"), _dx("lumbar disc displacement", "M51.26"),
        _dx("lumbar spinal stenosis", "M48.061"), _dx("lumbar spondylosis", "M47.816"),
        _dx("lumbar sprain", "S33.5"), _dx("lumbar strain", "S39.012"), _dx("low back pain", "M54.50"),
        _dx("post-laminectomy syndrome", "M96.1"), _dx("spondylolisthesis of the lumbar region", "M43.16"),
        _dx("lumbosacral radiculopathy", "M54.17"), _dx("sacroiliitis", "M46.1")),
        12, "Low Back - Lumbar & Thoracic (Acute & Chronic)", "Low Back Disorders",
        ("low back pain radiating to the legs", "axial low back pain", "low back pain with numbness in the foot"))),
    "cervical": (0.14, Profile("cervical", "cervical-spine", False, (
        _dx("cervicalgia", "M54.2"), _dx("cervical radiculopathy", "M54.12"),
        _dx("cervical disc herniation", "M50.20"), _dx("cervical spondylosis", "M47.812"),
        _dx("cervical sprain", "S13.4"), _dx("cervical strain", "S16.1"), _dx("cervical disc degeneration", "M50.30")),
        8, "Neck and Upper Back (Acute & Chronic)", "Cervical and Thoracic Spine Disorders",
        ("neck pain radiating to the arm", "neck pain with headaches", "neck stiffness and arm numbness"))),
    "thoracic": (0.02, Profile("thoracic", "thoracic-spine", False, (
        _dx("thoracic spine pain", "M54.6"), _dx("thoracic strain", "S29.012")),
        8, "Low Back - Lumbar & Thoracic (Acute & Chronic)", "Cervical and Thoracic Spine Disorders",
        ("mid back pain", "upper back pain with muscle spasm"))),
    "shoulder": (0.14, Profile("shoulder", "shoulder", True, (
        _sided("{side} shoulder impingement syndrome", "M75.41", "M75.42"),
        _sided("rotator cuff tear of the {side} shoulder", "M75.101", "M75.102"),
        _sided("adhesive capsulitis of the {side} shoulder", "M75.01", "M75.02"),
        _sided("pain in the {side} shoulder", "M25.511", "M25.512")),
        9, "Shoulder (Acute & Chronic)", "Shoulder Disorders",
        ("shoulder pain with overhead reaching", "shoulder pain at night", "weakness lifting the arm"))),
    "knee": (0.12, Profile("knee", "knee", True, (
        _sided("primary osteoarthritis of the {side} knee", "M17.11", "M17.12", "M17.0",
               "bilateral primary osteoarthritis of knee"),
        _sided("pain in the {side} knee", "M25.561", "M25.562"),
        _sided("tear of the medial meniscus of the {side} knee", "S83.241", "S83.242"),
        _sided("chondromalacia patellae of the {side} knee", "M22.41", "M22.42")),
        13, "Knee & Leg (Acute & Chronic)", "Knee Disorders",
        ("knee pain with stairs", "knee swelling and locking", "knee pain with prolonged standing"))),
    "wrist": (0.08, Profile("wrist", "wrist", True, (
        _sided("{side} carpal tunnel syndrome", "G56.01", "G56.02", "G56.03"),
        _dx("de Quervain's tenosynovitis", "M65.4")),
        11, "Forearm, Wrist & Hand (Acute & Chronic)", "Hand, Wrist, and Forearm Disorders",
        ("numbness and tingling in the hand", "wrist pain with gripping", "night waking from hand numbness"))),
    "elbow": (0.04, Profile("elbow", "elbow", True, (
        _sided("{side} lateral epicondylitis", "M77.11", "M77.12"),
        _sided("{side} cubital tunnel syndrome", "G56.21", "G56.22")),
        10, "Elbow (Acute & Chronic)", "Elbow Disorders",
        ("lateral elbow pain with gripping", "elbow pain and numbness in the small finger"))),
    "ankle": (0.05, Profile("ankle", "ankle", True, (
        _sided("sprain of the {side} ankle", "S93.401", "S93.402"), _dx("plantar fasciitis", "M72.2")),
        14, "Ankle & Foot (Acute & Chronic)", "Ankle and Foot Disorders",
        ("ankle pain with walking", "heel pain on the first steps in the morning"))),
    "hip": (0.03, Profile("hip", "hip", True, (
        _sided("{side} hip osteoarthritis", "M16.11", "M16.12"),),
        None, "Hip & Pelvis (Acute & Chronic)", "Hip and Groin Disorders",
        ("groin pain with walking", "hip pain getting out of a chair"))),
    "psych": (0.03, Profile("psych", None, False, (
        _dx("major depressive disorder, single episode, moderate", "F32.1"),
        _dx("generalized anxiety disorder", "F41.1"), _dx("post-traumatic stress disorder", "F43.10")),
        15, "Mental Illness & Stress", None,
        ("low mood and poor sleep", "anxiety and nightmares", "poor concentration and irritability"))),
    "head": (0.03, Profile("head", "head", False, (
        _dx("headache", "R51.9"), _dx("cervicalgia", "M54.2")),
        8, "Head", None, ("daily headaches", "headaches with light sensitivity"))),
}
#: Diagnoses that come with many injuries, added now and then.
COMORBID = (
    _dx("chronic pain syndrome", "G89.4"), _dx("myalgia", "M79.10"), _dx("gastroesophageal reflux disease", "K21.9"),
    _dx("hypertension", "I10"), _dx("obesity", "E66.9"), _dx("insomnia", "G47.00"), _dx("depression", "F32.A"),
    _dx("anxiety", "F41.9"), _dx("opioid dependence", "F11.20"), _dx("constipation", "K59.00"),
    _dx("fibromyalgia", "M79.7"),
)
PRIOR_TREATMENTS = (
    "physical therapy", "home exercise program", "chiropractic treatment", "acupuncture", "massage therapy",
    "medications", "activity modification", "ice and heat", "a TENS unit", "trigger point injections",
    "epidural steroid injections", "naproxen", "ibuprofen", "gabapentin", "cyclobenzaprine", "tramadol",
    "hydrocodone/acetaminophen", "meloxicam", "topical creams", "aquatic therapy",
    "corticosteroid injections",
    "cognitive behavioral therapy", "bracing", "work restrictions",
)
OCCUPATIONS = (
    "warehouse worker", "truck driver", "nurse", "certified nursing assistant", "carpenter", "electrician",
    "cashier", "school custodian", "landscaper", "office assistant", "police officer", "firefighter",
    "cook", "hotel housekeeper", "forklift operator", "data entry clerk", "bus driver", "mechanic",
    "delivery driver", "teacher", "farm worker", "machine operator", "security guard", "plumber",
)
MECHANISMS = (
    "lifting a heavy box", "slipping on a wet floor", "pulling a pallet jack", "falling from a ladder",
    "transferring a patient", "doing repetitive keyboard work", "carrying building materials",
    "driving a van that was struck from behind", "twisting while unloading a truck", "tripping over a hose",
    "gripping tools on an assembly line", "restraining a combative person", "stocking overhead shelves",
)
FINDINGS = (
    "tenderness to palpation and decreased range of motion", "muscle spasm and guarding",
    "a positive straight leg raise", "intact strength and sensation",
    "decreased sensation in a dermatomal pattern",
    "a mildly antalgic gait", "pain with resisted motion", "a positive impingement sign",
)
FUNCTION = (
    "difficulty with prolonged sitting", "limited walking tolerance", "trouble sleeping through the night",
    "difficulty lifting more than ten pounds", "reduced tolerance for household chores",
)

#: Treatments that belong to one region whatever the case is about (treatment id -> body-region id).
REGION_HINTS: dict[str, str] = {
    "carpal-tunnel-release": "wrist", "de-quervain-release": "wrist", "tfcc-repair": "wrist",
    "ganglion-cyst-excision": "wrist", "trigger-finger-release": "hand", "cubital-tunnel-release": "elbow",
    "lateral-epicondyle-release": "elbow", "ulnar-nerve-transposition": "elbow", "tenotomy": "elbow",
    "rotator-cuff-repair": "shoulder", "subacromial-decompression": "shoulder",
    "distal-clavicle-excision": "shoulder",
    "biceps-tenodesis": "shoulder", "labral-repair": "shoulder", "total-shoulder-arthroplasty": "shoulder",
    "capsular-release": "shoulder", "acl-reconstruction": "knee", "meniscectomy": "knee",
    "meniscus-repair": "knee",
    "total-knee-arthroplasty": "knee", "unicompartmental-knee-arthroplasty": "knee", "chondroplasty": "knee",
    "manipulation-under-anesthesia": "knee", "total-hip-arthroplasty": "hip", "bunionectomy": "foot",
    "plantar-fascia-release": "foot", "tendon-repair": "ankle", "acdf": "cervical-spine",
    "cervical-fusion": "cervical-spine", "lumbar-fusion": "lumbar-spine", "laminectomy": "lumbar-spine",
    "laminotomy": "lumbar-spine", "discectomy": "lumbar-spine", "foraminotomy": "lumbar-spine",
    "spinal-decompression-surgery": "lumbar-spine", "spinal-fusion": "lumbar-spine",
    "kyphoplasty": "thoracic-spine",
    "vertebroplasty": "thoracic-spine", "disc-arthroplasty": "cervical-spine", "sacroiliac-joint-fusion":
    "sacroiliac-joint", "hernia-repair": "groin", "sacroiliac-joint-injection": "sacroiliac-joint",
    "occipital-nerve-block": "head", "genicular-nerve-block": "knee", "suprascapular-nerve-block": "shoulder",
    "intercostal-nerve-block": "chest", "viscosupplementation": "knee", "back-brace": "lumbar-spine",
    "home-traction-unit": "cervical-spine", "foot-orthotics": "foot", "orthopedic-shoes": "foot",
    "ankle-foot-orthosis": "ankle", "hand-therapy": "hand", "dental-treatment": "teeth",
    "dental-consultation": "teeth", "ophthalmology-consultation": "eye", "ent-consultation": "ear",
    "hearing-aid": "ear", "doppler-ultrasound": "lower-extremity", "pulmonary-function-test": "lung",
    "cardiology-consultation": "heart", "echocardiogram": "heart", "electroencephalogram": "brain",
    "bone-density-scan": "spine", "whirlpool": "hand", "paraffin-bath": "hand",
}
#: Spinal treatments written with levels ("at L4-L5").
SPINE_LEVEL_TREATMENTS = frozenset({
    "epidural-steroid-injection", "transforaminal-epidural-steroid-injection",
    "interlaminar-epidural-steroid-injection", "facet-joint-injection", "medial-branch-block",
    "radiofrequency-ablation", "selective-nerve-root-block", "laminectomy", "laminotomy", "discectomy",
    "foraminotomy", "lumbar-fusion", "acdf", "cervical-fusion", "spinal-fusion",
})
LEVELS = {"lumbar-spine": ("L3-L4", "L4-L5", "L5-S1", "L4-5, L5-S1", "L4-L5 and L5-S1"),
          "cervical-spine": ("C4-C5", "C5-C6", "C6-C7", "C5-C6 and C6-C7")}
#: Treatments whose nerve tests cover limbs: written "of the bilateral lower extremities".
LIMB_TESTS = frozenset({"electromyography", "emg-ncv", "nerve-conduction-study", "evoked-potentials", "surface-emg"})
#: Sided body regions and how letters write both sides.
PLURALS: dict[str, str] = {
    "knee": "knees", "shoulder": "shoulders", "wrist": "wrists", "hand": "hands", "elbow": "elbows",
    "ankle": "ankles", "foot": "feet", "hip": "hips", "lower extremity": "lower extremities",
    "upper extremity": "upper extremities", "thumb": "thumbs", "heel": "heels",
}
SIDED_REGIONS = frozenset({
    "ankle", "elbow", "finger", "foot", "forearm", "hand", "heel", "hip", "knee", "lower-extremity",
    "lower-leg",
    "shoulder", "thigh", "thumb", "upper-arm", "upper-extremity", "wrist", "wrist-and-hand", "great-toe",
    "toe",
    "clavicle", "scapula", "eye", "ear", "sacroiliac-joint", "buttock",
})
#: Body regions drawn for an item away from the case's own region, with weights (every other region 0.03).
OTHER_REGIONS: dict[str, float] = {
    "lumbar-spine": 4, "cervical-spine": 2.5, "shoulder": 2.5, "knee": 2.5, "wrist": 1.5, "thoracic-spine": 1,
    "hand": 1, "elbow": 1, "ankle": 1, "foot": 1, "hip": 1, "lower-extremity": 0.8, "upper-extremity": 0.8,
}
#: Strengths by drug (treatment id) or drug class; other drugs use DEFAULT_STRENGTHS.
STRENGTHS: dict[str, tuple[str, ...]] = {
    "cyclobenzaprine": ("5 mg", "7.5 mg", "10 mg"), "tizanidine": ("2 mg", "4 mg"),
    "methocarbamol": ("500 mg", "750 mg"), "carisoprodol": ("350 mg",), "baclofen": ("10 mg", "20 mg"),
    "gabapentin": ("300 mg", "600 mg", "800 mg"), "pregabalin": ("50 mg", "75 mg", "150 mg"),
    "tramadol": ("50 mg", "100 mg", "150 mg"), "naproxen": ("500 mg", "550 mg"),
    "ibuprofen": ("600 mg", "800 mg"), "meloxicam": ("7.5 mg", "15 mg"), "celecoxib": ("100 mg", "200 mg"),
    "diclofenac": ("50 mg", "75 mg", "100 mg"), "omeprazole": ("20 mg", "40 mg"), "pantoprazole": ("20 mg", "40 mg"),
    "zolpidem": ("5 mg", "10 mg", "12.5 mg"), "duloxetine": ("30 mg", "60 mg"), "oxycodone": ("5 mg", "10 mg", "15 mg"),
    "morphine": ("15 mg", "30 mg", "60 mg"), "tapentadol": ("50 mg", "100 mg"), "buprenorphine": ("2 mg", "8 mg"),
    "amitriptyline": ("10 mg", "25 mg"), "nortriptyline": ("10 mg", "25 mg"), "trazodone": ("50 mg", "100 mg"),
    "ondansetron": ("4 mg", "8 mg"),
    "opioid": ("5 mg", "10 mg", "15 mg", "30 mg"), "nsaid": ("200 mg", "400 mg", "500 mg"),
    "muscle-relaxant": ("5 mg", "10 mg", "500 mg"), "anticonvulsant": ("25 mg", "100 mg", "300 mg"),
    "benzodiazepine": ("0.5 mg", "1 mg", "2 mg"), "sleep-aid": ("3 mg", "5 mg", "10 mg"),
    "proton-pump-inhibitor": ("20 mg", "40 mg"), "antidepressant": ("10 mg", "25 mg", "50 mg"),
}
DEFAULT_STRENGTHS = ("5 mg", "10 mg", "20 mg", "25 mg", "50 mg", "100 mg")
#: Other ways letters name a region (besides the vocabulary's preferred label).
REGION_WORDS: dict[str, tuple[str, ...]] = {
    "lumbar-spine": ("low back", "lower back", "lumbosacral spine"),
    "cervical-spine": ("neck", "cervical spine (neck)"),
    "thoracic-spine": ("mid back", "upper back"), "knee": ("knee joint",), "lower-extremity": ("lower limb",),
    "upper-extremity": ("upper limb",), "sacroiliac-joint": ("SI joint",),
    "jaw": ("temporomandibular joint",),
}
COMPOUND_DRUGS = ("flurbiprofen", "lidocaine", "cyclobenzaprine", "gabapentin", "ketoprofen", "capsaicin", "menthol",
                  "baclofen", "amitriptyline", "tramadol")
