#!/usr/bin/env bash
# bench/run.sh - the benchmark of issue 16 (docs/performance.md).
#
#   KB_BIN=kernboard KB_BENCH=kb-bench bench/run.sh [--sizes 1000,10000,100000]
#       [--runs N] [--moves M] [--timeout S] [--keep] [--save FILE]
#   bench/run.sh --report FILE [--sizes ...] [--runs N]
#
# For every size it generates a board of that many cases (3 comments each,
# an action item on every second case; kb-bench gen, --kdf interactive) in
# a temporary directory, then does N runs.  One run measures every
# operation once, in a fixed order, so load on the machine hits all of them
# alike (interleaved runs); the table shows the medians over the runs:
#
#   raw floor   plain LMDB walk + AEAD decrypt of every case record (and of
#               every record of every table), in one process, after an
#               untimed unlock: the least any scan of the board can cost;
#   unlock      kb_board_open in one process (Argon2id interactive; and
#               moderate, the default of `init`, on a tiny board);
#   commands    `case list`, `case show/edit/comment`, `export --format
#               json`, `import` (into a fresh empty board), `verify`: wall
#               time and peak RSS of the process (wait4);
#   writer during export  `case comment` started a fifth of the run's
#               export time after another `export --format json` started
#               (issue 16: a writer must not wait for the export's copy);
#   writer during import  the same during an `import` of the export into a
#               board of one case (numbered after the export's cases; the
#               comment is on it): a large import is staged, and a writer
#               waits for one staged transaction at most;
#   TUI         in a pseudo terminal: first frame, bytes per cursor move,
#               CPU time per change made by another process, peak RSS;
#   key kept    `case show/edit/comment` again without a passphrase, the key
#               kept in the session keyring by `kernboard unlock` (issue 16's
#               "unlock once per session"), beside the process-start floor
#               (`kernboard --version`: exec, dynamic linking, exit).  The
#               script runs itself in a new session keyring (`keyctl
#               session`) for that; without keyctl these rows stay empty.
#
# "minus unlock" subtracts the median unlock of the same run from a
# command's time (what the command costs once the key is at hand); the
# ratios divide that by the raw floor of the same run: the cases floor for
# case list and the TUI, the all-records floor for export, import and
# verify (bench/table.awk makes the tables).  --timeout S stops a command
# after S seconds (shown as "> S s"; the import then has nothing to import,
# it is shown the same way).  --save FILE keeps the raw
# measurements (after every run), --report FILE prints the tables of such a
# file again.  Nothing here asserts a time; an operation that fails is shown as
# failed with its exit code (and the script exits 1 after the tables).
set -uo pipefail

# a session keyring of our own, so that `kernboard unlock` can keep the key
# (keycache.c keeps nothing without one); never the caller's session
if [ -z "${KB_BENCH_IN_SESSION:-}" ] && command -v keyctl >/dev/null 2>&1 &&
    keyctl session - true >/dev/null 2>&1; then
    # (keyctl says "Joined session keyring: N" on stderr)
    KB_BENCH_IN_SESSION=1 exec keyctl session - bash "$0" "$@"
fi

usage() {
    sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
}

sizes=1000,10000,100000
runs=3
moves=10
keep=0
save=
report=
timeout=0
HERE=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ]; do
    case $1 in
    --sizes) sizes=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --moves) moves=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    --save) save=${2:?}; shift 2 ;;
    --report) report=${2:?}; shift 2 ;;
    --timeout) timeout=${2:?}; shift 2 ;;
    -h | --help) usage ;;
    *) echo "bench: unknown argument $1" >&2; usage ;;
    esac
done
case $runs in '' | *[!0-9]* | 0) echo "bench: --runs needs a number > 0" >&2; exit 64 ;; esac
if [ -n "$report" ]; then # the tables of a saved results file (--save)
    awk -F'\t' -v sizes="$sizes" -v runs="$runs" -f "$HERE/table.awk" "$report"
    exit
fi
: "${KB_BIN:?KB_BIN must name the kernboard binary}"
: "${KB_BENCH:?KB_BENCH must name the kb-bench helper}"

W=$(mktemp -d "${TMPDIR:-/tmp}/kb-bench.XXXXXX")
if [ "$keep" = 1 ]; then
    echo "bench: keeping $W" >&2
else
    trap 'rm -rf "$W"' EXIT
fi
export HOME=$W/home XDG_STATE_HOME=$W/home/state XDG_CONFIG_HOME=$W/home/config \
    XDG_DATA_HOME=$W/home/data XDG_CACHE_HOME=$W/home/cache
mkdir -p "$XDG_STATE_HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
unset KERNBOARD_DB KERNBOARD_USER KERNBOARD_PASSPHRASE_FILE KERNBOARD_IDLE_LOCK_SECONDS
export KERNBOARD_UNLOCK_IDLE=600 # the default: keep the key 10 minutes (tests set 0)
keyring=0
[ -n "${KB_BENCH_IN_SESSION:-}" ] && keyring=1
export LC_ALL=C.UTF-8 LANGUAGE=
U=bench
PASS=$W/passphrase
printf 'bench-passphrase-%s\n' "$$" >"$PASS"
chmod 600 "$PASS"
RES=$W/results # SIZE OP METRIC VALUE
: >"$RES"
failed=0

rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RES"; }
kbc() { "$KB_BIN" --db "$1" --user "$U" --passphrase-file "$PASS" "${@:2}"; }

# timed SIZE OP [--in F] [--out F] -- CMD...: one process, wall/RSS/CPU
# writer_during SIZE OP MS BOARD CASE WHAT ARGS... - `kernboard ARGS` on
# BOARD in the background; a fifth of MS (its own time alone) later, a
# timed `case comment CASE` (row OP); a failure of either is recorded.
writer_during() {
    local size=$1 op=$2 ms=$3 board=$4 case=$5 what=$6
    shift 6
    "$KB_BIN" --db "$board" --user "$U" --passphrase-file "$PASS" "$@" >/dev/null 2>&1 &
    local bg=$!
    sleep "$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 5000 }')"
    timed "$size" "$op" -- "$KB_BIN" --db "$board" --user "$U" --passphrase-file "$PASS" \
        case comment "$case" "Benchmark comment during $what"
    if ! wait "$bg"; then
        rec "$size" "$op" fail "$1"
        failed=1
    fi
}

timed() {
    local size=$1 op=$2 line
    shift 2
    last_rc=127
    line=$("$KB_BENCH" exec --timeout "$timeout" "$@") || { rec "$size" "$op" fail 127; failed=1; return; }
    set -- $line # wall_ms X rss_kb Y cpu_ms Z rc R
    last_rc=$8
    if [ "$8" = 124 ] && [ "$timeout" != 0 ]; then
        rec "$size" "$op" stopped "$timeout"
        return
    fi
    if [ "$8" != 0 ]; then
        rec "$size" "$op" fail "$8"
        failed=1
        return
    fi
    last_ms=$2
    rec "$size" "$op" ms "$2"
    rec "$size" "$op" rss_kb "$4"
    rec "$size" "$op" cpu_ms "$6"
}

# "NAME_ms X records N" lines of kb-bench floor/unlock
inproc() {
    local size=$1 prefix=$2 out name v rest
    shift 2
    if ! out=$("$KB_BENCH" "$@"); then
        rec "$size" "$prefix" fail 1
        failed=1
        return
    fi
    while read -r name v rest; do
        name=${name%_ms}
        [ "$name" = unlock ] && name=$prefix # unlock and unlock_moderate
        rec "$size" "$name" ms "$v"
        case $rest in
        records\ *) rec "$size" "$name" records "${rest#records }" ;;
        cpu\ *) rec "$size" "$name" cpu_ms "${rest#cpu }" ;;
        esac
    done <<<"$out"
}

echo "kernboard benchmark: sizes $sizes, $runs runs each (medians), $(nproc) CPU(s)," \
    "$(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "binary: $KB_BIN"

MOD=$W/moderate.kb
"$KB_BENCH" gen "$MOD" "$U" "$PASS" 0 --kdf moderate >/dev/null || { echo "bench: cannot create $MOD" >&2; exit 1; }

IFS=, read -r -a size_list <<<"$sizes"
for n in "${size_list[@]}"; do
    case $n in '' | *[!0-9]*) echo "bench: bad size $n" >&2; exit 64 ;; esac
    B=$W/board-$n.kb
    t0=$(date +%s%N)
    if ! "$KB_BENCH" gen "$B" "$U" "$PASS" "$n" >/dev/null; then
        echo "bench: generating $n cases failed" >&2
        exit 1
    fi
    rec "$n" generate ms "$(( ($(date +%s%N) - t0) / 1000000 ))"
    rec "$n" board_bytes value "$(stat -c %s "$B")"
    k=$(( (n + 1) / 2 )) # the case the single-record commands use
    [ "$k" -ge 1 ] || k=1
    for r in $(seq 1 "$runs"); do
        inproc "$n" floor floor "$B" "$U" "$PASS"
        inproc "$n" unlock unlock "$B" "$U" "$PASS"
        inproc "$n" unlock_moderate unlock "$MOD" "$U" "$PASS"
        timed "$n" list -- "$KB_BIN" --db "$B" --user "$U" --passphrase-file "$PASS" case list
        timed "$n" show -- "$KB_BIN" --db "$B" --user "$U" --passphrase-file "$PASS" case show "$k"
        timed "$n" edit -- "$KB_BIN" --db "$B" --user "$U" --passphrase-file "$PASS" \
            case edit "$k" --title "Benchmark edit $r"
        timed "$n" comment -- "$KB_BIN" --db "$B" --user "$U" --passphrase-file "$PASS" \
            case comment "$k" "Benchmark comment $r"
        timed "$n" start -- "$KB_BIN" --version
        # the same with the key kept in the session keyring (no passphrase)
        if [ "$keyring" = 1 ] && kbc "$B" unlock >/dev/null 2>&1; then
            timed "$n" list_kept -- "$KB_BIN" --db "$B" --user "$U" case list
            timed "$n" show_kept -- "$KB_BIN" --db "$B" --user "$U" case show "$k"
            timed "$n" edit_kept -- "$KB_BIN" --db "$B" --user "$U" \
                case edit "$k" --title "Benchmark edit (key kept) $r"
            timed "$n" comment_kept -- "$KB_BIN" --db "$B" --user "$U" \
                case comment "$k" "Benchmark comment (key kept) $r"
            kbc "$B" lock >/dev/null 2>&1
        fi
        X=$W/export-$n.json
        rm -f "$X"
        timed "$n" export -- "$KB_BIN" --db "$B" --user "$U" --passphrase-file "$PASS" \
            export --format json --out "$X"
        xrc=$last_rc
        # a writer during an export: it starts while the export copies
        if [ "$xrc" = 0 ]; then
            writer_during "$n" comment_export "$last_ms" "$B" "$k" "an export $r" \
                export --format json --out "$W/export-during-$n.json"
            rm -f "$W/export-during-$n.json"
        fi
        I=$W/import.kb
        rm -f "$I" "$I.lock"
        if [ "$xrc" = 124 ] && [ "$timeout" != 0 ]; then
            rec "$n" import stopped "$timeout" # no complete export to import
        elif [ "$xrc" = 0 ] && [ -s "$X" ] && "$KB_BENCH" gen "$I" "$U" "$PASS" 0 >/dev/null; then
            timed "$n" import -- "$KB_BIN" --db "$I" --user "$U" --passphrase-file "$PASS" import "$X"
        else
            rec "$n" import fail "no export"
            failed=1
        fi
        rm -f "$I" "$I.lock"
        # a writer during an import: the import into a board of one case
        # (numbered after the export's), the comment on that case started
        # a fifth of the import's time after the import
        imp_ms=$last_ms
        if [ "$xrc" = 0 ] && [ -s "$X" ] &&
            "$KB_BENCH" gen "$I" "$U" "$PASS" 1 --first "$((n + 1))" >/dev/null; then
            writer_during "$n" comment_import "$imp_ms" "$I" "$((n + 1))" "an import $r" import "$X"
        fi
        rm -f "$I" "$I.lock"
        timed "$n" verify -- "$KB_BIN" --db "$B" --user "$U" --passphrase-file "$PASS" verify
        if out=$("$KB_BENCH" tui "$KB_BIN" "$B" "$U" "$PASS" --ready "${KB_BENCH_READY:-Signal $((n / 5))}" \
            --moves "$moves" --seed "$r"); then
            set -- $out # first_frame_ms X bytes_per_move Y change_cpu_ms Z change_wall_ms W rss_kb V
            rec "$n" tui_first ms "$2"
            rec "$n" tui_first rss_kb "${10}"
            rec "$n" tui_bytes value "$4"
            rec "$n" tui_change ms "$8"
            rec "$n" tui_change cpu_ms "$6"
        else
            rec "$n" tui_first fail 1
            failed=1
        fi
        echo "  $n cases: run $r of $runs done" >&2
        [ -z "$save" ] || cp "$RES" "$save"
    done
    rm -f "$B" "$B.lock" "$W/export-$n.json"
done

# ---------------------------------------------------------------- tables
awk -F'\t' -v sizes="$sizes" -v runs="$runs" -f "$HERE/table.awk" "$RES"

if [ "$failed" != 0 ]; then
    echo
    echo "bench: some operations failed (see the tables)" >&2
    exit 1
fi
exit 0
