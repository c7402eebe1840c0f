#!/bin/sh
# Replicated start structures (learn-large.sh, learn-audit.sh, check-large.sh, pipelines/make-starts.sh), written to DIR:
#   start-128.xyz, start-192.xyz   the 64-atom Li3PO4 training glass (examples/pipelines/li3po4-glass-64.xyz,
#                                  2.4 g/cm3) replicated 2x1x1 and 3x1x1 (aion convert --supercell)
#   start-lipon-124.xyz            the 62-atom LiPON-like glass (lipon-glass-62.xyz) replicated 1x2x1
#   start-lipon-186.xyz            the same replicated 3x1x1 (the start of examples/pipelines/lipon.yaml)
# all scaled uniformly to 2.3 g/cm3 (ASE). Existing files are kept. Usage: large-starts.sh DIR
set -eu
AION=${AION:-build/aion}
D=$1
mkdir -p "$D"
for spec in 128:li3po4-glass-64.xyz:2x1x1 192:li3po4-glass-64.xyz:3x1x1 lipon-124:lipon-glass-62.xyz:1x2x1 \
            lipon-186:lipon-glass-62.xyz:3x1x1; do
    name=${spec%%:*}; rest=${spec#*:}; src=${rest%%:*}; rep=${rest#*:}
    [ -f "$D/start-$name.xyz" ] && continue
    $AION convert "examples/pipelines/$src" "$D/tmp.xyz" --supercell "$rep" --keep none
    /usr/bin/python3 - "$D/tmp.xyz" "$D/start-$name.xyz" <<'PY'
import sys
from ase.io import read, write
a = read(sys.argv[1])
rho = a.get_masses().sum() * 1.66053907 / a.get_volume()
a.set_cell(a.cell * (rho / 2.3) ** (1 / 3), scale_atoms=True)
write(sys.argv[2], a, format="extxyz")
PY
    rm -f "$D/tmp.xyz"
done
