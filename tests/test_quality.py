"""kg.quality: SHACL results by constraint and by letter, letters over time, and the letters kept out, on a small
store built with one violating letter, one with a warning, one clean letter and two files that are not letters."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.examples import example_queries
from kg.quality import (constraints_query, letters_query, quality_from_rows, quality_report, rejected_query,
                        timeline_query, to_dict)
from kg.store import KGStore

LETTERS = Path(__file__).resolve().parent.parent / "letters"


def make_quality_letters(folder: Path) -> Path:
    """Letters with known problems: a decision date before the date assigned (a Violation), a treatment missing
    from the vocabulary (a Warning), a clean letter, an empty file and a file that is no letter (kept out)."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = (LETTERS / "seed" / "CM14-0166055.md").read_text(encoding="utf-8")
    broken = seed.replace("<b>Decision Date:</b>\t11/25/2014", "<b>Decision Date:</b>\t09/25/2014")
    assert broken != seed
    (folder / "CM14-0166055.md").write_text(broken, encoding="utf-8")
    for name in ("CM15-0204517.md", "CM14-0087231.md"):
        (folder / name).write_text((LETTERS / "dev" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "junk.txt").write_text("hello\nthis is not a letter\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KGStore]:
    """An in-memory store built from :func:`make_quality_letters`."""
    from kg.build import build

    folder = make_quality_letters(tmp_path_factory.mktemp("quality") / "letters")
    store = KGStore()
    summary = build([folder], store)
    assert len(summary.rejected) == 2 and len(summary.not_conforming) == 1
    yield store


def test_small_store_report(small_store: KGStore) -> None:
    """Totals, the constraint table, the letters, the periods and the kept-out files are what was built."""
    report = quality_report(small_store.select)
    assert report.totals == {"letters": 3, "with_violations": 1, "with_warnings": 2, "violations": 1, "warnings": 2,
                             "infos": 0, "constraints_failed": 3, "rejected": 2}
    first = report.constraints[0]
    assert (first["severity"], first["letters"], first["results"], first["example_letter"]) == \
        ("Violation", 1, 1, "CM14-0166055")
    assert "decision date 2014-09-25" in first["example_message"]
    assert report.constraints[1]["severity"] == "Warning"
    assert report.constraints[1]["constraint"] == "extraction warning"
    assert "dates out of order: date_assigned 2014-10-13 is after decision_date" in report.constraints[1]["example_message"]
    assert report.constraints[2]["constraint"] == "item treatment not in vocabulary"

    letters = {letter["key"]: letter for letter in report.letters}
    assert set(letters) == {"CM14-0166055", "CM15-0204517", "CM14-0087231"}
    assert report.letters[0]["key"] == "CM14-0166055"  # the worst first
    assert (letters["CM14-0166055"]["conforms"], letters["CM14-0166055"]["violations"]) == (False, 1)
    assert (letters["CM15-0204517"]["conforms"], letters["CM15-0204517"]["warnings"]) == (True, 1)
    assert (letters["CM14-0087231"]["violations"], letters["CM14-0087231"]["warnings"]) == (0, 0)
    assert letters["CM14-0166055"]["decision_date"] == "2014-09-25"
    assert letters["CM14-0166055"]["source"].endswith("CM14-0166055.md")

    assert report.by_month == [
        {"period": "2014-07", "letters": 1, "with_violations": 0, "with_warnings": 0},
        {"period": "2014-09", "letters": 1, "with_violations": 1, "with_warnings": 1},
        {"period": "2015-11", "letters": 1, "with_violations": 0, "with_warnings": 1},
    ]
    assert sum(p["letters"] for p in report.by_build_date) == 3
    assert all(len(p["period"]) == 10 and p["period"][4] == "-" for p in report.by_build_date)
    assert [r["source"].rsplit("/", 1)[1] for r in report.rejected] == ["empty.md", "junk.txt"]
    assert "empty" in report.rejected[0]["reasons"][0] and report.rejected[0]["at"]
    assert "not an IMR determination letter" in report.rejected[1]["reasons"][0]


def test_counts_match_independent_queries(small_store: KGStore) -> None:
    """Results per severity and letters with a report, counted plainly."""
    report = quality_report(small_store.select)
    rows = small_store.select("""SELECT ?sev (COUNT(?r) AS ?n) WHERE { GRAPH ?v { ?rep a sh:ValidationReport ;
        sh:result ?r . ?r sh:resultSeverity ?sev } } GROUP BY ?sev""")
    by_severity = {row["sev"].rsplit("#", 1)[1]: row["n"] for row in rows}
    assert by_severity == {"Violation": report.totals["violations"], "Warning": report.totals["warnings"]}
    validated = small_store.select("SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { GRAPH ?v { ?l imr:validationReport ?r } }")
    assert validated[0]["n"] == len(report.letters) == report.totals["letters"]


def test_bundled_letters(built_store_path: Path) -> None:
    """The bundled letters all conform; two carry a warning; the constraint table agrees with the shipped example."""
    with KGStore(built_store_path, read_only=True) as store:
        report = quality_report(store.select)
        example = store.select(example_queries()["letters-failing-validation"].sparql)
    assert report.totals["letters"] == len(list(LETTERS.rglob("*.gold.json"))) == 14
    assert (report.totals["with_violations"], report.totals["with_warnings"], report.totals["rejected"]) == (0, 2, 0)
    assert all(letter["conforms"] for letter in report.letters)
    assert {(c["constraint"], c["severity"], c["letters"], c["results"]) for c in report.constraints} == \
        {(r["constraint"], r["severity"], r["letters"], r["problems"]) for r in example}
    assert sum(p["letters"] for p in report.by_month) == sum(p["letters"] for p in report.by_build_date) == 14
    assert {p["period"][:4] for p in report.by_month} == {"2013", "2014", "2015"}


def test_rows_as_strings() -> None:
    """The web app's select gives every value as a string (and leaves unbound ones out): read the same."""
    report = quality_from_rows(
        [{"constraint": "c", "severity": "Warning", "letters": "2", "results": "3", "example": "CM1\tmsg\twith tab"}],
        [{"letter": "https://w3id.org/imr-kg/letter/CM1", "caseNumber": "CM1", "conforms": "true", "warnings": "3",
          "violations": "0", "infos": "0"},
         {"letter": "https://w3id.org/imr-kg/letter/sha-01", "violations": "0", "warnings": "0", "infos": "0"}],
        [{"period": "2015-01", "letters": "2", "withViolations": "0", "withWarnings": "1"}],
        [{"period": "(none)", "letters": "2", "withViolations": "0", "withWarnings": "1"}],
        [{"node": "n", "source": "a.md", "reason": "r1", "at": "t"}, {"node": "n", "source": "a.md", "reason": "r2"}])
    assert report.constraints[0]["example_message"] == "msg\twith tab"
    assert [l["key"] for l in report.letters] == ["CM1", "sha-01"]
    assert report.letters[0]["conforms"] is True and report.letters[1]["conforms"] is None
    assert report.rejected == [{"source": "a.md", "reasons": ["r1", "r2"], "at": "t"}]
    assert to_dict(report)["totals"]["letters"] == 2


def test_queries_use_no_prefix_they_do_not_declare() -> None:
    """The web app's workers do not predeclare prefixes: every query declares what it uses."""
    for query in (constraints_query(), letters_query(), timeline_query("month"), timeline_query("build"),
                  rejected_query()):
        declared = {line.split()[1] for line in query.splitlines() if line.startswith("PREFIX")}
        body = "\n".join(line for line in query.splitlines() if not line.startswith("PREFIX"))
        for prefix in ("imr:", "sh:", "prov:", "dcterms:", "skos:", "out:"):
            if prefix in body.replace("http://", "").replace("https://", ""):
                assert prefix in declared, (prefix, query)
