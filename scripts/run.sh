#!/usr/bin/env bash
# The main job: set up, build the knowledge graph from the bundled letters into ./data, then serve the
# web app (home page, finder, search, workbench, SPARQL endpoint) on http://127.0.0.1:8000/ until interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
store="${KG_STORE:-data}"
.venv/bin/kg build letters/ --store "$store" --jobs 2 || echo "some letters had problems (see above); serving the rest" >&2
.venv/bin/kg stats --store "$store"
exec .venv/bin/kg serve --store "$store" --host "${KG_HOST:-127.0.0.1}" --port "${KG_PORT:-8000}"
