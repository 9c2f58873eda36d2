#!/usr/bin/env bash
# test_valgrind.sh - an end-to-end run of the real binary under valgrind
# memcheck: no invalid reads/writes, no use of uninitialised values, no
# definite or indirect leaks.  valgrind cannot run the ASan test binary, so
# this builds a plain (unsanitised, -O0 -g) kernboard in $KB_BUILD/plain
# (incremental; nothing else is built there).
. "$(dirname "$0")/lib.sh"
kb_setup
command -v valgrind >/dev/null || skip "valgrind is not installed"
plain=$KB_BUILD/plain
# (KB_TEST_KDF: with KERNBOARD_TEST_KDF=min from lib.sh the keyslots of
# the boards made here cost the minimum Argon2id, which under valgrind
# took most of the run; docs/testing.md)
if [ ! -f "$plain/CMakeCache.txt" ] || ! grep -q '^KB_TEST_KDF:BOOL=ON' "$plain/CMakeCache.txt"; then
    cmake -S "$KB_SRC" -B "$plain" -DCMAKE_BUILD_TYPE=Debug -DKB_TESTS=OFF -DKB_SANITIZE=OFF \
        -DKB_TEST_KDF=ON >/dev/null ||
        die "cannot configure the plain build"
fi
cmake --build "$plain" -j 2 --target kernboard >"$T/build.log" 2>&1 || die "plain build failed: $(tail -5 "$T/build.log")"
BIN=$plain/kernboard
vg() {
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --log-file="$T/vg.%p.log" \
        "$BIN" --user alice --passphrase-file "$PASS" "$@"
}
B=$T/board.kb
steps=(
    "init $B --kdf interactive"
    "--db $B case add --title Valgrindcasus --dept ECO --also INC --due 2027-01-01 --tag a,b"
    "--db $B case edit 1 --title Gewijzigd --agenda"
    "--db $B case comment 1 Opmerking"
    "--db $B case show 1 --json"
    "--db $B case list dept:ECO"
    "--db $B export --format json --out $T/e.json"
    "--db $B export --format csv --out $T/e.csv"
    "--db $B export --format md --out $T/e.md"
    "--db $B verify"
    "--db $B backup $T/b2.kb"
    "--db $B locks"
)
for s in "${steps[@]}"; do
    # shellcheck disable=SC2086
    vg $s >"$T/out" 2>"$T/err"
    rc=$?
    check "valgrind clean: kernboard $s (exit $rc)" [ "$rc" = 0 ]
done
B3=$T/import.kb
vg init "$B3" --kdf interactive >/dev/null 2>&1
vg --db "$B3" import "$T/e.json" >/dev/null 2>"$T/err"
rc=$?
check "valgrind clean: import (exit $rc)" [ "$rc" = 0 ]
vg --db "$B3" import "$T/e.json" >/dev/null 2>"$T/err"
rc=$?
check "valgrind clean on an error path: duplicate import exits 65 (got $rc)" [ "$rc" = 65 ]
if grep -l "ERROR SUMMARY: [1-9]\|definitely lost\|Invalid" "$T"/vg.*.log >/dev/null 2>&1; then
    kb_fail "valgrind reported errors: $(cat "$T"/vg.*.log | head -40)"
fi
finish
