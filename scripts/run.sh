#!/usr/bin/env bash
# The main job: set up, then extract every bundled letter into out/records.jsonl and out/items.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
status=0
.venv/bin/kg extract letters/ > out/records.jsonl || status=$?
.venv/bin/kg extract letters/ --format csv --quiet > out/items.csv || true
echo "wrote out/records.jsonl and out/items.csv"
exit "$status"
