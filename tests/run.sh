#!/bin/sh
# Run every test program under $BUILD/tests and every script in tests/peers/*.sh
# and tests/cli/*.sh. Prints one line per test and "N passed, N failed, N skipped".
BUILD=${BUILD:-build}
export AION_BIN="$PWD/$BUILD/aion"
pass=0; fail=0; skip=0; failed=""
log=$(mktemp)
run_one() {
    name=$1; shift
    start=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    dt=$(( $(date +%s) - start ))
    if [ $rc -eq 0 ]; then pass=$((pass+1)); echo "ok    $name (${dt}s)"
    elif [ $rc -eq 77 ]; then skip=$((skip+1)); echo "skip  $name: $(grep -m1 SKIP "$log" | sed 's/.*SKIP: //')"
    else fail=$((fail+1)); failed="$failed $name"; echo "FAIL  $name (rc $rc)"; tail -n 30 "$log" | sed 's/^/    /'
    fi
}
for t in $(find "$BUILD/tests" -type f -perm -u+x 2>/dev/null | sort); do
    run_one "${t#$BUILD/}" "$t"
done
for s in $(ls tests/cli/*.sh tests/peers/*.sh 2>/dev/null | sort); do
    run_one "$s" sh "$s"
done
rm -f "$log"
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
