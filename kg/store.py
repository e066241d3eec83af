"""The persistent pyoxigraph store: one named graph per letter, replaced in one transaction.

One process writes at a time. Writers hold an exclusive lock file in the store folder; commands
that only read refuse with a clear message while a writer holds it, because pyoxigraph documents
reading a store that another process is writing as undefined behaviour.
"""
from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeAlias

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from kg.errors import KGError
from kg.namespaces import PREFIXES
from kg.rdf.formats import RDF_FORMATS
from kg.rdf.ntriples import nquads

if TYPE_CHECKING:
    from kg.item_index import ItemIndex
    from kg.remote_store import RemoteStore

DEFAULT_STORE = Path(os.environ.get("KG_STORE", "data"))
LOCK_NAME = ".kg-write.lock"


class StoreBusy(KGError):
    """Another process is writing the store."""


def to_ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise KGError(f"cannot store term {term!r}")


def quads(graph: Graph, name: URIRef) -> Iterator[ox.Quad]:
    """The triples of an rdflib graph as pyoxigraph quads in the named graph ``name``."""
    target = ox.NamedNode(str(name))
    for s, p, o in graph:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), target)  # type: ignore[arg-type]


def graph_update(replace: dict[str, str | None], add: dict[str, str] | None = None) -> str:
    """One SPARQL Update (one transaction) that replaces named graphs with N-Triples text (None: drops them) and
    adds N-Triples to others."""
    operations = [f"DROP SILENT GRAPH <{graph}>" for graph in replace]
    blocks = [f"GRAPH <{graph}> {{\n{nt}\n}}" for graph, nt in {**(add or {}), **replace}.items() if nt and nt.strip()]
    if blocks:
        operations.append("INSERT DATA {\n" + "\n".join(blocks) + "\n}")
    return " ;\n".join(operations) or "CLEAR SILENT GRAPH <urn:imr-kg:nothing>"


def _quads_of(graph: Graph | str, name: URIRef) -> Iterator[ox.Quad]:
    if isinstance(graph, Graph):
        yield from quads(graph, name)
        return
    target = ox.NamedNode(str(name))
    for quad in ox.parse(graph.encode("utf-8"), ox.RdfFormat.N_TRIPLES, rename_blank_nodes=True):
        yield ox.Quad(quad.subject, quad.predicate, quad.object, target)


def check_ntriples(text: str, what: str) -> None:
    """Raise KGError unless ``text`` is valid N-Triples (so that it can go into an update as it is)."""
    try:
        for _ in ox.parse(text.encode("utf-8"), ox.RdfFormat.N_TRIPLES):
            pass
    except (SyntaxError, ValueError) as error:
        raise KGError(f"{what}: not valid N-Triples ({error})") from error


def read_rdf_file(path: str | os.PathLike[str]) -> Graph:
    """The triples of an RDF file in any format rdflib reads; KGError naming the file when it cannot."""
    parsed = Graph()
    try:
        parsed.parse(str(path))
    except Exception as error:  # rdflib raises many parser-specific types
        raise KGError(f"{path}: not readable as RDF ({error})") from error
    return parsed


def count_triples(select: Callable[[str], list[dict[str, Any]]], graph: URIRef | None = None) -> int:
    """Number of quads, in one named graph or in the whole store (default graph and named graphs), by a query."""
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"
    return int(select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]["n"])


def text_search_wanted(sparql: str) -> bool:
    """Whether a query calls the text search function (only then is the item index opened for it)."""
    from kg.text_index import MATCHES_FUNCTION

    return MATCHES_FUNCTION.rsplit("#", 1)[0] in sparql


def open_store(path: str | os.PathLike[str], writable: bool) -> Any:
    """The raw store at ``path`` for a process that already holds the right to it (the server's workers, under
    the serving lock that :func:`hold_for_serving` takes): a pyoxigraph store, or for an http(s) URL a
    :class:`kg.remote_store.RemoteStore`, which takes the same ``query`` and ``update`` calls. Everyone else
    uses :class:`KGStore` or :func:`open_any`."""
    from kg.remote_store import RemoteStore, is_url

    if is_url(path):
        remote = RemoteStore(str(path))
        remote.read_only = not writable
        return remote
    return ox.Store(str(path)) if writable else ox.Store.read_only(str(path))


#: What only a store folder holds: RocksDB's record of its current files.
_STORE_MARK = "CURRENT"


def check_folder(path: Path, read_only: bool) -> None:
    """Refuse, in one line, a store path that cannot be a store: a file; for reading, a folder with no store in
    it; for writing, a folder that holds other files but no store (the store's files would be mixed in)."""
    if path.exists() and not path.is_dir():
        raise KGError(f"{path}: is a file, not a store folder")
    if read_only:
        if not (path / _STORE_MARK).is_file():
            raise KGError(f"{path}: no store here (build one with: kg build LETTERS --store {path})")
        return
    if path.is_dir() and not (path / _STORE_MARK).is_file():
        try:
            others = [p.name for p in path.iterdir() if not p.name.startswith(".")]
        except OSError as error:
            raise KGError(f"{path}: cannot read the folder ({error.strerror or error})") from error
        if others:
            raise KGError(f"{path}: this folder holds other files ({', '.join(sorted(others)[:3])}"
                          f"{', ...' if len(others) > 3 else ''}) and no store; give --store an empty or new folder")


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class KGStore:
    """A pyoxigraph store on disk (or in memory when ``path`` is None) with the operations the tools need."""

    def __init__(self, path: str | os.PathLike[str] | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._items: ItemIndex | None = None
        self._searched: ItemIndex | None = None  # read-only, for the text search function of queries
        self._lock: IO[str] | None = None
        if self.path is None:
            self.store = ox.Store()
            return
        check_folder(self.path, read_only)
        if read_only:
            holder = writer_of(self.path)
            if holder is not None:
                raise StoreBusy(f"{self.path}: the store is being written by another process ({holder}); "
                                "try again when it has finished")
            try:
                self.store = ox.Store.read_only(str(self.path))
            except OSError as error:
                raise KGError(f"{self.path}: the store could not be opened ({_first_line(error)})") from error
        else:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise KGError(f"{self.path}: cannot make the store folder ({error.strerror or error})") from error
            self._lock = _acquire(self.path)
            try:
                self.store = ox.Store(str(self.path))
            except OSError as error:
                self.close()
                raise KGError(f"{self.path}: the store could not be opened ({error})") from error

    def item_index(self) -> ItemIndex | None:
        """The item index kept beside this store (kg.item_index): in the store folder, or in memory for a store
        in memory; None for a read-only store that has none."""
        if self._items is None:
            from kg.item_index import FILE_NAME, ItemIndex

            file = None if self.path is None else self.path / FILE_NAME
            if not self.read_only:
                fresh = file is None or not file.is_file()
                items = self._items = ItemIndex(file)
                if fresh or items.reset:  # filled from the letters already stored, before any change
                    from kg.build import letter_index
                    from kg.item_index import sync

                    sync(items, self.select, {key: sha for key, (sha, _) in letter_index(self).items()})
            elif file is not None and file.is_file():
                reader = ItemIndex(file, read_only=True)
                if reader.current:
                    self._items = reader
                else:
                    reader.close()
        return self._items

    def index(self, letters: list[dict[str, Any]], removed: list[str]) -> None:
        """Put letters in the item index (replacing earlier rows) and take letters out of it."""
        items = self.item_index()
        if items is not None:
            items.write(letters, removed)

    def close(self) -> None:
        """Flush and release the write lock."""
        for opened in (self._items, self._searched):
            if opened is not None:
                opened.close()
        self._items = self._searched = None
        if self._lock is not None:
            if hasattr(self, "store"):
                self.store.flush()
                # pyoxigraph closes the database when the last reference goes; it must be closed
                # before the lock is released, or a reader could open files still being compacted.
                del self.store
            self._lock.seek(0)
            self._lock.truncate()
            self._lock.flush()
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def __enter__(self) -> KGStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def replace_graphs(self, graphs: dict[URIRef, Graph | None]) -> None:
        """Replace each named graph by its new content (None: delete it), all in one transaction."""
        self.store.update(graph_update(
            {str(name): None if graph is None else graph.serialize(format="nt") for name, graph in graphs.items()}))

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update (one transaction)."""
        self.store.update(sparql)

    def replace_nt(self, graphs: dict[str, str | None]) -> None:
        """Replace each named graph by N-Triples text (None: drop it), in one transaction."""
        self.store.update(graph_update(graphs))

    def add_new(self, items: list[tuple[str, str]]) -> None:
        """Add named graphs not in the store yet, as (graph IRI, N-Triples text), in bulk: one N-Quads
        document handed to the store's bulk loader, with no Python object per quad. Blank node labels must
        differ between the graphs (the pipeline labels them after the letter)."""
        document = "".join(nquads(nt, name) for name, nt in items if nt)
        if document:
            self.store.bulk_load(document.encode("utf-8"), format=ox.RdfFormat.N_QUADS)

    def bulk_add(self, items: Iterable[tuple[URIRef, Graph | str]]) -> None:
        """Add many new named graphs fast (graphs not in the store yet), as rdflib graphs or N-Triples text."""
        self.store.bulk_extend(q for name, graph in items for q in _quads_of(graph, name))

    def load_file(self, path: str | os.PathLike[str], graph: URIRef) -> int:
        """Load any RDF file into the named graph ``graph``, replacing what it held; returns its triple count."""
        parsed = read_rdf_file(path)
        self.replace_graphs({graph: parsed})
        return len(parsed)

    def has_graph(self, name: URIRef) -> bool:
        """Whether the named graph exists."""
        return self.store.contains_named_graph(ox.NamedNode(str(name)))

    def named_graphs(self) -> list[str]:
        """IRIs of every named graph."""
        return sorted(g.value for g in self.store.named_graphs())

    def query(self, sparql: str, **options: Any) -> Any:
        """Run a SPARQL query with the project's prefixes predeclared, and the text search function
        (:func:`kg.text_index.sparql_functions`) when the store has an item index."""
        if "custom_functions" not in options and text_search_wanted(sparql):
            functions = self._text_functions()
            if functions:
                options["custom_functions"] = functions
        return self.store.query(sparql, prefixes=PREFIXES, **options)

    def _text_functions(self) -> dict[Any, Any]:
        """The text search function over this store's item index (none without a current one)."""
        from kg.item_index import FILE_NAME, ItemIndex
        from kg.text_index import sparql_functions

        if self.path is None or not (self.path / FILE_NAME).is_file():
            return {}
        if self._searched is None:
            self._searched = ItemIndex(self.path / FILE_NAME, read_only=True)
        return sparql_functions(self._searched.db) if self._searched.current else {}

    def select(self, sparql: str) -> list[dict[str, Any]]:
        """A SELECT query's rows as dicts of Python values (strings, ints, floats, None)."""
        solutions = self.query(sparql)
        names = [v.value for v in solutions.variables]
        return [{n: _python(row[n]) for n in names} for row in solutions]

    def triple_count(self, graph: URIRef | None = None) -> int:
        """Number of quads, in one named graph or in the whole store."""
        return count_triples(self.select, graph)

    def dump(self, stream: IO[bytes], fmt: str) -> None:
        """Write the store in one of :data:`kg.rdf.formats.RDF_FORMATS`: the dataset formats keep the named
        graphs, the triple formats merge them."""
        target = RDF_FORMATS[fmt]
        if target.keeps_graphs:
            self.store.dump(stream, target.oxigraph, prefixes=PREFIXES if fmt == "trig" else None)
            return
        union = self.store.query("CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
        assert isinstance(union, ox.QueryTriples)  # a CONSTRUCT query always answers with triples
        union.serialize(stream, target.oxigraph)

    def meta(self) -> dict[str, Any]:
        """Store-level facts kept beside the database (pipeline fingerprint)."""
        if self.path is None or not (self.path / "kg-meta.json").exists():
            return {}
        try:
            found = json.loads((self.path / "kg-meta.json").read_text())
        except (OSError, ValueError):  # unreadable: as if nothing were known (a build then does everything)
            return {}
        return found if isinstance(found, dict) else {}

    def set_meta(self, values: dict[str, Any]) -> None:
        """Record store-level facts beside the database."""
        if self.path is not None:  # written beside, then moved in place: never half a file
            partial = self.path / "kg-meta.json.partial"
            partial.write_text(json.dumps({**self.meta(), **values}, indent=1))
            partial.replace(self.path / "kg-meta.json")


#: Either kind of store: a pyoxigraph folder or a SPARQL 1.1 server.
AnyStore: TypeAlias = "KGStore | RemoteStore"


def open_any(spec: str | os.PathLike[str], read_only: bool = False) -> AnyStore:
    """The store ``spec`` names: an http(s) URL gives a :class:`kg.remote_store.RemoteStore` (the server's base
    URL), anything else the pyoxigraph store in that folder."""
    from kg.remote_store import RemoteStore, is_url

    if is_url(spec):
        return RemoteStore(str(spec))
    try:
        return KGStore(spec, read_only=read_only)
    except StoreBusy:
        # A server started with `kg serve --ingest` holds the store: reads go through its SPARQL endpoint.
        from kg.handoff import serving

        server = serving(Path(spec)) if read_only else None
        if server is None:
            raise
        reader = RemoteStore(server["url"], query="sparql")
        reader.read_only = True
        return reader


def writer_of(path: Path) -> str | None:
    """A description of the process writing the store at ``path``, or None when nobody is."""
    lock = path / LOCK_NAME
    if not lock.exists():
        return None
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            return handle.read().strip() or "another process"
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _acquire(path: Path) -> IO[str]:
    handle = open(path / LOCK_NAME, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        what = f"being written by another process ({holder})" if holder else "in use by a server (kg serve)"
        raise StoreBusy(f"{path}: the store is {what}; try again when it has finished (a server started with "
                        "`kg serve --ingest` takes letters from `kg build` while it runs)") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


def _python(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else ""
        if datatype.endswith(("#integer", "#int", "#long")):
            return int(term.value)
        if datatype.endswith(("#decimal", "#double", "#float")):
            return float(term.value)
        if datatype.endswith("#boolean"):
            return term.value == "true"
    return term.value


def hold_for_serving(path: Path, writable: bool) -> IO[str]:
    """Lock the store for a server: shared when it only reads (writers then wait), exclusive when it writes."""
    if not path.exists():
        raise KGError(f"{path}: no store here (build one with: kg build LETTERS --store {path})")
    if writable:
        return _acquire(path)
    handle = open(path / LOCK_NAME, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StoreBusy(f"{path}: the store is being written by another process ({holder})") from None
    return handle
