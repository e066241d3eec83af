"""`kg search`: the finder from the command line (words, dates and facets; a table, CSV or JSON)."""
from __future__ import annotations

import csv
import html
import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from kg.cli_store import store_option


@click.command()
@click.argument("words", nargs=-1)
@store_option
@click.option("--where", "facets", multiple=True, metavar="FACET=VALUE",
              help="A facet value, as on the web page's address: category=imaging, region=knee, outcome=overturned, "
                   "guideline=odg, icd=M54.5, icd-block=M50-M54 ... (repeat; values of one facet are alternatives).")
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Decided on or after this date.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Decided on or before this date.")
@click.option("--sort", type=click.Choice(["relevance", "date-desc", "date-asc", "case", "treatment", "outcome"]),
              help="Order (default: best match with words, else newest first).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True, help="Rows to show.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def search(words: tuple[str, ...], store_path: Path, facets: tuple[str, ...], date_from: str | None,
           date_to: str | None, sort: str | None, limit: int, fmt: str) -> None:
    """Find disputed items by words (in requests, rationales, diagnoses, drug names and the letters' text), dates
    and facets, from the store's item index. Exit status: 0 found, 1 nothing found, 2 usage error.

    Example:

        kg search lumbar MRI --where outcome=overturned --from 2016-01-01 --store data/
    """
    from kg.finder import SelectionError, find, parse_selection, plain_row, rows
    from kg.item_index import FILE_NAME, ItemIndex
    from kg.text_index import snippets

    args: dict[str, list[str]] = {"q": [" ".join(words)], "from": [date_from or ""], "to": [date_to or ""],
                                  "sort": [sort or ""]}
    for given in facets:
        name, _, value = given.partition("=")
        if not value:
            raise click.UsageError(f"--where {given!r}: write it as FACET=VALUE, such as category=imaging")
        args.setdefault(name.strip(), []).append(value.strip())
    path = Path(store_path) / FILE_NAME
    if not path.is_file():
        raise click.ClickException(f"{store_path}: no item index here (build the store with kg build first)")
    index = ItemIndex(path, read_only=True)
    try:
        if not index.current:
            raise click.ClickException(f"{store_path}: the item index is of another version; run kg recount")
        unknown = sorted(set(args) - {"q", "from", "to", "sort"} - set(_facets()))
        if unknown:
            raise click.UsageError(f"unknown facet {unknown[0]!r}; use one of: {', '.join(_facets())}")
        try:
            selection = parse_selection(args)
            found = find(index, selection, facets=False)
            picked = rows(index, selection, limit)
        except SelectionError as error:
            raise click.UsageError(str(error)) from error
        marks = snippets(index.db, selection.q, [r["item"] for r in picked],
                         {r["case"].rsplit("/", 1)[-1] for r in picked}) if selection.q else {}
    finally:
        index.close()
    table = []
    for row in picked:
        plain = plain_row(row)
        mark = marks.get(row["item"]) or marks.get(row["case"].rsplit("/", 1)[-1], "")
        plain["snippet"] = html.unescape(re.sub(r"</?mark>", "*", mark))
        table.append(plain)
    _write(table, fmt, found.items, found.cases)
    sys.exit(0 if table else 1)


@click.command()
@click.argument("words", nargs=-1)
@store_option
@click.option("--item", "item", metavar="IRI|CASE/N", help="A stored item instead of words: its IRI, or the case "
              "number and item number (CM14-0166055/1).")
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def similar(words: tuple[str, ...], store_path: Path, item: str | None, top: int, fmt: str) -> None:
    """The earlier decisions most like a request (in words) or a stored item, why, and how they went.

    Example:

        kg similar lumbar MRI, MTUS low back, M54.5 --store data/
        kg similar --item CM14-0166055/1 --store data/
    """
    from dataclasses import asdict

    from kg.item_index import FILE_NAME, ItemIndex
    from kg.rdf import mint
    from kg.similar import probe_of_item, probe_of_text
    from kg.similar import similar as find_similar

    if bool(item) == bool(words):
        raise click.UsageError("give the request in words, or --item, but not both")
    path = Path(store_path) / FILE_NAME
    if not path.is_file():
        raise click.ClickException(f"{store_path}: no item index here (build the store with kg build first)")
    with ItemIndex(path, read_only=True) as index:
        if item:
            iri = item
            if not item.startswith("http"):
                number, _, n = item.partition("/")
                iri = str(mint.part_iri(mint.case_iri(mint.case_key(number, None)), "item", n or "1"))
            probe = probe_of_item(index, iri)
            if probe is None:
                raise click.ClickException(f"no disputed item {iri} in {store_path}")
        else:
            probe = probe_of_text(" ".join(words))
        found = find_similar(index, probe, top)
    if fmt == "json":
        click.echo(json.dumps({"overturned": found.overturned, "matches": [asdict(m) for m in found.matches]},
                              indent=1, ensure_ascii=False))
    else:
        if found.matches:
            low, high = found.interval or (0.0, 0.0)
            click.echo(f"{found.overturned} of {len(found.matches)} similar decisions overturned "
                       f"(95% interval {100 * low:.0f}-{100 * high:.0f}%)", err=True)
        for m in found.matches:
            click.echo(f"{m.case_number}  {m.decision_date}  {m.outcome.rsplit('/', 1)[-1]:<10}  {m.request}  "
                       f"(score {m.score})")
            click.echo(f"    why: {'; '.join(m.reasons)}")
            for sentence in m.deciding:
                click.echo(f"    > {sentence}")
    sys.exit(0 if found.matches else 1)


def _facets() -> tuple[str, ...]:
    from kg.finder import FACETS

    return tuple(FACETS)


def _write(table: list[dict[str, Any]], fmt: str, items: int, cases: int) -> None:
    if fmt == "json":
        click.echo(json.dumps({"items": items, "cases": cases, "rows": table}, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        if table:
            writer = csv.DictWriter(sys.stdout, fieldnames=list(table[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(table)
        return
    click.echo(f"{items:,} items in {cases:,} cases" + (f"; the first {len(table)}:" if len(table) < items else ":"),
               err=True)
    for row in table:
        click.echo(f"{row['case_number']}  {row['decision_date']}  {row['outcome']:<10}  {row['treatment']}"
                   f" ({row['category']})")
        if row["snippet"]:
            click.echo(f"    {row['snippet']}")


__all__ = ["search", "similar"]
