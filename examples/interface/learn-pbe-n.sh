#!/bin/sh
# Active learning of the PBE Li || LiPON-like glass potential, species Li,P,O,N (learn-pbe-n.yaml;
# docs/interface.md "Nitrogen in the glass"). Needs make-data-pbe-n.sh (examples/data/li-interface-pbe-n.xyz
# and its structures in out/interface/pbe/n). Resumable: run it again after an interruption.
# Output: out/interface/learn-pbe-n (learn.json, dataset.xyz, final.mtp).
# `learn-pbe-n.sh round2`: the second round (learn-pbe-n2.yaml), from round 1's potential and data;
# output out/interface/learn-pbe-n2 (its final.mtp is potentials/li-iface-pbe-n.mtp).
# `learn-pbe-n.sh collect`: both rounds' labels -> examples/data/li-interface-pbe-n-al.xyz.
# `learn-pbe-n.sh test`: held-out PBE test frames of the shipped potential ->
# examples/data/li-interface-pbe-n-test.xyz, and its errors on them (about 15 min).
set -eu
cd "$(dirname "$0")/../.."
make -s build/aion
[ -s examples/data/li-interface-pbe-n.xyz ] || { echo "run examples/interface/make-data-pbe-n.sh first" >&2; exit 1; }
D=out/interface/learn-pbe-n-data
mkdir -p "$D"
if [ ! -s "$D/valid.xyz" ]; then
    # seed: PBE families + the Li-P-O loop's training frames + the N families; validation: that loop's
    # test frames + the held-out 280-atom frames
    K=energy,forces,stress,config_type,region
    ./build/aion convert examples/data/li-interface-pbe.xyz "$D/seed.tmp" --format-out extxyz --keep "$K"
    ./build/aion convert examples/data/li-interface-pbe-al.xyz "$D/seed.tmp" --append --frames :20 --format-out extxyz --keep "$K"
    ./build/aion convert examples/data/li-interface-pbe-n.xyz "$D/seed.tmp" --append --format-out extxyz --keep "$K"
    ./build/aion convert examples/data/li-interface-pbe-al.xyz "$D/valid.tmp" --frames 20: --format-out extxyz --keep "$K"
    ./build/aion convert examples/data/li-interface-pbe-audit.xyz "$D/valid.tmp" --append --format-out extxyz --keep "$K"
    mv "$D/seed.tmp" "$D/seed.xyz"
    mv "$D/valid.tmp" "$D/valid.xyz"
fi
case ${1:-} in
round2)
    shift
    [ -s out/interface/learn-pbe-n/final.mtp ] || { echo "run the first round first" >&2; exit 1; }
    ./build/aion learn --run-file examples/interface/learn-pbe-n2.yaml --out "${OUT:-out/interface/learn-pbe-n2}" "$@"
    ;;
collect)
    # the labels of both rounds (every iteration's labelled.xyz, in order) -> examples/data
    O=examples/data/li-interface-pbe-n-al.xyz
    rm -f "$O.tmp"
    for f in out/interface/learn-pbe-n/iter-*/labelled.xyz out/interface/learn-pbe-n2/iter-*/labelled.xyz; do
        ./build/aion convert "$f" "$O.tmp" --append --format-out extxyz --info config_type=active_learning \
            --keep energy,forces,stress,config_type,al_iter,al_task,al_step --precision 8 2>/dev/null
    done
    mv "$O.tmp" "$O"
    ./build/aion info "$O" | sed -n 2,4p
    ;;
test)
    # held-out test of the shipped potential: frames it produces itself (not in any training set), PBE-labelled:
    # the four N glasses 10 ps at 800 K (NVT) and the two N interface cells 5 ps at 700 K, last frames
    P=${POT:-potentials/li-iface-pbe-n.mtp}
    T=out/interface/pbe/n/test
    mkdir -p "$T"
    rm -f "$T/s.xyz"
    k=0
    for s in anneal-d22n2/final anneal-d24n2/final anneal-d24n4/final anneal-d26n4/final if100-d24n2 if100-d24n4; do
        k=$((k + 1))
        case $s in if*) TK=700 PS=5 ;; *) TK=800 PS=10 ;; esac
        ./build/aion md --in "out/interface/pbe/n/$s.xyz" --potential "$P" --species Li,P,O,N --ensemble nvt-csvr \
            --temp $TK --time $PS --dt 1 --seed $((300 + k)) --grade --grade-every 50 --traj-every 1000 \
            --checkpoint-every 0 --threads 1 --out "$T/md-$k" 2>"$T/md-$k.log"
        echo "test frame $k: $s, $PS ps at $TK K, grade max $(awk -F, 'NR > 1 && $3 > m {m = $3} END {print m + 0}' "$T/md-$k/grade.csv")"
        ./build/aion convert "$T/md-$k/final.xyz" "$T/s.xyz" --append --keep none \
            --info "config_type=test_$(echo "$s" | sed 's,/final,,;s,anneal-,glass_,;s,if100-,iface100_,')_${TK}K" 2>/dev/null
    done
    ./build/aion label --in "$T/s.xyz" --out "$T/s-pbe.xyz" --method pbe --template examples/interface/pbe-metal.inp \
        --jobs 2 --threads-per-job 1 --timeout 7200
    ./build/aion convert "$T/s-pbe.xyz" examples/data/li-interface-pbe-n-test.xyz --format-out extxyz \
        --keep energy,forces,stress,config_type,kpoints,scf_steps,walltime_s --precision 8 2>/dev/null
    ./build/aion eval --potential "$P" --species Li,P,O,N --in examples/data/li-interface-pbe-n-test.xyz \
        --out "$T/mtp.xyz" 2>/dev/null
    /usr/bin/python3 examples/interface/errors.py examples/data/li-interface-pbe-n-test.xyz "$T/mtp.xyz" --per-frame
    ;;
*)
    ./build/aion learn --run-file examples/interface/learn-pbe-n.yaml --out "${OUT:-out/interface/learn-pbe-n}" "$@"
    ;;
esac
