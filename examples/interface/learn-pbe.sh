#!/bin/sh
# Active learning of the PBE Li || Li3PO4 potential (learn-pbe.yaml; docs/interface.md "PBE data").
# Needs make-data-pbe.sh to have run (its structures in out/interface/pbe and its labels in
# examples/data/li-interface-pbe.xyz). Resumable: run it again after an interruption.
# Output: out/interface/learn-pbe (learn.json, dataset.xyz, final.mtp).
set -eu
cd "$(dirname "$0")/../.."
make -s build/aion
[ -s examples/data/li-interface-pbe.xyz ] || { echo "run examples/interface/make-data-pbe.sh first" >&2; exit 1; }
[ -s out/interface/pbe/if100-2.2.xyz ] || sh examples/interface/make-data-pbe.sh structures
./build/aion learn --run-file examples/interface/learn-pbe.yaml --out "${OUT:-out/interface/learn-pbe}" "$@"
