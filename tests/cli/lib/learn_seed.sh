# Sourced (from the repository root) by tests/cli/learn.sh and learn_contact.sh after they set AION: makes a
# temporary directory T (removed at exit unless KEEP is set), defines fail(), enters T and writes seed.xyz
# there: 8 strained and rattled copies of gamma-Li3PO4 (32 atoms) labelled with the Pedone potential.
CIF=$PWD/examples/dataset/gamma-Li3PO4.cif
T=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap "rm -rf \"\$T\"" EXIT; echo "dir $T"
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1
"$AION" convert "$CIF" --copies 8 --strain 0.03 --rattle 0.1 --seed 1 raw.xyz 2>/dev/null || fail "convert"
"$AION" eval --potential pedone --in raw.xyz --out seed.xyz >/dev/null 2>&1 || fail "eval"
