#!/bin/sh
# Regenerates examples/li3po4-beta-288.xyz: β-Li3PO4 (Pmn2₁), Materials Project mp-13725
# (CC BY 4.0, https://materialsproject.org; the CIF is in ../shared/data/cifs/), replicated 3×3×2
# to the 288-atom cell used by the Pedone validation against LAMMPS.
set -e
cd "$(dirname "$0")/.."
make -s build/aion
./build/aion convert ../shared/data/cifs/beta-Li3PO4-mp-13725.cif examples/li3po4-beta-288.xyz --supercell 3x3x2
