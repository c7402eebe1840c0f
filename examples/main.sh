#!/bin/sh
# The README's main job: energy, forces and stress of the shipped β-Li3PO4 cell (288 atoms)
# with the built-in Pedone 2006 potential, Coulomb by Ewald and by DSF.
set -e
cd "$(dirname "$0")/.."
mkdir -p out
./build/aion eval --potential pedone --coulomb ewald --in examples/li3po4-beta-288.xyz --out out/eval-ewald.xyz
./build/aion eval --potential pedone --coulomb dsf --in examples/li3po4-beta-288.xyz --out out/eval-dsf.xyz
./build/aion info out/eval-ewald.xyz out/eval-dsf.xyz
