"""Similar decisions: earlier items of other letters, ranked by what they share, with reasons and rationales."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.item_index import FILE_NAME, ItemIndex
from kg.similar import deciding_sentences, probe_of_item, probe_of_text, similar

ITEM = "https://w3id.org/imr-kg/case/CM15-0204517/item/1"


@pytest.fixture(scope="module")
def index(built_store_path: Path) -> Iterator[ItemIndex]:
    """The bundled letters' item index, read-only."""
    with ItemIndex(built_store_path / FILE_NAME, read_only=True) as opened:
        yield opened


def test_a_stored_item_finds_earlier_decisions_of_other_letters(index: ItemIndex) -> None:
    """Matches come from other letters, decided before the item, best first, each with its reasons; the share
    overturned counts them."""
    probe = probe_of_item(index, ITEM)
    assert probe is not None and probe.before and probe.exclude_letter == "CM15-0204517"
    found = similar(index, probe, top=10)
    assert 0 < len(found.matches) <= 10
    assert all(m.decision_date < probe.before and "CM15-0204517" not in m.case for m in found.matches)
    assert [m.score for m in found.matches] == sorted((m.score for m in found.matches), reverse=True)
    assert all(m.reasons for m in found.matches)
    assert found.overturned == sum(m.outcome.endswith("/overturned") for m in found.matches)
    low, high = found.interval or (1.0, 0.0)
    assert low <= (found.share or 0) <= high


def test_words_are_read_into_a_probe(index: ItemIndex) -> None:
    """A typed request is read with the vocabularies: treatment, its category, region, guideline chapter and its
    guideline, codes; an MRI of the lumbar spine ranks the spine MRI first, then lumbar imaging above MRIs of a
    shoulder."""
    probe = probe_of_text("MRI of the lumbar spine, ACOEM low back complaints, M54.5")
    assert probe.treatment.endswith("/treatment/mri") and probe.category.endswith("/category/imaging")
    assert any(r.endswith("/lumbar-spine") for r in probe.regions) and "M54.5" in probe.codes
    assert probe.chapters and all(g.startswith("https://") for g in probe.guidelines)
    found = similar(index, probe)
    requests = [m.request.lower() for m in found.matches]
    assert requests[0] == "mri of the cervical spine" and "same treatment: MRI" in found.matches[0].reasons
    assert requests.index("x-rays of the lumbar spine") < requests.index("mri of the left shoulder")


def test_deciding_sentences_are_the_ones_that_decide() -> None:
    """The sentences stating necessity or the guidelines' word are kept, the last ones."""
    text = ("The patient reports neck pain. The guidelines state that imaging is recommended after 4 weeks. "
            "Records show 2 weeks of care. Therefore, the request is not medically necessary.")
    assert deciding_sentences(text) == ["The guidelines state that imaging is recommended after 4 weeks.",
                                        "Therefore, the request is not medically necessary."]
    assert deciding_sentences("") == []


def test_the_page_and_the_command(client, built_store_path: Path) -> None:
    """/similar answers for words and for a stored item (linked from its item), and refuses a bad item."""
    import json

    from click.testing import CliRunner

    from kg.cli import cli

    words = client.get("/similar?q=MRI+lumbar+spine").get_data(as_text=True)
    assert "similar decisions" in words and "same treatment: MRI" in words
    stored = client.get("/similar", query_string={"item": ITEM}).get_data(as_text=True)
    assert "decided before" in stored and 'class="similar-match"' in stored
    assert client.get("/similar?item=not-an-iri").status_code == 400
    assert client.get("/similar", query_string={"item": ITEM + "9"}).status_code == 404
    case = client.get("/case/CM15-0204517", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "/similar?item=https%3A//w3id.org/imr-kg/case/CM15-0204517/item/1" in case
    result = CliRunner().invoke(cli, ["similar", "--item", "CM15-0204517/1", "--store", str(built_store_path),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["matches"]


def test_an_uploaded_letter_is_compared_item_by_item(client) -> None:
    """A letter sent to /similar is read (not stored) and each of its items gets its own similar decisions,
    earlier than the letter and from other letters; a file of another type is refused."""
    from io import BytesIO

    from tests.conftest import SEED

    sent = client.post("/similar", data={"letter": (BytesIO(SEED.read_bytes()), SEED.name)},
                       content_type="multipart/form-data")
    html = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "each with its similar decisions" in html
    assert html.count('class="similar-group"') >= 1 and "Item 1:" in html
    assert "CM14-0166055</a>" not in html  # never its own case
    refused = client.post("/similar", data={"letter": (BytesIO(b"x"), "notes.docx")}, content_type="multipart/form-data")
    assert refused.status_code == 400
