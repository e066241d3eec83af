"""The `kg` commands that work on the store: build, validate, query, load, export, stats, rejected, delete,
recount and serve."""
from __future__ import annotations

import atexit
import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox

from kg.errors import KGError
from kg.remote_store import RemoteStore, RemoteTriples, is_url
from kg.store import DEFAULT_STORE, AnyStore, open_any

_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV, "json": ox.QueryResultsFormat.JSON,
            "xml": ox.QueryResultsFormat.XML}
#: What `kg export` writes, by their names in :data:`kg.rdf.formats.RDF_FORMATS`.
EXPORT_FORMATS = ("nquads", "trig", "turtle", "jsonld")


def store_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """The shared ``--store DIR`` option (default ./data, or $KG_STORE)."""
    return click.option("--store", "store_path", type=click.Path(path_type=Path), default=DEFAULT_STORE,
                        show_default=True, help="Folder of the pyoxigraph store (env KG_STORE).")(function)


class StoreSpec(click.ParamType):
    """A store folder (as a Path) or the base URL of a SPARQL 1.1 server (kept as the http(s) string)."""

    name = "DIR|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path) or not is_url(value):
            return Path(value)
        return str(value).rstrip("/")


def store_or_url_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--store DIR|URL``: a store folder (default ./data, or $KG_STORE) or an http(s) SPARQL server."""
    return click.option("--store", "store_path", type=StoreSpec(),
                        default=os.environ.get("KG_STORE") or str(DEFAULT_STORE), show_default=True,
                        help="Folder of the pyoxigraph store, or the base URL of a SPARQL 1.1 server such as "
                             "http://127.0.0.1:7878 (env KG_STORE).")(function)


def one_line_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    """Report the library's errors (a server down or refusing, a busy store) and the system's (a full disk, a
    folder that cannot be written) as one line and exit 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except KGError as error:
            raise click.ClickException(str(error)) from error
        except OSError as error:  # the store's engine and SQLite report disk trouble as OSError
            raise click.ClickException(system_error(error, kwargs.get("store_path"))) from error

    return wrapper


def system_error(error: OSError, where: object = None) -> str:
    """An operating-system error in one line, named after the store when there is one."""
    import errno

    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if error.errno == errno.ENOSPC or "No space left" in text:
        text = "the disk is full (no space left on the device); free some space and run the command again"
    elif error.errno == errno.EFBIG or "File too large" in text:
        text = "a file grew past the size the system allows (file too large); nothing more could be written"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM) or "Read-only file system" in text:
        text = f"cannot write there ({error.strerror or text})"
    return f"{where}: {text}" if where else text


def _open(path: Path | str, read_only: bool) -> AnyStore:
    try:
        return open_any(path, read_only=read_only)
    except KGError as error:
        raise click.ClickException(str(error)) from error


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@store_or_url_option
@click.option("--strict", is_flag=True, help="Keep letters with SHACL violations out of the graph (they are listed).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes reading, mapping and validating letters.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@one_line_errors
def build(paths: tuple[Path, ...], store_path: Path | str, strict: bool, jobs: int, quiet: bool) -> None:
    """Read, extract, map, validate and load letters into the store.

    Unchanged letters are left alone; changed ones are replaced in one transaction. Exit status: 0 every
    letter loaded clean, 1 some letters had errors or were kept out, 2 usage error.

    Example:

        kg build letters/ --store data/
    """
    from kg.build import build as run_build
    from kg.handoff import build_through_server, serving
    from kg.pipeline import letter_paths

    total = sum(1 for _ in letter_paths(paths))
    server = serving(store_path) if isinstance(store_path, Path) else None
    started = time.monotonic()
    done = [0]

    def rate(_: object) -> str:
        return f"{done[0] / max(time.monotonic() - started, 1e-9):,.0f} letters/s" if done[0] else ""

    def step(item: object) -> None:
        done[0] += 1
        bar.update(1, item)

    with click.progressbar(length=total, label="letters", file=sys.stderr, hidden=quiet or total < 2,
                           show_pos=True, show_eta=True, item_show_func=rate) as bar:
        if server is not None:
            if strict:
                raise click.UsageError("--strict is not available while a server holds the store")
            try:
                summary = build_through_server(paths, server, jobs=jobs, progress=step)
            except KGError as problem:
                raise click.ClickException(str(problem)) from problem
            where = f"handed to the server at {server['url']}"
        else:
            with _open(store_path, read_only=False) as store:
                summary = run_build(paths, store, strict=strict, jobs=jobs, progress=step)
                where = f"store {store_path} holds {store.triple_count()} triples"
    click.echo(f"{summary.added} added, {summary.replaced} replaced, {summary.unchanged} unchanged, "
               f"{len(summary.rejected)} kept out; {len(summary.not_conforming)} with violations, "
               f"{len(summary.with_warnings)} with warnings only; {where}", err=True)
    for source, errors in summary.with_errors:
        for error in errors:
            click.echo(f"error: {error}", err=True)
    for source, reasons in summary.rejected:
        click.echo(f"kept out: {source}: {'; '.join(reasons)}", err=True)
    sys.exit(0 if summary.clean else 1)


@click.command()
@store_or_url_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True)
@one_line_errors
def validate(store_path: Path | str, fmt: str) -> None:
    """Validate every letter's graph in the store against shapes/imr.shapes.ttl.

    Exit status: 0 all conform, 1 some violations, 2 error.

    Example:

        kg validate --store data/ --format text
    """
    from kg.store_stats import validate_store

    with _open(store_path, read_only=True) as store:
        results = validate_store(store)
    violations = sum(len(r.violations) for _, r in results)
    if fmt == "json":
        click.echo(json.dumps([{"case": key, "conforms": r.conforms,
                                "problems": [vars(p) for p in r.problems]} for key, r in results], indent=1))
    elif fmt == "turtle":
        from rdflib import Graph

        merged = Graph()
        for _, report in results:
            merged += report.graph
        click.echo(merged.serialize(format="turtle"))
    else:
        for key, report in results:
            if report.problems:
                click.echo(report.text(key))
        click.echo(f"{len(results)} letters, {sum(1 for _, r in results if r.conforms)} conform, "
                   f"{violations} violations", err=True)
    sys.exit(1 if violations else 0)


@click.command()
@click.argument("sparql", required=False)
@store_or_url_option
@click.option("--example", help="Run a shipped example query by name (see --list-examples).")
@click.option("--list-examples", is_flag=True, help="List the example queries with their descriptions.")
@click.option("--file", "query_file", type=click.File("r"), help="Read the query from a file ('-' for stdin).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "tsv", "xml"]), default="table",
              show_default=True, help="Result format (CONSTRUCT/DESCRIBE results are always Turtle).")
@one_line_errors
def query(sparql: str | None, store_path: Path | str, example: str | None, list_examples: bool, query_file: Any,
          fmt: str) -> None:
    """Run a SPARQL query against the store (the project's prefixes are predeclared).

    A query that is not valid SPARQL is reported on one line naming its line and column (exit status 1);
    updates are not run here (use load, build, or a server started with --update-token).

    Example:

        kg query --store data/ 'SELECT ?case WHERE { ?c imr:caseNumber ?case }'

        kg query --store data/ --example upheld-rate-by-category --format csv
    """
    from kg.examples import example_queries, example_query
    from kg.sparql_errors import UPDATE_OPERATIONS, explain, operation_keyword

    if list_examples:
        for q in example_queries().values():
            click.echo(f"{q.name}\n    {q.title}: {q.description}")
        return
    chosen = [x for x in (sparql, example, query_file) if x]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of: a query, --example NAME, --file FILE")
    try:
        text = sparql or (example_query(example).sparql if example else query_file.read())
    except KGError as error:
        raise click.UsageError(str(error)) from error
    operation = operation_keyword(text)
    if operation in UPDATE_OPERATIONS:
        raise click.ClickException(
            f"kg query runs queries only, and {operation} starts a SPARQL update. To change the store use "
            "`kg load FILE --graph IRI` (an RDF file into a named graph) or `kg build LETTERS` (letters), or send "
            "the update to a server started with `kg serve --update-token SECRET`, as a POST to its /sparql "
            "with the header 'Authorization: Bearer SECRET'.")
    with _open(store_path, read_only=True) as store:
        try:
            result = store.query(text, use_default_graph_as_union=True)
        except SyntaxError as error:
            where = f" (the SPARQL server at {store.url} answered HTTP 400)" if isinstance(store, RemoteStore) else ""
            raise click.ClickException(explain(text, error).report() + where) from error
        _print_result(result, fmt)


def _print_result(result: Any, fmt: str) -> None:
    out = sys.stdout.buffer
    if isinstance(result, ox.QueryBoolean):
        click.echo("true" if bool(result) else "false")
    elif isinstance(result, (ox.QueryTriples, RemoteTriples)):
        result.serialize(out, ox.RdfFormat.TURTLE)
    elif fmt == "table":
        from kg.output import format_table

        names = [v.value for v in result.variables]
        rows = [[_cell(row[n]) for n in names] for row in result]
        click.echo(format_table(names, rows))
    else:
        result.serialize(out, _FORMATS[fmt])
    out.flush()


def _cell(term: Any) -> str:
    return "" if term is None else str(term.value)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--graph", "graph_iri", required=True, help="IRI of the named graph to load into (replaced).")
@store_or_url_option
@one_line_errors
def load(file: Path, graph_iri: str, store_path: Path | str) -> None:
    """Load any RDF file (Turtle, N-Triples, RDF/XML, JSON-LD, ...) into a named graph.

    Example:

        kg load vocab.ttl --graph https://example.org/g --store data/
    """
    from rdflib import URIRef

    with _open(store_path, read_only=False) as store:
        try:
            count = store.load_file(file, URIRef(graph_iri))
        except KGError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"loaded {count} triples from {file} into <{graph_iri}>", err=True)


@click.command()
@store_or_url_option
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="nquads",
              show_default=True, help="nquads, trig and jsonld keep the named graphs; turtle merges them.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default stdout).")
@one_line_errors
def export(store_path: Path | str, fmt: str, output: Path | None) -> None:
    """Write the whole store as RDF.

    Example:

        kg export --store data/ --format trig -o graph.trig
    """
    with _open(store_path, read_only=True) as store:
        if output:
            with open(output, "wb") as handle:
                store.dump(handle, fmt)
        else:
            store.dump(sys.stdout.buffer, fmt)
            sys.stdout.buffer.flush()


@click.command()
@store_or_url_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@one_line_errors
def stats(store_path: Path | str, fmt: str) -> None:
    """Cases, items, outcomes, triples, graphs and a validation summary.

    Example:

        kg stats --store data/
    """
    from kg.store_stats import store_stats

    with _open(store_path, read_only=True) as store:
        numbers = store_stats(store)
        if store.meta().get("build") == "running":  # no writer holds it (or it would not open): a build stopped
            click.echo(f"note: the last build of {store_path} stopped before it finished; the outcome counts and "
                       "the item index may be behind its letters until the next `kg build`", err=True)
    if fmt == "json":
        click.echo(json.dumps(numbers, indent=1))
    else:
        width = max(len(k) for k in numbers)
        for key, value in numbers.items():
            click.echo(f"{key:<{width}}  {value}")


@click.command()
@store_or_url_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@one_line_errors
def rejected(store_path: Path | str, fmt: str) -> None:
    """List the letter files kept out of the graph, each with its reasons (the files stay where they are).

    Exit status 0 when none were kept out, 1 when some were.

    Example:

        kg rejected --store data/
    """
    from kg.loading import rejected_letters

    with _open(store_path, read_only=True) as store:
        found = rejected_letters(store.select)
    if fmt == "json":
        click.echo(json.dumps(found, indent=1))
    else:
        for entry in found:
            reasons = [r.removeprefix(f"{entry['source']}: ") for r in entry["reasons"]]
            click.echo(f"{entry['source']}: {'; '.join(reasons) or '(no reason recorded)'}")
        click.echo(f"{len(found)} letter file{'s' if len(found) != 1 else ''} kept out", err=True)
    sys.exit(1 if found else 0)


@click.command()
@click.argument("case_numbers", nargs=-1, required=True)
@store_or_url_option
@one_line_errors
def delete(case_numbers: tuple[str, ...], store_path: Path | str) -> None:
    """Remove letters (their graphs and validation reports) from the store by case number.

    Example:

        kg delete CM14-0166055 --store data/
    """
    from kg.loading import delete_letters

    with _open(store_path, read_only=False) as store:
        missing = delete_letters(store, case_numbers)
    for number in missing:
        click.echo(f"error: no letter {number} in {store_path}", err=True)
    click.echo(f"deleted {len(case_numbers) - len(missing)} letters", err=True)
    sys.exit(1 if missing else 0)


@click.command()
@store_or_url_option
@one_line_errors
def recount(store_path: Path | str) -> None:
    """Count outcomes and cases again, and rebuild the item index, from every stored letter.

    The counts in graph/summaries and the item index (items.sqlite in the store folder) are kept up to date as
    letters load; recount rebuilds both from the letters themselves, for a store whose build was interrupted or
    that was built before a kind of count existed.

    Example:

        kg recount --store data/
    """
    from kg.build import letter_index
    from kg.item_index import sync
    from kg.summaries import SUMMARY_GRAPH, recount as recount_letters

    with _open(store_path, read_only=False) as store:
        letters = recount_letters(store)
        observations = store.select(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH <{SUMMARY_GRAPH}> "
                                    "{ ?o a <http://purl.org/linked-data/cube#Observation> } }")
        items = store.item_index()
        if items is not None:
            items.clear()
            sync(items, store.select, {key: sha for key, (sha, _) in letter_index(store).items()})
    click.echo(f"counted {letters} letters into {observations[0]['n']} observations"
               f"{' and the item index' if items is not None else ''}", err=True)


COMMANDS: tuple[click.Command, ...] = (build, validate, query, load, export, stats, rejected, delete, recount)


@click.command()
@store_or_url_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1), help="Request threads.")
@click.option("--timeout", "timeout_s", type=float, help="Query time limit in seconds (setting QUERY_TIMEOUT_S).")
@click.option("--max-rows", type=int, help="Row limit per query (setting MAX_ROWS).")
@click.option("--update-token", envvar="KG_UPDATE_TOKEN", help="Switch SPARQL Update on for requests with this "
              "bearer token (env KG_UPDATE_TOKEN).")
@click.option("--uploads", is_flag=True, help="Allow letters to be uploaded through the web page.")
@click.option("--ingest", is_flag=True, help="Take letters from `kg build` runs against this store while serving.")
def serve(store_path: Path | str, host: str, port: int, threads: int, timeout_s: float | None, max_rows: int | None,
          update_token: str | None, uploads: bool, ingest: bool) -> None:
    """Serve the SPARQL endpoint and the workbench with waitress (read-only unless told otherwise).

    Other settings come from KG_<NAME> environment variables (see the README's settings table).

    The store may be an http(s) SPARQL 1.1 server (see `kg build --store URL`): the pages and the endpoint then
    send their queries to it.

    Example:

        kg serve --store data/ --port 8000
    """
    from webapp import create_app
    from webapp.serve import listen
    from webapp.store import close_app

    config: dict[str, Any] = {"STORE_PATH": str(store_path)}
    for key, value in (("QUERY_TIMEOUT_S", timeout_s), ("MAX_ROWS", max_rows), ("UPDATE_TOKEN", update_token)):
        if value is not None:
            config[key] = value
    if uploads:
        config["UPLOADS_ENABLED"] = True
    if ingest:
        config["INGEST_ENABLED"] = True
    try:
        app = create_app(config)
    except KGError as error:
        raise click.ClickException(str(error)) from error
    try:
        server = listen(app, host, port, threads)
    except KGError as error:
        close_app(app)
        raise click.ClickException(str(error)) from error
    writes = [name for name in ("UPDATE_TOKEN", "UPLOADS_ENABLED", "INGEST_ENABLED") if app.config[name]]
    mode = "read-write" if writes else "read-only"
    if app.config["INGEST_ENABLED"]:
        from kg.handoff import announce, withdraw

        assert isinstance(store_path, Path)  # create_app refused --ingest for a server
        announce(store_path, f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}",
                 app.config["INGEST_TOKEN"])
        atexit.register(withdraw, store_path)
        mode += "; `kg build ... --store " + str(store_path) + "` hands letters to this server"
    click.echo(f"serving {store_path} ({mode}) on http://{host}:{port}/  (Ctrl-C stops)", err=True)
    server.run()


COMMANDS = COMMANDS + (serve,)
