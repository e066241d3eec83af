"""Triples as N-Triples and N-Quads text, written directly: the form letters travel in between the pipeline's
processes, the validator and the store.

rdflib's serializer goes through a Graph and its plugin machinery; a letter's few hundred triples are written
here in a tenth of the time. Output is canonical enough for every reader (one triple per line, literals with
the four characters N-Triples requires escaped, a datatype whenever the literal has one). Blank nodes get a label
prefix, so that the reports of many letters can share one N-Quads document without their nodes merging.
"""
from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

Triple = tuple[Node, Node, Node]

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def term(node: Node, blank_prefix: str = "") -> str:
    """One term in N-Triples syntax; blank node labels get ``blank_prefix`` in front."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        text = '"' + str(node).translate(_ESCAPES) + '"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None:
            return f"{text}^^<{node.datatype}>"
        return text
    if isinstance(node, BNode):
        return f"_:{blank_prefix}{node}"
    raise TypeError(f"not an RDF term: {node!r}")


def ntriples(triples: Iterable[Triple], blank_prefix: str = "") -> str:
    """The triples as N-Triples text, one per line."""
    return "".join(f"{term(s, blank_prefix)} {term(p)} {term(o, blank_prefix)} .\n" for s, p, o in triples)


def nquads(ntriples_text: str, graph: str) -> str:
    """N-Triples text moved into the named graph ``graph`` as N-Quads.

    Every line of N-Triples is one triple ending in "." (a line break inside a literal is always escaped),
    so the graph goes in before that final dot. Text written by :func:`ntriples` (every line ending in
    " .") is converted in one pass; other text line by line.
    """
    suffix = f" <{graph}> .\n"
    if ntriples_text.endswith(" .\n") and ntriples_text.count("\n") == ntriples_text.count(" .\n"):
        return ntriples_text.replace(" .\n", suffix)
    return "".join(line.rstrip()[:-1].rstrip() + suffix for line in ntriples_text.splitlines()
                   if line.strip() and not line.lstrip().startswith("#"))


__all__ = ["Triple", "nquads", "ntriples", "term"]
