# lib.sh - shared helpers for the end-to-end tests (tests/e2e/test_*.sh).
# Source it first:   . "$(dirname "$0")/lib.sh"
#
# Environment (set by ctest, see tests/CMakeLists.txt):
#   KB_BIN    the kernboard binary          KB_SRC  the source tree
#   KB_BUILD  the build tree
# Exit codes: 0 all checks passed, 1 a check failed, 77 skipped.
#
# After kb_setup:
#   $T          private temp dir (removed on exit unless KB_KEEP_TMP=1)
#   $PASS       passphrase file of user "alice" (the board's first user)
#   $BADPASS    a wrong passphrase
#   kb ...      runs "$KB_BIN" (sanitizer options from the environment)
#   kba ...     kb as user $KBU (default alice) with --passphrase-file $PASS
#   run CMD...  runs CMD, leaves stdout in $OUT, stderr in $ERR, status in $RC
#   check NAME COND...   PASS/FAIL line; COND is a command (e.g. [ ... ])
#   expect_rc WANT NAME CMD...   run CMD and check its exit status
#   finish      prints the summary and exits 0 or 1

set -u

KB_FAILS=0
KB_CHECKS=0
KB_CLEANUPS=()

kb_log() { printf '%s\n' "$*"; }
kb_pass() {
    KB_CHECKS=$((KB_CHECKS + 1))
    printf 'PASS: %s\n' "$*"
}
kb_fail() {
    KB_CHECKS=$((KB_CHECKS + 1))
    KB_FAILS=$((KB_FAILS + 1))
    printf 'FAIL: %s\n' "$*"
}

# skip REASON - report loudly and exit 77 (ctest SKIP_RETURN_CODE).
skip() {
    printf '\n*** SKIPPED: %s ***\n\n' "$*"
    printf 'SKIPPED: %s\n' "$*" >&2
    exit 77
}

# die REASON - the test itself cannot go on (counts as a failure).
die() {
    kb_fail "$*"
    finish
}

# at_exit CMD - run CMD (a string) at exit, newest first.
at_exit() { KB_CLEANUPS=("$1" "${KB_CLEANUPS[@]}"); }

kb_cleanup() {
    local c
    for c in "${KB_CLEANUPS[@]}"; do
        eval "$c" >/dev/null 2>&1 || true
    done
    if [ -n "${T:-}" ] && [ -d "$T" ]; then
        if [ "${KB_KEEP_TMP:-0}" = 1 ] || { [ "$KB_FAILS" -gt 0 ] && [ "${KB_KEEP_TMP:-0}" = fail ]; }; then
            printf 'kept temp dir %s\n' "$T" >&2
        else
            rm -rf "$T"
        fi
    fi
}

kb_setup() {
    KB_TEST_NAME=$(basename "$0" .sh)
    KB_T0=$(date +%s.%N)
    if [ -z "${KB_BIN:-}" ] && [ -n "${KB_BUILD:-}" ] && [ -x "$KB_BUILD/kernboard" ]; then
        KB_BIN=$KB_BUILD/kernboard
    fi
    [ -n "${KB_BIN:-}" ] && [ -x "$KB_BIN" ] || {
        printf 'FAIL: KB_BIN is not set to an executable kernboard (got "%s")\n' "${KB_BIN:-}"
        exit 1
    }
    KB_BIN=$(cd "$(dirname "$KB_BIN")" && pwd)/$(basename "$KB_BIN")
    : "${KB_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
    command -v python3 >/dev/null || skip "python3 is required"

    T=$(mktemp -d "${TMPDIR:-/tmp}/kb-$KB_TEST_NAME.XXXXXX")
    trap kb_cleanup EXIT
    trap 'exit 130' INT TERM

    # No dependency on the caller's user, home or board settings.
    unset KERNBOARD_DB KERNBOARD_USER KERNBOARD_PASSPHRASE_FILE KERNBOARD_LOCK_TIMEOUT_MS
    # Keys are not kept in the session keyring between commands (a test run
    # inside a login session would otherwise share them between tests);
    # test_unlock turns it on in a session keyring of its own.
    export KERNBOARD_UNLOCK_IDLE=${KB_TEST_UNLOCK_IDLE:-0}
    # The test build (scripts/test, -DKB_TEST_KDF=ON) gives new keyslots the
    # minimum Argon2id cost: without it most of the suite's time went into
    # the KDF of every command.  Other builds ignore it; KB_TEST_KDF=real
    # keeps the real cost (docs/testing.md).
    if [ "${KB_TEST_KDF:-min}" = min ]; then
        export KERNBOARD_TEST_KDF=min
    else
        unset KERNBOARD_TEST_KDF
    fi
    export HOME=$T/home XDG_STATE_HOME=$T/state XDG_CONFIG_HOME=$T/config
    export XDG_DATA_HOME=$T/data XDG_CACHE_HOME=$T/cache
    mkdir -p "$HOME" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
    export LC_ALL=C.UTF-8 LANGUAGE=
    # Sanitizer defaults when not run through scripts/test.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

    PASS=$T/alice.pass
    BADPASS=$T/wrong.pass
    printf 'correct horse battery staple 1\n' >"$PASS"
    printf 'not the passphrase\n' >"$BADPASS"
    chmod 600 "$PASS" "$BADPASS"
    kb_log "== $KB_TEST_NAME (binary $KB_BIN, tmp $T)"
}

kb() { "$KB_BIN" "$@"; }
kba() { "$KB_BIN" --user "${KBU:-alice}" --passphrase-file "$PASS" "$@"; }

# run CMD... - capture into $OUT/$ERR/$RC without aborting.
run() {
    local o=$T/.run.out e=$T/.run.err
    "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
}

check() {
    local name=$1
    shift
    if "$@"; then kb_pass "$name"; else kb_fail "$name"; fi
}

# expect_rc WANT NAME CMD... - run CMD, check its status; shows stderr on mismatch.
expect_rc() {
    local want=$1 name=$2
    shift 2
    run "$@"
    if [ "$RC" = "$want" ]; then
        kb_pass "$name (exit $RC)"
        return 0
    fi
    kb_fail "$name: expected exit $want, got $RC"
    [ -n "$OUT" ] && printf '  stdout: %s\n' "$(printf '%s' "$OUT" | head -c 600)"
    [ -n "$ERR" ] && printf '  stderr: %s\n' "$(printf '%s' "$ERR" | head -c 1200)"
    return 1
}

# is_int V... - all arguments are non-negative decimal integers.
is_int() {
    local v
    for v in "$@"; do
        case $v in '' | *[!0-9]*) return 1 ;; esac
    done
}
# int_gt A B - A > B, both integers.
int_gt() { is_int "$1" "$2" && [ "$1" -gt "$2" ]; }

# contains HAYSTACK NEEDLE - case-insensitive substring test.
contains() { printf '%s' "$1" | grep -qiF -- "$2"; }

# init_board PATH - create a board owned by alice (fast KDF).
init_board() {
    kba init "$1" --kdf interactive >"$T/.init.out" 2>"$T/.init.err" || {
        cat "$T/.init.err"
        die "kernboard init $1 failed"
    }
}

# json_get FIELD [FILE] - print field of the JSON object on stdin (or FILE).
# Nested: a.b ; array index: items.0.id ; strings printed raw, others as JSON.
json_get() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)
for p in sys.argv[1].split("."):
    d = d[int(p)] if isinstance(d, list) else d[p]
print(d if isinstance(d, str) else json.dumps(d))
' "$@"
}

# wait_for SECONDS CMD... - poll CMD every 0.1 s until it succeeds.
wait_for() {
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

# lines_ge FILE N - FILE has at least N lines.
lines_ge() { [ "$(wc -l <"$1")" -ge "$2" ]; }

# rmw_increments DB CASE COUNT RESULTFILE [extra kb options...]
# COUNT read-modify-write increments of the case title (a number) with
# --expect-version; retries on 75 (conflict) and 69 (busy). Writes
# "ok S conflicts C busy B" or "error ..." to RESULTFILE. Run in background.
rmw_increments() {
    local db=$1 n=$2 count=$3 res=$4
    shift 4
    local ok=0 conflicts=0 busy=0 tries=0 json x v rc
    while [ "$ok" -lt "$count" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt $((count * 60)) ]; then
            echo "error: gave up after $tries attempts (ok $ok)" >"$res"
            return 1
        fi
        json=$(kba --db "$db" "$@" case show "$n" --json 2>"$res.err")
        rc=$?
        if [ "$rc" = 69 ]; then busy=$((busy + 1)); continue; fi
        if [ "$rc" != 0 ]; then
            echo "error: case show exit $rc: $(head -c 300 "$res.err")" >"$res"
            return 1
        fi
        # The title is a number here, so a regex is enough (and saves a python per try).
        if [[ $json =~ \"title\":\ *\"([0-9]+)\" ]]; then x=${BASH_REMATCH[1]}; else x=; fi
        if [[ $json =~ \"version\":\ *([0-9]+) ]]; then v=${BASH_REMATCH[1]}; else v=; fi
        if [ -z "$x" ] || [ -z "$v" ]; then
            echo "error: no numeric title/version in case show --json: $(printf '%s' "$json" | head -c 300)" >"$res"
            return 1
        fi
        kba --db "$db" "$@" case edit "$n" --title "$((x + 1))" --expect-version "$v" \
            >/dev/null 2>"$res.err"
        rc=$?
        case $rc in
        0) ok=$((ok + 1)) ;;
        75) conflicts=$((conflicts + 1)) ;;
        69) busy=$((busy + 1)) ;;
        *)
            echo "error: case edit exit $rc: $(head -c 300 "$res.err")" >"$res"
            return 1
            ;;
        esac
    done
    echo "ok $ok conflicts $conflicts busy $busy" >"$res"
}

finish() {
    local t1
    t1=$(date +%s.%N)
    printf -- '-- %s: %d checks, %d failed, %s s\n' "${KB_TEST_NAME:-test}" "$KB_CHECKS" "$KB_FAILS" \
        "$(awk -v a="${KB_T0:-$t1}" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
    if [ "$KB_FAILS" -gt 0 ]; then
        echo "RESULT: FAIL"
        exit 1
    fi
    echo "RESULT: PASS"
    exit 0
}

# unmount DIR - undo a FUSE (bindfs) mount: fusermount3, fusermount or umount.
unmount() {
    if command -v fusermount3 >/dev/null; then
        fusermount3 -u "$1"
    elif command -v fusermount >/dev/null; then
        fusermount -u "$1"
    else
        umount "$1"
    fi 2>/dev/null || umount -l "$1" 2>/dev/null
}
