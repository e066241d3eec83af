"""`kg graph`: network analytics over the store (projections, centrality, communities) and their export."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from typing import TYPE_CHECKING

from kg.lazy import LazyModule

if TYPE_CHECKING:
    import networkx as nx
else:  # networkx takes a tenth of a second to import: only the commands that draw networks need it
    nx = LazyModule("networkx")

from kg import analytics
from kg.cli_store import store_or_url_option
from kg.errors import KGError
from kg.store import open_any

TITLES = {
    "treatments": "Treatments most often requested together",
    "guidelines": "Guidelines most often cited together (IMR reviewer citations)",
    "cases": "Cases and the treatments they request (bipartite)",
}
_PROJECTION = click.option("--projection", type=click.Choice(analytics.PROJECTIONS), default="treatments",
                           show_default=True, help="treatments: co-requested treatments; guidelines: "
                           "co-cited guidelines (with chapter or topic); cases: the case-treatment graph.")
_SCOPE = click.option("--scope", type=click.Choice(analytics.SCOPES), default=None,
                      help="What 'together' means: the same case or the same item "
                           "(default: case for treatments, item for guidelines).")


@click.group(name="graph", context_settings={"help_option_names": ["-h", "--help"]})
def graph() -> None:
    """Network analytics with networkx: which treatments are requested together and which guidelines are
    cited together, with centrality and communities; export for Gephi, Cytoscape or D3.

    Example:

    \b
        kg graph summary --store data/
        kg graph export --store data/ --projection guidelines --format gexf -o guidelines.gexf
    """


def _projection(store_path: Path | str, name: str, scope: str | None) -> nx.Graph:
    """A projection of a local store (from its item index, analysed once per state of it) or of a SPARQL
    server (from queries)."""
    try:
        with open_any(store_path, read_only=True) as store:
            index = store.item_index()
            if index is None:
                return analytics.projection(store.select, name, scope)
            return analytics.kept_projection(store.select, name, scope, index)
    except KGError as error:
        raise click.ClickException(str(error)) from error


@graph.command()
@store_or_url_option
@_PROJECTION
@click.option("--format", "fmt", type=click.Choice(analytics.FORMATS), default="graphml", show_default=True,
              help="graphml and gexf for Gephi or Cytoscape; json: node-link data for D3.")
@_SCOPE
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default stdout).")
def export(store_path: Path | str, projection: str, fmt: str, scope: str | None, output: Path | None) -> None:
    """Write a projection with its centrality and community attributes as GraphML, GEXF or JSON.

    Nodes carry label, iri, cases, items, degree, strength (weighted degree), betweenness, eigenvector and
    community; edges carry weight, cases and items.

    Example:

    \b
        kg graph export --store data/ --projection treatments --format graphml -o treatments.graphml
        kg graph export --store data/ --projection guidelines --format json > guidelines.json
    """
    network = _projection(store_path, projection, scope)
    data = analytics.export_bytes(network, fmt)
    if output:
        output.write_bytes(data)
        click.echo(f"{output}: {network.number_of_nodes()} nodes, {network.number_of_edges()} edges",
                   err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


@graph.command()
@store_or_url_option
@click.option("--projection", type=click.Choice(("all",) + analytics.PROJECTIONS), default="all",
              show_default=True, help="all: treatments and guidelines.")
@_SCOPE
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Rows per list.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def summary(store_path: Path | str, projection: str, scope: str | None, top: int, fmt: str) -> None:
    """Print the top pairs, the most central nodes and the communities of the projections.

    Example:

    \b
        kg graph summary --store data/
        kg graph summary --store data/ --projection treatments --top 5 --format json
    """
    names = ("treatments", "guidelines") if projection == "all" else (projection,)
    reports = {name: _report(_projection(store_path, name, scope), top) for name in names}
    if fmt == "json":
        click.echo(json.dumps(reports, indent=1, ensure_ascii=False))
        return
    click.echo("\n\n".join(_text(name, report) for name, report in reports.items()))


def _report(network: nx.Graph, top: int) -> dict[str, Any]:
    return {
        "graph": dict(network.graph, nodes=network.number_of_nodes(), edges=network.number_of_edges()),
        "top_pairs": analytics.top_pairs(network, top),
        "most_central": analytics.most_central(network, top),
        "communities": {number: [m["label"] for m in members]
                        for number, members in enumerate(analytics.community_lists(network))
                        if len(members) > 1},
    }


def _text(name: str, report: dict[str, Any]) -> str:
    facts = report["graph"]
    lines = [f"{TITLES[name]}: {facts['nodes']} nodes, {facts['edges']} edges, "
             f"together = same {facts['scope']}"
             + (f", modularity {facts['modularity']:.3f}" if "modularity" in facts else "")]
    lines += ["", "Top pairs:", f"  {'weight':>6} {'cases':>5} {'items':>5}  pair"]
    lines += [f"  {p['weight']:>6} {p['cases']:>5} {p['items']:>5}  {p['source_label']} + "
              f"{p['target_label']}" for p in report["top_pairs"]] or ["  (no pairs)"]
    lines += ["", "Most central (weighted degree, degree, betweenness, eigenvector, community):"]
    for node in report["most_central"]:
        eigen = f"{node['eigenvector']:.3f}" if "eigenvector" in node else "-"
        lines.append(f"  {node['strength']:>6} {node['degree']:>5} {node['betweenness']:>7.3f} {eigen:>7} "
                     f"{node['community']:>4}  {node['label']}")
    lines += ["", "Communities of two or more (number: members):"]
    lines += [f"  {number:>4}: {', '.join(members)}" for number, members in report["communities"].items()] \
        or ["  (none)"]
    return "\n".join(lines)
