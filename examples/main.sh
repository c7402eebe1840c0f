#!/bin/sh
# The README's main job: the default pipeline (examples/pipelines/default.yaml): Li3PO4 glass by
# melt-quench, Li transport at four temperatures, Arrhenius, report. Run it again after an
# interruption: it continues where it stopped (docs/pipeline.md).
set -e
cd "$(dirname "$0")/.."
mkdir -p out
./build/aion run examples/pipelines/default.yaml --out out/run
echo "open out/run/report.html"
