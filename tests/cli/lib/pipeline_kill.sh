# Sourced (from the repository root) by the pipeline restart tests after they define fail() and T.
# kill_at_checkpoint PID CKPT WHAT: waits until file CKPT exists, then kills PID with SIGKILL and reaps it;
#   fails if PID ends first ("WHAT finished before it could be killed") or after 300 s without CKPT.
# stage_records DIR: inode and checksum of the stage.json of the one-glass tiny pipeline's stages in
#   DIR/stages (unchanged iff those records were never rewritten).
kill_at_checkpoint() {
    n=0
    while [ ! -f "$2" ] && kill -0 "$1" 2>/dev/null; do
        sleep 0.02
        n=$((n + 1))
        [ $n -gt 15000 ] && { kill -9 "$1"; fail "no checkpoint after 300 s"; }
    done
    kill -9 "$1" 2>/dev/null || fail "$3 finished before it could be killed"
    wait "$1" 2>/dev/null
}
stage_records() {
    for s in quench structure npt-600K md-600K transport-600K md-1200K transport-1200K; do
        ls -i "$1/stages/$s/stage.json"; cksum <"$1/stages/$s/stage.json"
    done
}
