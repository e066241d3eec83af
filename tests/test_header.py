"""Header facts: labels beside their values, on lines of their own, or dates only in prose."""
from __future__ import annotations

from kg.extract.header import extract_header

SIDE_BY_SIDE = """Case Number: CM14-0166055
Date Assigned: 10/13/2014 Date of Injury: 09/15/1997
Decision Date: 11/25/2014 UR Denial Date: 10/03/2014
Priority: Standard Application Received: 10/08/2014
"""

ON_OWN_LINES = """Case Number:
CM15-0157332
Date Assigned:
08/11/2015
Date of Injury:
01/19/2014
Decision Date:
09/15/2015
UR Denial Date:
07/24/2015
Priority:
Expedited
Application Received:
08/03/2015
"""

NOTICE = """Notice of Independent Medical Review Determination
Dated: 9/24/2013
IMR Case Number: CM13-0009871 Date of Injury: 2/14/2012
Priority: Standard
An application for Independent Medical Review was filed on 8/5/2013 disputing the Utilization
Review Denial dated 7/26/2013. A Notice of Assignment and Request for Information was provided
to the above parties on 8/28/2013.
"""


def test_labels_beside_values() -> None:
    """The 2014 header table gives every field."""
    values, spans, warnings, sources = extract_header(SIDE_BY_SIDE, len(SIDE_BY_SIDE))
    assert values == {
        "case_number": "CM14-0166055", "priority": "Standard", "date_assigned": "2014-10-13",
        "date_of_injury": "1997-09-15", "decision_date": "2014-11-25", "ur_denial_date": "2014-10-03",
        "application_received": "2014-10-08",
    }
    assert SIDE_BY_SIDE[slice(*spans["case_number"])] == "CM14-0166055"
    assert warnings == []
    assert sources == dict.fromkeys(values, "header label")


def test_labels_on_their_own_lines() -> None:
    """A value on the line after its label is still the label's value."""
    values, _, _, _ = extract_header(ON_OWN_LINES, len(ON_OWN_LINES))
    assert values["case_number"] == "CM15-0157332"
    assert values["priority"] == "Expedited"
    assert values["ur_denial_date"] == "2015-07-24"
    assert values["application_received"] == "2015-08-03"


def test_notice_dates_from_prose() -> None:
    """The 2013 notice's assignment, application and denial dates come from its sentences."""
    values, spans, _, _ = extract_header(NOTICE, len(NOTICE))
    assert values["decision_date"] == "2013-09-24"
    assert values["application_received"] == "2013-08-05"
    assert values["ur_denial_date"] == "2013-07-26"
    assert values["date_assigned"] == "2013-08-28"
    assert NOTICE[slice(*spans["date_assigned"])] == "8/28/2013"


def test_invalid_date_is_reported() -> None:
    """An impossible date is kept out of the record and named in a warning."""
    values, _, warnings, _ = extract_header("Date of Injury: 02/30/2014\n", 30)
    assert values["date_of_injury"] is None
    assert warnings == ["date_of_injury: '02/30/2014' is not a valid date"]


def test_markdown_table_header() -> None:
    """A header written as a Markdown table (pipes between cells) reads like the tab-separated one."""
    table = """| Case Number: | CM14-0166055 | | |
|---|---|---|---|
| Date Assigned: | 10/13/2014 | Date of Injury: | 09/15/1997 |
| Decision Date: | 11/25/2014 | UR Denial Date: | 10/03/2014 |
| Priority: | Standard | Application Received: | 10/08/2014 |
"""
    values, _, _, _ = extract_header(table, len(table))
    assert values["date_assigned"] == "2014-10-13" and values["application_received"] == "2014-10-08"
    assert values["priority"] == "Standard" and values["ur_denial_date"] == "2014-10-03"


def test_header_read_column_by_column() -> None:
    """A PDF header table extracted column by column (labels, then their values) pairs each value with its label."""
    columns = """Case Number:
Date Assigned:
Decision Date:
Priority:
CM15-0000007
03/02/2015
04/06/2015
Expedited
Date of Injury:
UR Denial Date:
Application Received:
07/14/2012
02/10/2015
02/20/2015
"""
    values, spans, _, _ = extract_header(columns, len(columns))
    assert values == {
        "case_number": "CM15-0000007", "date_assigned": "2015-03-02", "decision_date": "2015-04-06",
        "priority": "Expedited", "date_of_injury": "2012-07-14", "ur_denial_date": "2015-02-10",
        "application_received": "2015-02-20",
    }
    assert columns[slice(*spans["application_received"])] == "02/20/2015"


def test_values_after_a_blank_line() -> None:
    """Table cells exported as paragraphs put a blank line between a label and its value."""
    text = "Case Number:\n\nCM15-0128853\n\nDate Assigned:\n\n06/30/2015\n\nPriority:\n\nStandard\n"
    values, _, _, _ = extract_header(text, len(text))
    assert (values["case_number"], values["date_assigned"], values["priority"]) == (
        "CM15-0128853", "2015-06-30", "Standard")


def test_wrapped_label_around_its_value() -> None:
    """A narrow table cell wraps "Application Received:" around its value: the value is still paired with it."""
    text = ("Case Number: CM16-0000001\nDate Assigned: 11/18/2016 Date of Injury: 10/10/2016\n"
            "Decision Date: 12/19/2016 UR Denial Date: 11/09/2016\nPriority: Standard Application 11/14/2016\n"
            "Received:\n")
    values, _, _, sources = extract_header(text, len(text))
    assert values["application_received"] == "2016-11-14"
    assert values["date_of_injury"] == "2016-10-10"
    assert sources["application_received"] == "header label wrapped around its value"
    assert sources["date_of_injury"] == "header label"


def test_sources_say_where_each_value_came_from() -> None:
    """Labels in the header, sentences in the letter: each value says which."""
    _, _, _, sources = extract_header(NOTICE, NOTICE.index("An application"))
    assert sources["date_of_injury"] == "header label"
    assert sources["application_received"] == "sentence in the letter"
