"""A synthetic case written out as a letter of one of the four known layouts, as a list of blocks.

A :class:`Block` is a title, the header table, a section heading, a paragraph (possibly led by a bold
label), a list, a run of lines or an item heading with its decision; :mod:`kg.synth.render` turns the
blocks into Markdown, plain text, HTML or PDF. The wording follows the published letters: the
2014-2017 determination (the 2016 form with its credentials list, eligible-portion items and
"Decision based on MTUS ... Section(s):" citations), the 2013 notice, the MAXIMUS letters with a
documents-reviewed list, and the medical professional review form.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from kg.synth import citations, prose
from kg.synth.cases import Case
from kg.synth.items import Item
from kg.synthetic import MARKER


@dataclass
class Block:
    """One part of a letter; ``kind`` says which fields matter."""

    kind: str  # marker, title, header, heading, para, list, lines, item
    text: str = ""
    label: str | None = None  # a paragraph's bold lead ("Decision rationale:")
    own_line: bool = False  # the label stands on its own line, the text below it
    rows: list[list[tuple[str, str]]] = field(default_factory=list)  # header rows of (label, value)
    entries: list[str] = field(default_factory=list)  # list entries or lines
    numbered: str = ""  # list marker style: "1.", "1)" or "" (bullets)
    decision: str | None = None  # an item heading's decision
    same_line: bool = False  # "heading: Upheld" on one line
    split: bool = False  # may break across pages with a blank line


def build(case: Case, rng: random.Random) -> list[Block]:
    """The letter of ``case`` in its layout, as blocks."""
    layouts = {"determination": _determination, "notice": _notice, "docs": _docs, "review": _review}
    return layouts[case.layout](case, rng)


def _para(text: str, label: str | None = None, own_line: bool = False, split: bool = False) -> Block:
    return Block("para", text, label=label, own_line=own_line, split=split)


def _heading(text: str) -> Block:
    return Block("heading", text)


def _summary(case: Case, rng: random.Random) -> list[Block]:
    return [_para(text, split=True) for text in prose.summary(case, rng)]


def _header_rows(case: Case, labels: list[str], per_row: int) -> list[list[tuple[str, str]]]:
    day = {name: prose.us(value) for name, value in case.dates.items()}
    values = {"Case Number:": case.case_number, "IMR Case Number:": case.case_number,
              "Date Assigned:": day["date_assigned"], "Date of Injury:": day["date_of_injury"],
              "Decision Date:": day["decision_date"], "UR Denial Date:": day["ur_denial_date"],
              "Priority:": case.priority, "Application Received:": day["application_received"]}
    pairs = [(label, values[label]) for label in labels]
    return [pairs[i:i + per_row] for i in range(0, len(pairs), per_row)]


_HOW = "HOW THE IMR FINAL DETERMINATION WAS MADE"
_DEVELOPED = ("The expert reviewer developed the following clinical case summary based on a review of the case "
              "file, including all medical records:")
_BASED = "The Final Determination was based on decisions for the disputed items/services set forth below:"


# --- the four layouts ------------------------------------------------------------------------------------


def _determination(case: Case, rng: random.Random) -> list[Block]:
    modern = case.style == "2016"
    rows = [[("Case Number:", case.case_number)]] + _header_rows(case, [
        "Date Assigned:", "Date of Injury:", "Decision Date:", "UR Denial Date:", "Priority:",
        "Application Received:"], 2)
    blocks = [Block("marker", MARKER), Block("header", rows=rows), _heading(_HOW),
              _para(prose.boilerplate(case, rng, statement=not modern), split=True)]
    if modern:
        blocks.append(Block("lines", entries=prose.credentials(case)))
    blocks += [_heading("CLINICAL CASE SUMMARY"), _para(_DEVELOPED), *_summary(case, rng),
               _heading("IMR ISSUES, DECISIONS AND RATIONALES"), _para(_BASED)]
    for item in case.items:
        blocks.append(_item_heading(item, modern))
        blocks += _labelled(case, item, rng)
    return blocks


def _item_heading(item: Item, modern: bool) -> Block:
    if item.original:
        text = (f"{item.original} was the original request. {item.authorized} was authorized by the Claims "
                f"Administrator. The remaining IMR eligible portion of the original request, {item.request} is")
        return Block("item", text, decision=item.decision, same_line=True)
    return Block("item", item.request, decision=item.decision, same_line=modern)


def _labelled(case: Case, item: Item, rng: random.Random) -> list[Block]:
    claims = citations.statement(item.claims, case.style, "claims", rng, case.year)
    reviewer = citations.statement(item.reviewer, case.style, "reviewer", rng, case.year)
    return [_para(claims, "Claims Administrator guideline:"), _para(reviewer, "MAXIMUS guideline:"),
            _para(prose.rationale(case, item, rng), "Decision rationale:", split=True)]


_VERDICTS = {
    "Upheld": "UPHOLD. This means we decided that none of the disputed items/services are medically necessary and "
              "appropriate.",
    "Overturned": "OVERTURN. This means we decided that all of the disputed items/services are medically necessary "
                  "and appropriate.",
    "": "OVERTURN IN PART. This means we decided that some of the disputed items/services are medically necessary "
        "and appropriate.",
}
_RELIED = "Medical Treatment Guideline(s) Relied Upon by the"


def _notice(case: Case, rng: random.Random) -> list[Block]:
    decisions = {item.decision for item in case.items}
    verdict = _VERDICTS[decisions.pop() if len(decisions) == 1 else ""]
    day = {name: prose.short(value) for name, value in case.dates.items()}
    rows = [[("IMR Case Number:", case.case_number), ("Date of Injury:", day["date_of_injury"])],
            [("UR Denial Date:", day["ur_denial_date"]), ("Priority:", case.priority)],
            [("Application Received:", day["application_received"])]]
    disputed = ", ".join(prose.lower(i.request) for i in case.items)
    blocks = [
        Block("marker", MARKER), Block("title", entries=["Notice of Independent Medical Review Determination"]),
        Block("lines", entries=[f"Dated: {day['decision_date']}"]), Block("header", rows=rows),
        _para(disputed, "Treatment(s) in Dispute Listed on IMR Application:", own_line=True),
        _para("MAXIMUS Federal Services, Inc. has completed the Independent Medical Review (IMR) of the above "
              "workers' compensation case. This letter provides you with the IMR Final Determination and explains "
              "how the determination was made.", split=True),
        _para(f"Final Determination: {verdict} A detailed explanation of the decision for each of the disputed "
              "items/services is provided later in this letter.", split=True),
        _para("This decision is final and binding, unless it is determined on appeal that there was fraud, "
              "conflict of interest, bias, or a mistake of fact.", split=True),
        Block("lines", entries=["Sincerely,", "", "Chief Medical Officer", "MAXIMUS Federal Services, Inc."]),
        _heading("INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE"),
        _para(f"An application for Independent Medical Review was filed on {day['application_received']} disputing "
              f"the Utilization Review Denial dated {day['ur_denial_date']}. A Notice of Assignment and Request for "
              f"Information was provided to the above parties on {day['date_assigned']}. A decision has been made "
              "for each of the treatment(s)/service(s) listed on the IMR application and is set forth below:")]
    for number, item in enumerate(case.items, 1):
        negation = "not " if item.decision == "Upheld" else ""
        blocks.append(_para(f"{number}) MAXIMUS Federal Services, Inc. has determined the request for "
                            f"{prose.lower(item.request)} is {negation}medically necessary and appropriate."))
    qualifications = (prose.reviewer_statement(case, rng, "The physician reviewer") + " He/she has been in active "
                      "clinical practice for more than five years and is currently working at least 24 hours a week "
                      "in active practice.")
    blocks += [_para(qualifications, "Medical Qualifications of the Expert Reviewer:", own_line=True),
               _para("The expert reviewer based his/her decision on a review of the case file, including all "
                     "medical records:", "Case Summary:", own_line=True),
               *_summary(case, rng)]
    for number, item in enumerate(case.items, 1):
        claims = citations.statement(item.claims, "notice", "claims", rng, case.year)
        reviewer = citations.statement(item.reviewer, "notice", "reviewer", rng, case.year)
        blocks += [_para(f"{number}) Regarding the request for {prose.lower(item.request)}:"),
                   _para(claims, f"{_RELIED} Claims Administrator:", own_line=True),
                   _para(reviewer, f"{_RELIED} Expert Reviewer:", own_line=True),
                   _para(prose.rationale(case, item, rng), "Rationale Used by the Expert Reviewer:", own_line=True,
                         split=True)]
    return blocks


def _docs(case: Case, rng: random.Random) -> list[Block]:
    findings = rng.random() < 0.5
    title = ["MAXIMUS FEDERAL SERVICES, INC.", "Independent Medical Review", "Final Determination Letter"]
    rows = _header_rows(case, ["Case Number:", "Date of Injury:", "Date Assigned:", "Decision Date:",
                               "UR Denial Date:", "Priority:", "Application Received:"], rng.choice((1, 2)))
    blocks = [Block("marker", MARKER), Block("title", entries=title[:rng.choice((1, 3))]), Block("header", rows=rows),
              _heading(_HOW), _para(prose.boilerplate(case, rng, statement=True), split=True),
              _heading(rng.choice(("DOCUMENTS REVIEWED", "MEDICAL RECORDS REVIEWED"))),
              Block("list", entries=prose.documents(case, rng), numbered=rng.choice(("1.", ""))),
              _heading("CLINICAL CASE SUMMARY"), _para(_DEVELOPED), *_summary(case, rng),
              _heading("IMR DECISION(S) AND RATIONALE(S)"), _para(_BASED)]
    for number, item in enumerate(case.items, 1):
        if findings:
            negation = "not " if item.decision == "Upheld" else ""
            blocks.append(Block("item", f"{number}. {item.request} is {negation}medically necessary and appropriate."))
        else:
            blocks.append(_item_heading(item, modern=False))
        blocks += _labelled(case, item, rng)
    return blocks


_WHY = ("These guidelines apply because they set the criteria for {t}.",
        "This guideline was used because it addresses {t} specifically.",
        "The guidelines were chosen as they address {t}.")
_RATIONALE_FOR = "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:"


def _review(case: Case, rng: random.Random) -> list[Block]:
    single = len(case.items) == 1
    title = rng.choice(("MEDICAL PROFESSIONAL REVIEW", "Medical Professional Review"))
    rows = _header_rows(case, ["Case Number:", "Date Assigned:", "Date of Injury:", "Decision Date:",
                               "UR Denial Date:", "Application Received:", "Priority:"], rng.choice((1, 1, 2)))
    blocks = [Block("marker", MARKER), Block("title", entries=[title]), Block("header", rows=rows)]
    if single:
        request = prose.lower(case.items[0].request)
        question = rng.choice((f"Whether the request for {request} is medically necessary.",
                               f"Is the request for {request} medically necessary?"))
        blocks += [_heading("ISSUE AT DISPUTE:"), _para(question)]
    else:
        blocks += [_heading("ISSUES AT DISPUTE:"),
                   _para("Whether the following requested treatments are medically necessary:"),
                   Block("list", entries=[i.request for i in case.items], numbered="1.")]
    blocks += [_heading("CASE SUMMARY:"), *_summary(case, rng), _heading("DOCUMENTS REVIEWED FOR DETERMINATION:"),
               Block("list", entries=prose.documents(case, rng), numbered=""),
               _heading("MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:")]
    cited = [citations.statement(i.reviewer, "review", "reviewer", rng, case.year) + " " +
             rng.choice(_WHY).format(t=i.treatment if i.treatment_id != "compound" else "topical analgesics")
             for i in case.items]
    rationales = [prose.rationale(case, i, rng) for i in case.items]
    if single:
        blocks += [_para(cited[0]), _heading(_RATIONALE_FOR), _para(rationales[0])]
    else:
        entries = [f"{prose.cap(i.label)}: {c}" for i, c in zip(case.items, cited)]
        blocks += [Block("list", entries=entries, numbered="1."), _heading(_RATIONALE_FOR),
                   Block("list", entries=rationales, numbered="1.")]
    if rng.random() < 0.4:
        said = [f"The request for {prose.lower(i.request)} is {'not ' if i.decision == 'Upheld' else ''}medically "
                "necessary." for i in case.items]
        if single:
            said.append(f"The utilization review decision is {case.items[0].decision.lower()}.")
        blocks += [_heading("DETERMINATION:"), _para(" ".join(said))]
    blocks.append(_heading("MEDICAL REVIEWER QUALIFICATIONS:"))
    if rng.random() < 0.5:
        blocks.append(_para(prose.reviewer_statement(case, rng, "The professional reviewer")))
    else:
        blocks.append(Block("lines", entries=prose.credentials(case)[1:]))
    return blocks
