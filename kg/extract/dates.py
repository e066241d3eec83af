"""Reading dates as letters write them (9/24/2013, 09/24/13, September 24, 2013, 2013-09-24) into ISO form."""
from __future__ import annotations

import re
from datetime import date

_MONTHS = {name: i for i, name in enumerate(
    ("january february march april may june july august september october november december").split(), 1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9

#: A date in any of the accepted spellings; use ``parse_date`` on the matched text.
DATE_PATTERN = (
    r"(?:\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4})"
)
_NUMERIC = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{2,4})$")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDY = re.compile(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$", re.IGNORECASE)


def parse_date(text: str) -> str | None:
    """The ISO form "YYYY-MM-DD" of a written date, or None when it is not a real date."""
    text = text.strip()
    if m := _ISO.match(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _NUMERIC.match(text):
        month, day, year = int(m[1]), int(m[2]), int(m[3])
        if year < 100:
            # Two-digit years: injuries go back decades, letters are from 2013 on.
            year += 2000 if year < 50 else 1900
    elif m := _WORDY.match(text):
        month = _MONTHS.get(m[1].lower(), 0)
        day, year = int(m[2]), int(m[3])
    else:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
