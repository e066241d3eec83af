"""The example queries shipped as files (kg/queries/*.rq), each with a title and a description."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.errors import UsageError

QUERY_DIR = Path(__file__).resolve().parent / "queries"
_META = re.compile(r"^#\s*(title|description):\s*(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class ExampleQuery:
    """A named SPARQL query with a human title and description."""

    name: str
    title: str
    description: str
    sparql: str


@lru_cache(maxsize=1)
def example_queries() -> dict[str, ExampleQuery]:
    """Every shipped example query by name (the file name without .rq)."""
    found = {}
    for path in sorted(QUERY_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta = dict(_META.findall(text))
        found[path.stem] = ExampleQuery(path.stem, meta.get("title", path.stem), meta.get("description", ""), text)
    return found


def example_query(name: str) -> ExampleQuery:
    """The example query called ``name``; a UsageError lists the names when there is none."""
    queries = example_queries()
    if name not in queries:
        raise UsageError(f"no example query '{name}'; known: {', '.join(queries)}")
    return queries[name]
