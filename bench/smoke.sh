#!/usr/bin/env bash
# bench/smoke.sh - ctest bench/smoke: the benchmark at 1k cases, one run,
# on the test build.  It checks only that the benchmark completes and
# prints its tables and ratio line; it never asserts a time (the test build
# has sanitizers, so its times mean nothing anyway).
# Environment (from ctest): KB_BIN, KB_BENCH, KB_SRC; KB_BENCH_SMOKE_RUNS
# (default 1) and KB_BENCH_SMOKE_SIZE (default 1000) to run more.
set -uo pipefail
: "${KB_BIN:?}" "${KB_BENCH:?}" "${KB_SRC:?}"
n=${KB_BENCH_SMOKE_SIZE:-1000}
out=$(mktemp "${TMPDIR:-/tmp}/kb-bench-smoke.XXXXXX")
trap 'rm -f "$out"' EXIT
# leak checking of the helper and of every command stays on (ASAN_OPTIONS
# from scripts/test)
bash "$KB_SRC/bench/run.sh" --sizes "$n" --runs "${KB_BENCH_SMOKE_RUNS:-1}" --moves 4 >"$out"
rc=$?
cat "$out"
fail=0
R='[0-9.]+×|- \(noise\)' # a ratio, or none when load made a command look faster than the unlock
check() { # DESCRIPTION ERE
    if grep -Eq "$2" "$out"; then
        echo "PASS: $1"
    else
        echo "FAIL: $1"
        fail=1
    fi
}
[ "$rc" = 0 ] && echo "PASS: the benchmark completed (exit 0)" || { echo "FAIL: the benchmark exited $rc"; fail=1; }
check "the table of $n cases is printed" "^== $n cases "
check "the raw floor row has a time" '^\| raw floor: LMDB walk \+ AEAD decrypt of the cases \([0-9]+ records\) \| [0-9.]+ '
check "case list has a time, CPU time and a ratio" '^\| `case list` \| [0-9.]+ \| ([0-9.]+|< 0 \(noise\)) \| [0-9.]+ \| [0-9.]+ \| ([0-9.]+×)? \|'
check "the TUI first frame has a time and a ratio" '^\| TUI first frame \| [0-9.]+ \| ([0-9.]+|< 0 \(noise\)) \|'
check "bytes per cursor move are measured" '^\| TUI bytes written per cursor move \(j/k\) \| [0-9]+ bytes '
check "the TUI CPU per remote change is measured" '^\| TUI CPU per change made by someone else \(ms CPU; until shown: [0-9.]+ ms wall\) \| [0-9.]+ \|'
for op in 'case show' 'case comment' 'export --format json' 'verify'; do
    check "\`$op\` has a time" "^\\| \`$op\` \\| [0-9.]+ "
done
check "a comment during an export has a time" '^\| `case comment` during an export \(started a fifth of the export.s time after it\) \| [0-9.]+ '
check "import has a time" '^\| `import` \(the export, into an empty board\) \| [0-9.]+ '
check "the ratio line is printed" "^ratios $n: case list ($R) \\(key kept: ($R|-)\\), TUI first frame ($R) .*export ($R), import ($R), verify ($R)"
check "the summary table is printed" '^\| `verify` \| ([0-9.]+ \([0-9.]+×\)|< 0 \(noise\)) \|$'
if grep -q failed "$out"; then
    echo "FAIL: an operation failed"
    fail=1
fi
[ "$fail" = 0 ] && echo "RESULT: PASS" || echo "RESULT: FAIL"
exit "$fail"
