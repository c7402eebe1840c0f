#!/bin/sh
# Active learning (aion learn) from the shipped MTP potentials/lipon-xtb.mtp on 128-atom Li3PO4 cells,
# where the shipped potential collapses within ~0.5 ps (docs/learning.md, "Large cells with the shipped
# MTP (session 2 run)"). Run from the repository root after `make`:
#
#   examples/potential/learn-large.sh [a|b]    (restartable: run it again after Ctrl-C or a kill)
#
# a (default): learn-large.yaml, gamma-select 2, gamma-break 10, into out/learn-large/run;
# b: learn-large-b.yaml, gamma-select 1.3, gamma-break 2, into out/learn-large/run-b (the runaway into
#    the holes starts at grade 1.2-1.4; with a, every candidate came after the MD had exploded).
#
#  1. builds the start: the 64-atom Li3PO4 training glass (examples/pipelines/li3po4-glass-64.xyz,
#     2.4 g/cm3) replicated 2x1x1 (aion convert --supercell) and scaled to 2.3 g/cm3 (ASE, uniform);
#  2. runs aion learn with examples/potential/learn-large.yaml into out/learn-large/run (or run-b): three NVT
#     tasks (600, 900, 1200 K, 4 ps each) from that start, gamma-select 2, gamma-break 10, at most 6
#     labels per iteration, 3 iterations, 100 L-BFGS iterations per training (warm start), GFN1-xTB
#     labels of the 128-atom configurations (one CP2K job, ~30 s each, xtb-nocheck.inp);
#  3. screens every iteration's labels with examples/dataset/check-charges.py (Li up to 1.3 e, as
#     active-round.sh) and writes the accepted ones to out/learn-large/RUN-labelled-ok.xyz.
set -eu
V=${1:-a}
case $V in a) RF=examples/potential/learn-large.yaml; R=run ;; b) RF=examples/potential/learn-large-b.yaml; R=run-b ;; *) echo "usage: $0 [a|b]" >&2; exit 2 ;; esac
AION=${AION:-build/aion}
D=out/learn-large
mkdir -p "$D"
examples/potential/large-starts.sh "$D"
st=0
nice $AION learn --run-file "$RF" --out "$D/$R" || st=$?
: > "$D/$R-labelled-ok.xyz"
for it in "$D/$R"/iter-*; do
    [ -s "$it/labelled.xyz" ] || continue
    for k in $(/usr/bin/python3 examples/dataset/check-charges.py --li-max 1.3 "$it/label" "$it/labelled.xyz" \
               examples/data/lipon-xtb-train.xyz); do
        $AION convert "$it/labelled.xyz" "$D/$R-labelled-ok.xyz" --frames "$k" --append
    done
done
exit $st
