# Shell functions shared by qeq.sh and diss.sh (sourced; they use W, SEEDS, TRAIN and AUDIT from the caller).

data38() { # OUT: the 38 training frames of potentials/li-iface-pbe.mtp (its loop's seed data and picks)
    [ -f "$1" ] && return 0
    ./build/aion convert examples/data/li-interface-pbe.xyz "$1.tmp.xyz" 2>/dev/null
    ./build/aion convert examples/data/li-interface-pbe-al.xyz "$1.tmp.xyz" --append --frames 0:20 2>/dev/null
    mv "$1.tmp.xyz" "$1"
}

cat_data() { # OUT FILE...: the FILEs one after another (aion convert), to W/OUT (kept if it is there)
    [ -f "$W/$1" ] && return 0
    o=$1
    shift
    rm -f "$W/c.tmp.xyz"
    for f in "$@"; do ./build/aion convert "$f" "$W/c.tmp.xyz" --append 2>/dev/null; done
    mv "$W/c.tmp.xyz" "$W/$o"
}

qeq_table() { # SJ SX FILE: Rappe & Goddard (J. Phys. Chem. 95, 3358 (1991)) chi and J, scaled
    awk -v sj="$1" -v sx="$2" 'BEGIN {
        print "# Rappe-Goddard chi, J; J x " sj ", chi - chi(Li) x " sx "; widths: covalent radii"
        print "Li", 3.006, 4.772 * sj
        print "P", 3.006 + sx * (5.463 - 3.006), 8.000 * sj
        print "O", 3.006 + sx * (8.741 - 3.006), 13.364 * sj }' >"$3"
}

refit_audit() { # PREFIX DATA [TABLE]: fit with each of SEEDS on all of DATA (TABLE's QEq added), evaluate AUDIT
    q=""; c=""
    [ -n "${3:-}" ] && q="--qeq $3" && c="--charges"
    for s in $SEEDS; do
        p="$W/$1-s$s"
        # shellcheck disable=SC2086
        [ -f "$p.mtp" ] || ./build/aion train --train "$2" --seed "$s" $TRAIN $q --out "$p.mtp" >"$p.log" 2>&1
        # shellcheck disable=SC2086
        [ -f "$p-audit.xyz" ] || ./build/aion eval --potential "$p.mtp" --species Li,P,O --in "$AUDIT" \
            --out "$p-audit.xyz" --threads 2 $c 2>/dev/null
    done
}

audit_report() { # VARIANT...: per seed, the free-metal frames' and all frames' errors (errors.py)
    echo "held-out audit frames (|E error| or E RMSE, meV/atom / F RMSE, meV/A): free metal 600 K, 700 K, all 12"
    for v in "$@"; do for s in $SEEDS; do
        p="$W/$v-s$s"
        [ -f "$p-audit.xyz" ] || continue
        printf '%-4s seed %s: %s\n' "$v" "$s" "$(/usr/bin/python3 examples/interface/errors.py "$AUDIT" \
            "$p-audit.xyz" | grep -E 'iface280_(600|700)K|^all' | awk '{printf "%s/%s  ", $6, $10}')"
    done; done
}

metal_report() { # VARIANT...: free-metal runs W/md-VARIANT-sSEED: metal atoms in the metal bin, largest grade
    echo "free metal, 600 K: metal atoms in the metal bin at 0 and 40 ps, largest grade"
    for v in "$@"; do for s in $SEEDS; do
        d="$W/md-$v-s$s"
        [ -f "$d/md-600/traj.xyz" ] || continue
        e=$(sed 's/--edges //; s/ .*//' "$d/edges.txt")
        printf '%-4s seed %s: %s, grade %s\n' "$v" "$s" "$(/usr/bin/python3 examples/interface/stationarity.py \
            "$d/if100.xyz" "$d/md-600/traj.xyz" "$e" | awk 'NR>1 {printf "%s ", $2}')" \
            "$(awk -F, 'NR > 1 && $3 > m {m = $3} END {print m}' "$d/md-600/grade.csv")"
    done; done
}

free_metal_md() { # VARIANT: run.sh's free-metal model (seed-71 glass) at 600 K with W/VARIANT.mtp
    [ -f "$W/md-$1/md-600/final.xyz" ] || POT="$W/$1.mtp" SPECIES=Li,P,O TIME=40 EQUIL=4 ZRELAX=5 \
        TEMPS=600 W="$W/md-$1" sh examples/interface/run.sh >"$W/md-$1.log" 2>&1
}
