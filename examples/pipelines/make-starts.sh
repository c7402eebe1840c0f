#!/bin/sh
# Regenerates the start structures of the shipped MTP pipelines (system.start). The pipeline scales them
# to system.density and melts them at 2000 K before quenching, so only their composition and size matter;
# they are 64/62-atom glasses of the training set (examples/data/lipon-xtb-train.xyz, frames 72 and 105:
# Pedone melt-quenched Li3PO4 at 2.4 g/cm3 and its N-substituted version, examples/dataset/README.md).
# Why not a random start or a larger cell: the shipped MTP still has holes (short Li-Li, Li-P, O-O) that a
# random start + FIRE relaxation falls into at once, and in 192-atom cells (crystal or glass) MD reaches
# them within ~0.5 ps; in these 62/64-atom cells it runs hundreds of ps (docs/verification.md).
set -e
cd "$(dirname "$0")/../.."
make -s build/aion
./build/aion convert examples/data/lipon-xtb-train.xyz examples/pipelines/li3po4-glass-64.xyz --frames 72
./build/aion convert examples/data/lipon-xtb-train.xyz examples/pipelines/lipon-glass-62.xyz --frames 105
