#!/usr/bin/env bash
# The main job: set up, then build the knowledge graph from the bundled letters into ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
.venv/bin/kg build letters/ --store "${KG_STORE:-data}" --jobs 2 || status=$?
.venv/bin/kg stats --store "${KG_STORE:-data}"
exit "$status"
