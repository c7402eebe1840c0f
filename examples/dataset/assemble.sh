#!/bin/sh
# Assembles the labelled families of out/dataset/labels/ into the shipped data set:
#   examples/data/lipon-xtb-train.xyz, examples/data/lipon-xtb-test.xyz (and lipon-pbe-ref.xyz)
# Extended XYZ with species, positions, energy (eV), forces (eV/A), stress (eV/A^3, ASE sign) and
# config_type only, 8 significant digits.
# Frames that CP2K's xTB charge check refused and label-retry.sh accepted are included.
# Split: the whole second 2.4 g/cm3 glass (quench, 1000 K and N-substituted snapshots, tag d2.4b)
# is held out; of the crystals every 10th labelled frame (0, 10, 20, ...) is held out; everything
# else is training data.
set -e
cd "$(dirname "$0")/../.."
AION=./build/aion
L=out/dataset/labels
D=examples/data
TRAIN=$D/lipon-xtb-train.xyz
TEST=$D/lipon-xtb-test.xyz
KEEP="--keep energy,forces,stress,config_type --precision 8"
M=out/dataset/merged
mkdir -p "$D" "$M"
rm -f "$TRAIN" "$TEST"
# each family: the structures labelled by the preset, then those accepted by label-retry.sh
merge() {
    $AION convert "$L/$1.xyz" "$M/$1.xyz"
    if [ -s "$L/retry-$1.accepted" ]; then
        for k in $(cat "$L/retry-$1.accepted"); do
            $AION convert "$L/retry-$1.xyz" "$M/$1.xyz" --append --frames "$k"
        done
    fi
}
for fam in beta gamma; do
    merge $fam
    $AION convert "$M/$fam.xyz" "$TEST" --append --frames ::10 $KEEP
    for k in 1 2 3 4 5 6 7 8 9; do
        $AION convert "$M/$fam.xyz" "$TRAIN" --append --frames "$k::10" $KEEP
    done
done
for kind in quench hot lipon; do
    for tag in d2.2 d2.4 d2.6; do
        merge "$kind-$tag"
        $AION convert "$M/$kind-$tag.xyz" "$TRAIN" --append $KEEP
    done
    merge "$kind-d2.4b"
    $AION convert "$M/$kind-d2.4b.xyz" "$TEST" --append $KEEP
done
# PBE reference subset (label-pbe.sh), if it was computed
if [ -s "$L/pbe-ref.xyz" ]; then
    $AION convert "$L/pbe-ref.xyz" "$D/lipon-pbe-ref.xyz" --keep energy,forces,stress,config_type,cutoff_Ry,kpoints \
        --precision 8
fi
$AION info "$TRAIN" "$TEST"
