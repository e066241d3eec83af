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
from kg.pipeline import Refused, extract_file, letter_paths
from kg.record import CaseRecord


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="imr-kg")
def cli() -> None:
    """Build and query a knowledge graph of California IMR determination letters."""


def _records(paths: list[Path | Refused], jobs: int) -> Iterator[CaseRecord]:
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


@cli.command(name="synth")
@click.argument("count", type=click.IntRange(min=1))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (created if missing; it must be empty unless --force).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: the same seed gives the same bytes.")
@click.option("--gold", is_flag=True, help="Also write NAME.gold.json beside each letter, for kg eval.")
@click.option("--formats", default="md,txt,html,pdf", show_default=True,
              help="File types, each with an optional share NAME:SHARE (defaults md 35, txt 35, html 25, pdf 5).")
@click.option("--layouts", default="determination,notice,docs,review", show_default=True,
              help="Layouts, each with an optional share (defaults determination 70, notice 10, docs 10, review 10).")
@click.option("--overturn-rate", type=click.FloatRange(0, 1), default=0.115, show_default=True,
              help="Share of disputed items overturned.")
@click.option("--start", type=click.IntRange(min=0), default=1, show_default=True,
              help="Number of the first case: CM99-<start>, then counting up.")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty (files of the same name are replaced).")
@click.option("--quiet", "-q", is_flag=True, help="No progress or summary on stderr.")
def synth_command(count: int, out_dir: Path, seed: int, gold: bool, formats: str, layouts: str, overturn_rate: float,
                  start: int, force: bool, quiet: bool) -> None:
    """Write COUNT synthetic IMR letters for benchmarks and scale tests.

    The letters come in every known layout and file type, with the treatment-category mix and overturn rate of
    the published IMR figures. Each one opens with a line saying it is synthetic and has a case number in the
    reserved range CM99-xxxxxxx: they are test data, never evidence about real cases. With --gold, kg eval can
    score the extractor on them. Exit status: 0 done, 2 usage error.

    Example:

    \b
        kg synth 1000 --out /tmp/synthetic --seed 7 --gold
        kg eval /tmp/synthetic
        kg synth 10000 --out /tmp/scale --formats md:50,txt:50 --layouts determination:80,review:20
    """
    import time

    from kg.synth import FORMAT_SHARES, LAYOUT_SHARES, Options, parse_shares, write_letters

    try:
        options = Options(count, seed=seed, start=start, overturn_rate=overturn_rate,
                          formats=parse_shares(formats, FORMAT_SHARES), layouts=parse_shares(layouts, LAYOUT_SHARES))
        options.check()
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    if out_dir.exists() and not out_dir.is_dir():
        raise click.UsageError(f"{out_dir} is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise click.UsageError(f"{out_dir} is not empty (use --force to write into it anyway)")
    began = time.perf_counter()

    def progress(number: int) -> None:
        if not quiet and (number % 1000 == 0 or number == count):
            click.echo(f"[{number}/{count}] letters written", err=True)

    counts = write_letters(out_dir, options, gold=gold, progress=progress)
    if not quiet:
        shown = ", ".join(f"{name} {counts[name]}" for name in (*options.layouts, *options.formats) if counts.get(name))
        click.echo(f"{count} synthetic letters{' with gold' if gold else ''} in {out_dir} "
                   f"({time.perf_counter() - began:.1f} s, seed {seed}): {shown}", err=True)


def _register() -> None:
    from kg.cli_analytics import graph
    from kg.cli_search import search, similar
    from kg.cli_store import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)
    cli.add_command(graph)
    cli.add_command(search)
    cli.add_command(similar)


_register()
