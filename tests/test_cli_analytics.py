"""`kg graph export` and `kg graph summary` (the click group in kg.cli_analytics), run in process."""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg import analytics
from kg.cli_analytics import graph
from kg.store import KGStore


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def read(path: Path, fmt: str) -> nx.Graph:
    if fmt == "graphml":
        return nx.read_graphml(path)
    if fmt == "gexf":
        return nx.read_gexf(path)
    return nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="links")


@pytest.mark.parametrize("projection", analytics.PROJECTIONS)
@pytest.mark.parametrize("fmt", analytics.FORMATS)
def test_export_writes_a_file_networkx_reads(runner: CliRunner, built_store_path: Path, tmp_path: Path,
                                             projection: str, fmt: str) -> None:
    target = tmp_path / f"{projection}.{fmt}"
    result = runner.invoke(graph, ["export", "--store", str(built_store_path), "--projection", projection,
                                   "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    with KGStore(built_store_path, read_only=True) as store:
        expected = analytics.projection(store.select, projection)
    back = read(target, fmt)
    assert back.number_of_nodes() == expected.number_of_nodes() > 0
    assert back.number_of_edges() == expected.number_of_edges() > 0
    node, data = next(iter(expected.nodes(data=True)))
    assert back.nodes[node]["label"] == data["label"]
    assert int(back.nodes[node]["community"]) == data["community"]
    assert f"{expected.number_of_nodes()} nodes" in result.stderr


def test_export_to_stdout_and_scope(runner: CliRunner, built_store_path: Path) -> None:
    """Without -o the data goes to stdout; --scope item joins only treatments of one item (none here)."""
    result = runner.invoke(graph, ["export", "--store", str(built_store_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["graph"]["projection"] == "treatments" and data["links"]
    by_item = runner.invoke(graph, ["export", "--store", str(built_store_path), "--format", "json",
                                    "--scope", "item"])
    assert json.loads(by_item.stdout)["graph"]["scope"] == "item"


def test_summary_prints_pairs_centrality_and_communities(runner: CliRunner, built_store_path: Path) -> None:
    result = runner.invoke(graph, ["summary", "--store", str(built_store_path), "--top", "5"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Treatments most often requested together" in text and "Guidelines most often cited together" in text
    assert "MRI + orthopedic consultation" in text
    assert ("MTUS ACOEM Practice Guidelines: Independent Medical Examinations and Consultations + "
            "MTUS ACOEM Practice Guidelines: Shoulder Complaints") in text
    assert text.count("Top pairs:") == 2 and text.count("Most central") == 2 and "Communities" in text


def test_summary_as_json(runner: CliRunner, built_store_path: Path) -> None:
    result = runner.invoke(graph, ["summary", "--store", str(built_store_path), "--projection", "guidelines",
                                   "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report) == ["guidelines"]
    assert report["guidelines"]["top_pairs"][0]["weight"] == 2
    assert report["guidelines"]["most_central"][0]["strength"] == 2


def test_help_shows_examples(runner: CliRunner) -> None:
    for args in ([], ["export"], ["summary"]):
        result = runner.invoke(graph, args + ["--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output and "kg graph " in result.output


def test_missing_store_is_an_error_in_words(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(graph, ["summary", "--store", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "no store here" in result.output
