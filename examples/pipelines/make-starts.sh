#!/bin/sh
# Regenerates the start structures of the shipped MTP pipelines (system.start). The pipeline scales them
# to system.density and melts them before quenching (Li3PO4: 3000 K, which erases the start; LiPON: 2000 K, which does not quite: docs/verification.md);
# li3po4-glass-64.xyz and lipon-glass-62.xyz are 64/62-atom glasses of the training set
# (examples/data/lipon-xtb-train.xyz, frames 72 and 105: Pedone melt-quenched Li3PO4 at 2.4 g/cm3 and its
# N-substituted version, examples/dataset/README.md); the pipelines start from them replicated 3x1x1 and
# scaled to 2.3 g/cm3 (li3po4-glass-192.xyz, lipon-glass-186.xyz; examples/potential/large-starts.sh).
# Why not a random start: the MTP has no data for O-O pairs below ~1.95 A, which a random start +
# FIRE relaxation can fall into. Why 192/186 atoms and not 64/62: in the 8.7 A cells Li diffuses ~25x
# faster and the P network flows from 800 K (docs/verification.md, "Size").
set -e
cd "$(dirname "$0")/../.."
make -s build/aion
./build/aion convert examples/data/lipon-xtb-train.xyz examples/pipelines/li3po4-glass-64.xyz --frames 72
./build/aion convert examples/data/lipon-xtb-train.xyz examples/pipelines/lipon-glass-62.xyz --frames 105
T=$(mktemp -d)
examples/potential/large-starts.sh "$T" >/dev/null
cp "$T/start-192.xyz" examples/pipelines/li3po4-glass-192.xyz
cp "$T/start-lipon-186.xyz" examples/pipelines/lipon-glass-186.xyz
rm -rf "$T"
