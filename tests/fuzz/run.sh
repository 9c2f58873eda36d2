#!/usr/bin/env bash
# tests/fuzz/run.sh SRC BUILD [RUNS] - build the libFuzzer targets with clang
# (ASan + UBSan + libFuzzer) and run each for a fixed number of inputs from a
# fixed seed over its seed corpus, so the run is repeatable and bounded.
# Longer fuzzing: tests/fuzz/run.sh . build/test 0   (0 = until stopped).
set -u
src=${1:?source dir} build=${2:?build dir} runs=${3:-${KB_FUZZ_RUNS:-40000}}
cc=$(command -v clang-14 || command -v clang) || { echo "SKIPPED: clang is not installed"; exit 77; }
out=$build/fuzz
mkdir -p "$out"
flags=(-g -O1 -std=c17 -D_GNU_SOURCE -DKB_VERSION=\"fuzz\" -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=all -I"$src/include" -I"$src/src")
gen=$(find "$build" -name 'keymap_default.c' -path '*generated*' | head -1)
declare -A srcs=(
    [codec]="$src/src/util/*.c $src/src/model/*.c $src/src/codec/*.c"
    [query]="$src/src/util/*.c $src/src/model/*.c"
    [keymap]="$src/src/util/*.c $src/src/keymap/*.c $gen"
    [import]="$src/src/util/*.c $src/src/model/*.c $src/src/cmd/cmd_import_parse.c"
)
declare -A libs=([codec]="-lcbor" [query]="" [keymap]="" [import]="-ljansson -lcsv")
keymapdefs=(-DKB_DATADIR=\"/nonexistent\" -DKB_SOURCE_KEYMAP_DIR=\"$src/keymaps\")
fail=0
for t in codec query keymap import; do
    if [ "$t" = keymap ] && [ -z "$gen" ]; then
        echo "fuzz/$t: generated keymap source not found in $build"; fail=1; continue
    fi
    # shellcheck disable=SC2086
    if ! "$cc" "${flags[@]}" "${keymapdefs[@]}" -o "$out/fuzz_$t" "$src/tests/fuzz/fuzz_$t.c" \
        ${srcs[$t]} ${libs[$t]} 2>"$out/fuzz_$t.build.log"; then
        echo "fuzz/$t: build failed:"; head -20 "$out/fuzz_$t.build.log"; fail=1; continue
    fi
    corpus=$out/corpus_$t
    mkdir -p "$corpus"
    for seed in "$src/tests/fuzz/corpus/$t"/* "$src/tests/fuzz/corpus/${t}_"*/*; do
        [ -f "$seed" ] && cp -n "$seed" "$corpus/" 2>/dev/null
    done
    if ASAN_OPTIONS=detect_leaks=1 "$out/fuzz_$t" -seed=1 -runs="$runs" -max_len=8192 \
        -timeout=10 -rss_limit_mb=2048 "$corpus" >"$out/fuzz_$t.log" 2>&1; then
        echo "fuzz/$t: $runs inputs, no crash ($(grep -o 'cov: [0-9]*' "$out/fuzz_$t.log" | tail -1))"
    else
        echo "fuzz/$t: FAILED"; tail -30 "$out/fuzz_$t.log"; fail=1
    fi
done
exit $fail
