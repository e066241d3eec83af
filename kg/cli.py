"""The `kg` command: argument parsing and progress output only; the work is done by the library."""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from multiprocessing import Pool
from pathlib import Path

import click

from kg.output import CSV_COLUMNS, item_rows, record_json
from kg.pipeline import extract_file, letter_paths
from kg.record import CaseRecord


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="imr-kg")
def cli() -> None:
    """Build and query a knowledge graph of California IMR determination letters."""


def _records(paths: list[Path], jobs: int) -> Iterator[CaseRecord]:
    if jobs <= 1:
        yield from map(extract_file, paths)
        return
    with Pool(jobs) as pool:
        yield from pool.imap(extract_file, paths, chunksize=16)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
              help="jsonl: one record per letter; csv: one row per disputed item.")
@click.option("--with-text", is_flag=True, help="Include the letter's normalised text in each JSON record.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes reading letters in parallel.")
@click.option("--quiet", "-q", is_flag=True, help="No progress or summary on stderr.")
def extract(paths: tuple[Path, ...], fmt: str, with_text: bool, jobs: int, quiet: bool) -> None:
    """Read letters (files or folders, recursively) and print one record per letter.

    Exit status: 0 every letter extracted cleanly, 1 some letters had errors, 2 usage error.
    Letters that cannot be read still produce a record whose "errors" name the file and the problem.

    Example:

        kg extract letters/ > records.jsonl

        kg extract letters/ --format csv > items.csv
    """
    files = list(letter_paths(paths))
    if not files:
        raise click.UsageError(f"no letter files (.md .txt .html .pdf) found in: {', '.join(map(str, paths))}")
    out = sys.stdout
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    if fmt == "csv":
        writer.writeheader()
    failed = 0
    for number, record in enumerate(_records(files, jobs), 1):
        if fmt == "csv":
            writer.writerows(item_rows(record))
        else:
            out.write(record_json(record, include_text=with_text) + "\n")
        if record.errors:
            failed += 1
            if not quiet:
                for error in record.errors:
                    click.echo(f"error: {error}", err=True)
        if not quiet and (number % 500 == 0 or number == len(files)):
            click.echo(f"[{number}/{len(files)}] letters read", err=True)
    if not quiet:
        click.echo(f"{len(files)} letters: {len(files) - failed} clean, {failed} with errors", err=True)
    sys.exit(1 if failed else 0)


@cli.command(name="eval")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--min", "minimum", type=click.FloatRange(0, 1), default=None,
              help="Exit 1 when any field's precision or recall is below this.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--details", is_flag=True, help="List every mismatch, letter by letter.")
def evaluate_command(paths: tuple[Path, ...], minimum: float | None, fmt: str, details: bool) -> None:
    """Score extraction against NAME.gold.json files beside the letters: precision and recall per field.

    Example:

        kg eval letters/ --min 0.98
    """
    from kg.evaluation import evaluate, find_gold_letters

    pairs = find_gold_letters(paths)
    if not pairs:
        raise click.UsageError("no letters with a NAME.gold.json beside them were found")
    inputs = []
    for letter, gold in pairs:
        record = extract_file(letter)
        inputs.append((record.to_dict(), json.loads(gold.read_text(encoding="utf-8")), str(letter), str(gold)))
    report = evaluate(inputs)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        from kg.evaluation import format_table

        click.echo(format_table(report))
        if details:
            for letter_result in report.letters:
                for mismatch in letter_result.mismatches:
                    click.echo(f"{letter_result.source}: {mismatch}")
    if minimum is not None:
        low = report.below(minimum)
        if low:
            click.echo(f"below {minimum}: {', '.join(low)}", err=True)
            sys.exit(1)


@cli.command(name="survey")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="Entries per list of unmatched things.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes reading letters in parallel.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def survey_command(paths: tuple[Path, ...], fmt: str, top: int, jobs: int, quiet: bool) -> None:
    """Read letters without gold and report what the extractor does and does not understand.

    Prints the share of letters where each header field, the specialties, diagnoses, prior treatments
    and items were found; per item, the share with a decision, a treatment in the vocabulary, both
    guideline citations and a rationale; dates out of order; layouts; and the most frequent item
    headings, specialties, citations, diagnoses and prior treatments that did not match the
    vocabularies, and warnings, each with a count and an example file.

    Example:

    \b
        kg survey letters/
        kg survey ../more-letters/ --jobs 4 --top 10 --format json > survey.json
    """
    from kg.survey import format_table, survey

    files = list(letter_paths(paths))
    if not files:
        raise click.UsageError(f"no letter files (.md .txt .html .pdf) found in: {', '.join(map(str, paths))}")

    def progress() -> Iterator[CaseRecord]:
        for number, record in enumerate(_records(files, jobs), 1):
            if not quiet and (number % 50 == 0 or number == len(files)):
                click.echo(f"[{number}/{len(files)}] letters read", err=True)
            yield record

    report = survey(progress(), top=top)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=1, ensure_ascii=False))
    else:
        click.echo(format_table(report))


def _register() -> None:
    from kg.cli_analytics import graph
    from kg.cli_graph import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)
    cli.add_command(graph)


_register()
