#!/usr/bin/env bash
# bench/run.sh - the benchmark of issue 16 (docs/performance.md).
#
#   KB_BIN=kernboard KB_BENCH=kb-bench bench/run.sh [--sizes 1000,10000,100000]
#       [--runs N] [--moves M] [--keep]
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
#   TUI         in a pseudo terminal: first frame, bytes per cursor move,
#               CPU time per change made by another process, peak RSS.
#
# "minus unlock" subtracts the median unlock of the same run from a
# command's time (what the command costs once the key is at hand); the
# ratios divide that by the raw floor of the same run: the cases floor for
# case list and the TUI, the all-records floor for export, import and
# verify.  Nothing here asserts a time; an operation that fails is shown as
# failed with its exit code (and the script exits 1 after the tables).
set -uo pipefail

usage() {
    sed -n '3,5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
}

: "${KB_BIN:?KB_BIN must name the kernboard binary}"
: "${KB_BENCH:?KB_BENCH must name the kb-bench helper}"
sizes=1000,10000,100000
runs=3
moves=10
keep=0
while [ $# -gt 0 ]; do
    case $1 in
    --sizes) sizes=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --moves) moves=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage ;;
    *) echo "bench: unknown argument $1" >&2; usage ;;
    esac
done
case $runs in '' | *[!0-9]* | 0) echo "bench: --runs needs a number > 0" >&2; exit 64 ;; esac

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
timed() {
    local size=$1 op=$2 line
    shift 2
    line=$("$KB_BENCH" exec "$@") || { rec "$size" "$op" fail 127; failed=1; return; }
    set -- $line # wall_ms X rss_kb Y cpu_ms Z rc R
    if [ "$8" != 0 ]; then
        rec "$size" "$op" fail "$8"
        failed=1
        return
    fi
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
        case $rest in records\ *) rec "$size" "$name" records "${rest#records }" ;; esac
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
        X=$W/export-$n.json
        rm -f "$X"
        timed "$n" export -- "$KB_BIN" --db "$B" --user "$U" --passphrase-file "$PASS" \
            export --format json --out "$X"
        I=$W/import.kb
        rm -f "$I" "$I.lock"
        if [ -s "$X" ] && "$KB_BENCH" gen "$I" "$U" "$PASS" 0 >/dev/null; then
            timed "$n" import -- "$KB_BIN" --db "$I" --user "$U" --passphrase-file "$PASS" import "$X"
        else
            rec "$n" import fail "no export"
            failed=1
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
    done
    rm -f "$B" "$B.lock" "$W/export-$n.json"
done

# ---------------------------------------------------------------- tables
awk -F'\t' -v sizes="$sizes" -v runs="$runs" '
function median(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    if (n == 0 || vals[key] == "") return ""
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(x) { return x == "" ? "" : (x < 10 ? sprintf("%.2f", x) : (x < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x))) }
function mib(kb) { return kb == "" ? "" : sprintf("%.0f", kb / 1024) }
function ratio(x, f) { return (x == "" || f == "" || f <= 0) ? "" : sprintf("%.1f×", x / f) }
{
    k = $1 SUBSEP $2 SUBSEP $3
    if ($3 == "fail") { fails[$1 SUBSEP $2] = fails[$1 SUBSEP $2] " " $4; next }
    vals[k] = (k in vals) ? vals[k] " " $4 : $4
}
function row(n, op, label, kind,   ms, rss, mu, rf, ra, s) {
    if ((n SUBSEP op) in fails) {
        printf "| %s | failed (exit%s) | | | | |\n", label, fails[n SUBSEP op]
        return
    }
    ms = median(n SUBSEP op SUBSEP "ms"); rss = median(n SUBSEP op SUBSEP "rss_kb")
    mu = ""; rf = ""; ra = ""
    if (kind == "cmd" || kind == "cmdall" || kind == "tui") { mu = ms - U[n]; if (mu < 0) mu = 0 }
    if (kind == "inproc") rf = ratio(ms, FC[n])
    if (kind == "cmd" || kind == "tui") rf = ratio(mu, FC[n])
    if (kind == "cmdall") ra = ratio(mu, FA[n])
    if (kind == "single") { mu = ms - U[n]; if (mu < 0) mu = 0 }
    printf "| %s | %s | %s | %s | %s | %s |\n", label, fmt(ms), fmt(mu), rf, ra, mib(rss)
    S[n SUBSEP op] = fmt(kind == "inproc" || kind == "unlock" ? ms : mu) (rf != "" ? " (" rf ")" : (ra != "" ? " (" ra ")" : ""))
}
END {
    ns = split(sizes, SZ, ",")
    for (i = 1; i <= ns; i++) {
        n = SZ[i]
        U[n] = median(n SUBSEP "unlock" SUBSEP "ms")
        FC[n] = median(n SUBSEP "floor_cases" SUBSEP "ms")
        FA[n] = median(n SUBSEP "floor_all" SUBSEP "ms")
        rc = median(n SUBSEP "floor_cases" SUBSEP "records"); ra = median(n SUBSEP "floor_all" SUBSEP "records")
        printf "\n== %d cases (3 comments each, an action item on every second case); board %.0f MiB, generated in %.1f s; medians of %d runs\n\n",
            n, median(n SUBSEP "board_bytes" SUBSEP "value") / 1048576, median(n SUBSEP "generate" SUBSEP "ms") / 1000, runs
        print "| operation | median ms | minus unlock ms | × floor (cases) | × floor (all records) | peak RSS MiB |"
        print "|---|---|---|---|---|---|"
        row(n, "floor_cases", sprintf("raw floor: LMDB walk + AEAD decrypt of the cases (%d records)", rc), "inproc")
        row(n, "floor_all", sprintf("raw floor over every record table (%d records)", ra), "inproc")
        row(n, "store_scan", "store scan of the cases (lock, fresh environment, decrypt, version map)", "inproc")
        row(n, "core_list", "core case list in one process (store scan + decode)", "inproc")
        row(n, "unlock", "unlock (Argon2id interactive, the benchmark boards)", "unlock")
        row(n, "unlock_moderate", "unlock (Argon2id moderate, the default of init)", "unlock")
        row(n, "list", "`case list`", "cmd")
        row(n, "show", "`case show`", "single")
        row(n, "edit", "`case edit --title`", "single")
        row(n, "comment", "`case comment`", "single")
        row(n, "tui_first", "TUI first frame", "tui")
        if ((n SUBSEP "tui_first") in fails) {
            S[n SUBSEP "tui_cpu"] = "failed"; S[n SUBSEP "tui_bytes"] = "failed"
        } else {
            c = median(n SUBSEP "tui_change" SUBSEP "cpu_ms"); w = median(n SUBSEP "tui_change" SUBSEP "ms")
            b = median(n SUBSEP "tui_bytes" SUBSEP "value")
            printf "| TUI CPU per change made by someone else (ms CPU; until shown: %s ms wall) | %s | | | | |\n", fmt(w), fmt(c)
            printf "| TUI bytes written per cursor move (j/k) | %.0f bytes | | | | |\n", b
            S[n SUBSEP "tui_cpu"] = fmt(c); S[n SUBSEP "tui_bytes"] = sprintf("%.0f B", b)
        }
        row(n, "export", "`export --format json`", "cmdall")
        row(n, "import", "`import` (the export, into an empty board)", "cmdall")
        row(n, "verify", "`verify`", "cmdall")
        printf "\nratios %d: case list %s, TUI first frame %s (to the cases floor, %s ms); export %s, import %s, verify %s (to the all-records floor, %s ms); unlock excluded\n",
            n, R(n, "list", FC[n]), R(n, "tui_first", FC[n]), fmt(FC[n]), R(n, "export", FA[n]), R(n, "import", FA[n]), R(n, "verify", FA[n]), fmt(FA[n])
    }
    printf "\n== summary: median ms, unlock excluded (ratio to the raw floor of the same run)\n\n"
    h = "| operation |"; d = "|---|"
    for (i = 1; i <= ns; i++) { h = h " " SZ[i] " |"; d = d "---|" }
    print h; print d
    split("floor_cases floor_all unlock unlock_moderate list show edit comment tui_first tui_cpu tui_bytes export import verify", OPS, " ")
    split("raw floor (cases)|raw floor (all records)|unlock (interactive)|unlock (moderate)|`case list`|`case show`|`case edit`|`case comment`|TUI first frame|TUI CPU per remote change|TUI bytes per cursor move|`export --format json`|`import`|`verify`", LB, "|")
    for (o = 1; o <= 14; o++) {
        line = "| " LB[o] " |"
        for (i = 1; i <= ns; i++) {
            v = ((SZ[i] SUBSEP OPS[o]) in fails) ? "failed" : S[SZ[i] SUBSEP OPS[o]]
            line = line " " v " |"
        }
        print line
    }
}
function R(n, op, f,   ms) {
    if ((n SUBSEP op) in fails) return "failed"
    ms = median(n SUBSEP op SUBSEP "ms") - U[n]
    return ratio(ms < 0 ? 0 : ms, f)
}
' "$RES"

if [ "$failed" != 0 ]; then
    echo
    echo "bench: some operations failed (see the tables)" >&2
    exit 1
fi
exit 0
