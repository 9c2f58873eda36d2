#!/usr/bin/env bash
# test_store_faults.sh - fault injection at every I/O point of a write
# (issue 15).  tests/tools/faultshim.c (LD_PRELOAD) fails the Nth open,
# write, sync, truncate, lock, rename or stdio flush on a file under
# KB_FAULT_DIR with ENOSPC, EIO or a lock error.  Each command runs once
# per I/O point N (N = 1, 2, ... until the shim's log shows the fault was
# no longer reached: the board grows, so the count is not fixed) with that
# call failing.  After every run, without the
# shim: the command either exited 0 and its change is there, or it exited
# with a documented code (65/69/73/74) and ONE clear stderr line (no stale
# errno such as "Invalid argument" or "Success", a full disk named as such,
# no sanitizer report or signal) and the board is exactly as before
# (export compared); `verify` passes every time.  Sticky variants keep the
# disk full (every later call fails too).
#
# Knobs: KB_FAULTS_FULL=1 sweeps both errnos on every command (slower).
. "$(dirname "$0")/lib.sh"
kb_setup

SHIM=${KB_FAULTSHIM:-${KB_BUILD:-}/tests/libkbfaultshim.so}
[ -f "$SHIM" ] || skip "the fault shim is not built ($SHIM)"

D=$T/board # the board's directory: the shim counts calls on files here
O=$T/out   # backup and export destinations
mkdir -p "$D" "$O"
B=$D/f.kb
init_board "$B"
KB_RUNS=0
k() {
    KB_RUNS=$((KB_RUNS + 1))
    kba --db "$B" "$@"
}

one_line() { [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; }

# faulted DIR AT ERRNO STICKY OPS CMD... - run kernboard under the shim
# (stdout, stderr, status in $OUT/$ERR/$RC, the shim's log in $T/fault.log).
faulted() {
    local dir=$1 at=$2 err=$3 sticky=$4 ops=$5
    shift 5
    rm -f "$T/fault.log"
    run env LD_PRELOAD="$SHIM" ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
        KB_FAULT_DIR="$dir" KB_FAULT_AT="$at" KB_FAULT_ERRNO="$err" KB_FAULT_STICKY="$sticky" \
        KB_FAULT_OPS="$ops" KB_FAULT_LOG="$T/fault.log" KB_FAULT_MATCH="${FAULT_MATCH:-}" \
        KB_FAULT_AFTER="${FAULT_AFTER:-0}" KB_FAULT_SHORT="${FAULT_SHORT:-0}" \
        KB_FAULT_FULLFS="${FAULT_FULLFS:-0}" KERNBOARD_LOCK_TIMEOUT_MS=800 \
        "$KB_BIN" --user alice --passphrase-file "$PASS" --db "$B" "$@"
}
hit() { grep -m1 ' FAIL ' "$T/fault.log" 2>/dev/null | cut -d' ' -f2-3; }

# The board's whole content (export is deterministic), to compare.
snapshot() { k export --format json >"$1" 2>"$T/snap.err" || die "export failed: $(cat "$T/snap.err")"; }

cat >"$T/state.py" <<'EOF'
# state.py BEFORE AFTER RC KIND MARKER: the change is there iff RC == 0.
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
rc, kind, marker = int(sys.argv[3]), sys.argv[4], sys.argv[5]
def cases(d): return {c["id"]: c for c in d["cases"]}
if rc != 0:
    if before != after:
        sys.exit("exit %d but the board changed" % rc)
    sys.exit(0)
b, a = cases(before), cases(after)
# nothing acknowledged before is gone
for i, c in b.items():
    if i not in a:
        sys.exit("case %d is gone" % i)
    changed = {"move": 1, "comment": 1, "edit": 4}.get(kind)
    if i != changed and c != a[i]:
        sys.exit("case %d changed" % i)
if kind == "add":
    new = [c for i, c in a.items() if i not in b]
    if len(new) != 1 or new[0]["title"] != marker:
        sys.exit("exit 0 but the added case is not there exactly once: %r" % [c["title"] for c in new])
elif kind == "comment":
    if len(a) != len(b):
        sys.exit("a comment added a case")
    texts = [e.get("text") for e in a[1].get("timeline", a[1].get("comments", []))]
    if texts.count(marker) != 1:
        sys.exit("exit 0 but the comment %r is there %d times" % (marker, texts.count(marker)))
elif kind == "edit":
    if a[4]["title"] != marker:
        sys.exit("exit 0 but case 4 is titled %r, not %r" % (a[4]["title"], marker))
elif kind == "move":
    if a[1]["stage"] != marker:
        sys.exit("exit 0 but case 1 is in %s, not %s" % (a[1]["stage"], marker))
elif before != after:
    sys.exit("a command that does not change the board changed it")
EOF
if ! k export --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if isinstance(d.get("cases"), list) else 1)'; then
    die "export --format json has no cases list"
fi

# check_run LABEL ERRNO KIND MARKER BEFORE - judge one faulted run.
PROBLEMS=0
problem() {
    PROBLEMS=$((PROBLEMS + 1))
    kb_fail "$*"
}
check_run() {
    local label=$1 errno=$2 kind=$3 marker=$4 before=$5 why
    label="$label [$(hit)]"
    case $RC in
    0 | 65 | 69 | 73 | 74) ;;
    *) problem "$label: exit $RC: $(printf '%s' "$ERR" | head -c 400)" ;;
    esac
    if contains "$ERR" "Sanitizer" || contains "$ERR" "runtime error"; then
        problem "$label: sanitizer report: $(printf '%s' "$ERR" | head -c 600)"
    fi
    if [ "$RC" != 0 ]; then
        one_line "$ERR" || problem "$label: not one stderr line: $(printf '%s' "$ERR" | head -c 600)"
        case $ERR in kernboard:\ *) ;; *) problem "$label: stderr does not start with 'kernboard: ': $ERR" ;; esac
        for bad in "Invalid argument" "Success" "Bad file descriptor" "(null)"; do
            contains "$ERR" "$bad" && problem "$label: stale or wrong errno in: $ERR"
        done
        if [ "$errno" = ENOSPC ] && ! contains "$ERR" "full" && ! contains "$ERR" "space"; then
            problem "$label: a full disk (ENOSPC) not named as such: $ERR"
        fi
        if [ "$errno" = ENOSPC ] && contains "$ERR" "Input/output error"; then
            problem "$label: ENOSPC reported as an I/O error: $ERR"
        fi
    fi
    kb_log "  $label: exit $RC${ERR:+: $(printf '%s' "$ERR" | head -1 | cut -c1-300)}"
    # a failed run that left the data file's two meta pages (which name the
    # committed tree; a write never overwrites that tree's pages) as they
    # were when it was last verified: verify and the export give the same
    if [ "$FRC" != 0 ] && cmp -s -n 8192 "$B" "$T/verified.kb"; then
        return 0
    fi
    run k verify
    [ "$RC" = 0 ] || problem "$label: verify failed afterwards ($RC): $ERR"
    cp "$B" "$T/verified.kb"
    snapshot "$T/after.json"
    why=$(python3 "$T/state.py" "$before" "$T/after.json" "$FRC" "$kind" "$marker" 2>&1) ||
        problem "$label: $why"
    cp "$T/after.json" "$before"
}

# sweep LABEL DIR ERRNO STICKY OPS KIND MARKERFN CMD... - every N until the
# fault is no longer reached.  MARKERFN N prints the marker (title, text...)
# and the command line uses @M@ for it.
SWEEP_RUNS=0
sweep() {
    local label=$1 dir=$2 errno=$3 sticky=$4 ops=$5 kind=$6 mfn=$7
    shift 7
    local n=1 ok=0 failed=0 p0=$PROBLEMS marker a args
    while :; do
        case $errno in
        MIX) e=$([ $((n % 2)) = 1 ] && echo ENOSPC || echo EIO) ;;
        XIM) e=$([ $((n % 2)) = 1 ] && echo EIO || echo ENOSPC) ;;
        *) e=$errno ;;
        esac
        marker=$($mfn "$n" "$e")
        args=()
        for a in "$@"; do args+=("${a//@M@/$marker}"); done
        faulted "$dir" "$n" "$e" "$sticky" "$ops" "${args[@]}"
        FRC=$RC
        SWEEP_RUNS=$((SWEEP_RUNS + 1))
        if [ -z "$(hit)" ]; then
            # past the last I/O point: the command ran clean
            [ "$RC" = 0 ] || problem "$label: clean run (N=$n) exit $RC: $ERR"
            check_run "$label N=$n (no fault)" "$e" "$kind" "$marker" "$T/before.json"
            break
        fi
        if [ "$RC" = 0 ]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
        check_run "$label N=$n $e" "$e" "$kind" "$marker" "$T/before.json"
        n=$((n + 1))
        [ "$n" -le 200 ] || {
            problem "$label: more than 200 I/O points?"
            break
        }
    done
    [ "$PROBLEMS" = "$p0" ] && kb_pass "$label: $((n - 1)) I/O points, $failed failed cleanly, $ok harmless and saved"
}

mk_title() { echo "t-$1-$2-$RANDOM"; }
mk_text() { echo "c-$1-$2-$RANDOM"; }
MOVE_TO=explore
mk_stage() { echo "$MOVE_TO"; }

# ---- acknowledged changes before any fault
for i in 1 2 3; do k case add --title "seed $i" >/dev/null || die "seed case add failed"; done
k case add --title "edit target" >/dev/null || die "case add failed" # case 4, for the edit sweep
k case comment 1 "seed comment" >/dev/null || die "seed comment failed"
snapshot "$T/before.json"
cp "$B" "$T/verified.kb"
SEED=$T/seed.json
cp "$T/before.json" "$SEED"

WRITE_OPS=open,write,sync,trunc,rename,stdio
TXN_OPS=write,sync,trunc,rename
full=${KB_FAULTS_FULL:-0}

# ---- case add: every point, ENOSPC and EIO; lock failures
if [ "$full" = 1 ]; then
    sweep "case add ENOSPC" "$D" ENOSPC 0 "$WRITE_OPS" add mk_title case add --title @M@
    sweep "case add EIO" "$D" EIO 0 "$WRITE_OPS" add mk_title case add --title @M@
    sweep "case add EIO/ENOSPC" "$D" XIM 0 "$TXN_OPS" add mk_title case add --title @M@
else
    sweep "case add ENOSPC/EIO" "$D" MIX 0 "$WRITE_OPS" add mk_title case add --title @M@
fi
# (by default the lock file's locks only: a data-file slot lock that fails
# with ENOLCK only turns that check off, see lock.c)
lock_match=.lock
[ "$full" = 1 ] && lock_match=
FAULT_MATCH=$lock_match sweep "case add ENOLCK" "$D" ENOLCK 0 lock add mk_title case add --title @M@

# ---- comment and move: the write transaction's points, ENOSPC/EIO alternating
ops=$TXN_OPS
[ "$full" = 1 ] && ops=$WRITE_OPS
sweep "case comment" "$D" MIX 0 "$ops" comment mk_text case comment 1 @M@
if [ "$full" = 1 ]; then
    sweep "case edit" "$D" MIX 0 "$ops" edit mk_title case edit 4 --title @M@
fi
# each run moves case 1 to the other stage; a failed one is retried next time
move_sweep() {
    local n=1 p0=$PROBLEMS
    while :; do
        cur=$(python3 -c 'import json,sys; print(next(c["stage"] for c in json.load(open(sys.argv[1]))["cases"] if c["id"]==1))' "$T/before.json")
        MOVE_TO=$([ "$cur" = explore ] && echo connect || echo explore)
        e=$([ $((n % 2)) = 1 ] && echo EIO || echo ENOSPC)
        FAULT_MATCH=$move_match faulted "$D" "$n" "$e" 0 "$ops" case move 1 "$MOVE_TO"
        FRC=$RC
        SWEEP_RUNS=$((SWEEP_RUNS + 1))
        if [ -z "$(hit)" ]; then
            check_run "case move N=$n (no fault)" "$e" move "$MOVE_TO" "$T/before.json"
            break
        fi
        check_run "case move N=$n $e" "$e" move "$MOVE_TO" "$T/before.json"
        n=$((n + 1))
        [ "$n" -le 200 ] || break
    done
    [ "$PROBLEMS" = "$p0" ] && kb_pass "case move: $((n - 1)) I/O points"
}
# the data file's points only (the lock file's are the same as a comment's)
# (full mode only: by default the comment sweep covers the same write
# transaction's points, to keep the suite short)
move_match=/f.kb
[ "$full" = 1 ] && move_match=
[ "$full" = 1 ] && move_sweep

# ---- user add (KB_FAULTS_FULL=1): the new user is there iff it exited 0
user_sweep() {
    local n=1 p0=$PROBLEMS u e have
    printf 'a new user passphrase 42\n' >"$T/u.pass"
    chmod 600 "$T/u.pass"
    while :; do
        u=u$n
        e=$([ $((n % 2)) = 1 ] && echo ENOSPC || echo EIO)
        faulted "$D" "$n" "$e" 0 "$TXN_OPS" user add "$u" --role member \
            --new-passphrase-file "$T/u.pass" --kdf interactive
        FRC=$RC
        local h
        h=$(hit)
        check_run "user add N=$n $e" "$e" none - "$T/before.json"
        have=$(k user list --json | python3 -c 'import json,sys; print(sum(x["name"] == sys.argv[1] for x in json.load(sys.stdin)))' "$u")
        if [ "$FRC" = 0 ]; then
            [ "$have" = 1 ] || problem "user add N=$n: exit 0 but $u is there $have times"
        else
            [ "$have" = 0 ] || problem "user add N=$n: exit $FRC but $u is there"
        fi
        [ -n "$h" ] || break
        n=$((n + 1))
        [ "$n" -le 200 ] || break
    done
    [ "$PROBLEMS" = "$p0" ] && kb_pass "user add: $((n - 1)) I/O points"
}
[ "$full" = 1 ] && user_sweep

# ---- backup and export --out: every point on the destination's directory
check_dest() { # LABEL FILE RC - the destination exists iff RC == 0; no temp files left
    if [ "$3" = 0 ]; then
        [ -s "$2" ] || problem "$1: exit 0 but $2 is not there"
    else
        [ ! -e "$2" ] || problem "$1: exit $3 but $2 is there"
    fi
    local left
    left=$(find "$O" -name '*tmp*' | head -3)
    [ -z "$left" ] || problem "$1: temporary files left: $left"
}
DEST_TAG=0
dest_sweep() { # LABEL KIND(backup|export) ERRNO STICKY [OPS]
    local label=$1 kind=$2 errno=$3 sticky=$4 ops=${5:-$WRITE_OPS} n=1 p0=$PROBLEMS ok=0 failed=0 dest e
    DEST_TAG=$((DEST_TAG + 1))
    while :; do
        if [ "$errno" = MIX ]; then e=$([ $((n % 2)) = 1 ] && echo ENOSPC || echo EIO); else e=$errno; fi
        if [ "$kind" = backup ]; then
            dest=$O/backup$DEST_TAG-$n$e.kb
            faulted "$O" "$n" "$e" "$sticky" "$ops" backup "$dest"
        else
            dest=$O/export$DEST_TAG-$n$e.json
            faulted "$O" "$n" "$e" "$sticky" "$ops" export --format json --out "$dest"
        fi
        FRC=$RC
        SWEEP_RUNS=$((SWEEP_RUNS + 1))
        local h
        h=$(hit)
        check_run "$label N=$n $e" "$e" none - "$T/before.json"
        check_dest "$label N=$n $e [$h]" "$dest" "$FRC"
        if [ "$FRC" = 0 ] && [ "$kind" = backup ]; then
            run kba --db "$dest" verify
            [ "$RC" = 0 ] || problem "$label N=$n: the backup made under a fault does not verify: $ERR"
        fi
        if [ "$FRC" = 0 ] && [ "$kind" = export ]; then
            cmp -s "$dest" "$T/before.json" || problem "$label N=$n: the export made under a fault differs"
        fi
        [ -z "$h" ] && break
        if [ "$FRC" = 0 ]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
        [ "$sticky" = 1 ] && break
        n=$((n + 1))
        [ "$n" -le 200 ] || break
    done
    if [ "$PROBLEMS" = "$p0" ]; then
        if [ "$sticky" = 1 ]; then
            kb_pass "$label: from the first $ops call on, exit $FRC"
        else
            kb_pass "$label: $((n - 1)) I/O points, $failed failed cleanly, $ok harmless"
        fi
    fi
}
dest_sweep "backup" backup MIX 0
# (export --out by default only below, "done then failed": its failures at
# every point are the full mode's, and e2e/test_outputs covers its file)
[ "$full" = 1 ] && dest_sweep "export --out" export MIX 0
[ "$full" = 1 ] && dest_sweep "export --out EIO" export EIO 0

# ---- sticky: the disk stays full from a point on: every call (N=1), the
# first write of the data file, the first sync of the lock file (the
# header update after the commit: the change is saved)
sticky() { # LABEL MATCH OPS
    local e m
    for e in ENOSPC EIO; do
        m=$(mk_title s "$e")
        FAULT_MATCH=$2 faulted "$D" 1 "$e" 1 "$3" case add --title "$m"
        FRC=$RC
        check_run "case add sticky $e from $1" "$e" add "$m" "$T/before.json"
        [ -n "$(hit)" ] || problem "case add sticky $e from $1: the fault was not reached"
    done
}
p0=$PROBLEMS
sticky "the first call" "" "$WRITE_OPS"
sticky "the first data file write" /f.kb write
sticky "the lock file header update" /f.kb.lock sync
[ "$PROBLEMS" = "$p0" ] && kb_pass "case add on a disk that stays full: clean failures, saved when committed"

# ---- a disk filling up part way through a write: the write is short
# (LMDB makes that EIO); when statvfs then says the disk is full, the
# message names the full disk, otherwise it is an I/O error
m=$(mk_title short full)
FAULT_SHORT=1 FAULT_FULLFS=1 FAULT_MATCH=/f.kb faulted "$D" 1 ENOSPC 1 write case add --title "$m"
FRC=$RC
FERR=$ERR
check_run "case add, short write on a full disk" ENOSPC add "$m" "$T/before.json"
check "a short write on a full disk names the full disk (exit $FRC: $FERR)" contains "$FERR" "is full"
m=$(mk_title short notfull)
FAULT_SHORT=1 FAULT_MATCH=/f.kb faulted "$D" 1 EIO 1 write case add --title "$m"
FRC=$RC
FERR=$ERR
check_run "case add, short write" EIO add "$m" "$T/before.json"
check "a short write on a disk with room is an I/O error (exit $FRC: $FERR)" contains "$FERR" "I/O error"

# ---- the call is done but reported failed (an fsync or write that fails
# after the data reached the disk): the outcome is looked up, never guessed
p0=$PROBLEMS
FAULT_MATCH=/f.kb FAULT_AFTER=1 sweep "case add, done then failed (EIO)" "$D" EIO 0 "$TXN_OPS" add mk_title case add --title @M@
FAULT_AFTER=1 dest_sweep "export --out, done then failed (EIO)" export EIO 0
FAULT_AFTER=1 dest_sweep "backup, renames done then failed (EIO)" backup EIO 0 rename
dest_sweep "backup sticky ENOSPC" backup ENOSPC 1 write,sync,trunc,rename
# a lock that is never granted: busy (69) after the lock timeout
m=$(mk_title 0 EAGAIN)
faulted "$D" 1 EAGAIN 1 lock case add --title "$m"
FRC=$RC
check "a lock never granted: exit 69 busy ($RC: $ERR)" [ "$RC" = 69 ]
check_run "case add sticky EAGAIN" EAGAIN add "$m" "$T/before.json"
faulted "$D" 1 ENOLCK 1 lock case add --title "$m"
FRC=$RC
FERR=$ERR
check "no locks available: exit 74 with a clear message ($FRC: $FERR)" contains "$FERR" "cannot lock"
check_run "case add sticky ENOLCK" ENOLCK add "$m" "$T/before.json"

# ---- nothing acknowledged is lost, and the board works without faults
expect_rc 0 "verify at the end" k verify
python3 - "$SEED" "$T/before.json" <<'EOF' && kb_pass "every seed case and comment is still there" || kb_fail "a seed change is lost"
import json, sys
seed, now = (json.load(open(p)) for p in sys.argv[1:3])
ids = {c["id"]: c for c in now["cases"]}
for c in (c for c in seed["cases"] if c["title"].startswith("seed ")):
    n = ids.get(c["id"])
    assert n is not None and n["title"] == c["title"], c["title"]
tl = ids[1].get("timeline", [])
assert any(e.get("text") == "seed comment" for e in tl)
EOF
expect_rc 0 "a change works after the faults" k case add --title "after the faults"
kb_log "faulted runs: $SWEEP_RUNS in sweeps; checking runs: $KB_RUNS"
finish
