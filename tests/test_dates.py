"""Dates as letters write them."""
from __future__ import annotations

import pytest

from kg.extract.dates import parse_date


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        pytest.param("10/13/2014", "2014-10-13", id="mm/dd/yyyy"),
        pytest.param("9/24/2013", "2013-09-24", id="single-digits"),
        pytest.param("10/03/14", "2014-10-03", id="two-digit-year"),
        pytest.param("09/15/97", "1997-09-15", id="two-digit-year-last-century"),
        pytest.param("2015-07-21", "2015-07-21", id="iso"),
        pytest.param("September 24, 2013", "2013-09-24", id="month-name"),
        pytest.param("Sept. 4 2013", "2013-09-04", id="abbreviated-month"),
        pytest.param("13/45/2014", None, id="impossible-date"),
        pytest.param("02/30/2014", None, id="no-such-day"),
        pytest.param("soon", None, id="not-a-date"),
    ],
)
def test_parse_date(written: str, iso: str | None) -> None:
    """Written dates become ISO dates; impossible ones become None rather than a wrong date."""
    assert parse_date(written) == iso
