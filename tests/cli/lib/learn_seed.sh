# Sourced (from the repository root) by tests/cli/learn*.sh after they set AION: makes a
# temporary directory T (removed at exit unless KEEP is set), defines fail(), enters T and writes seed.xyz
# there: 8 strained and rattled copies of gamma-Li3PO4 (32 atoms) labelled with the Pedone potential.
# pedone_run_file GAMMA_SELECT writes learn.yaml: a short Pedone-labelled loop (level 6, 2 iterations,
# one 300-step task at 1500 K) for learn_zbl.sh and learn_qeq.sh.
CIF=$PWD/examples/dataset/gamma-Li3PO4.cif
T=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap "rm -rf \"\$T\"" EXIT; echo "dir $T"
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1
"$AION" convert "$CIF" --copies 8 --strain 0.03 --rattle 0.1 --seed 1 raw.xyz 2>/dev/null || fail "convert"
"$AION" eval --potential pedone --in raw.xyz --out seed.xyz >/dev/null 2>&1 || fail "eval"

pedone_run_file() {
    cat >learn.yaml <<EOF
data: seed.xyz
species: Li,P,O
labeller: potential:pedone
level: 6
train-max-iter: 30
train-tol: 0
threads: 1
gamma-select: $1
gamma-break: 30
max-select: 4
max-iter: 2
task:
  - start=seed.xyz T=1500 steps=300 every=10
EOF
}
