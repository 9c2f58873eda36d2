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
    [codec_ref]="$src/src/util/*.c $src/src/model/*.c $src/src/codec/*.c"
    [query]="$src/src/util/*.c $src/src/model/*.c"
    [keymap]="$src/src/util/*.c $src/src/keymap/*.c $gen"
    [import]="$src/src/util/*.c $src/src/model/*.c $src/src/cmd/cmd_import_parse.c"
    [pagecheck]="$src/src/util/*.c $src/src/model/*.c $src/src/codec/*.c $src/src/store/*.c"
)
declare -A libs=([codec]="" [codec_ref]="-lcbor" [query]="" [keymap]="" [import]="-ljansson -lcsv"
    [pagecheck]="-llmdb -lsodium -lkeyutils")
declare -A maxlen=([pagecheck]=65536)
# the reference decoder (libcbor) has no nesting limit: compare beyond ours
declare -A defs=([codec_ref]="-DKB_CR_DEPTH=10000")
# the structure check reads whole files (up to 64 KiB): fewer inputs
declare -A share=([pagecheck]=5)
keymapdefs=(-DKB_DATADIR=\"/nonexistent\" -DKB_SOURCE_KEYMAP_DIR=\"$src/keymaps\")
fail=0
declare -A seen=()
# seeds for the structure check: small LMDB files with several tables and
# an overflow record (mdb_load from lmdb-utils)
pc_seeds() {
    local d=$1 i
    command -v mdb_load >/dev/null || return 0
    mkdir -p "$d"
    for i in 1 2; do
        rm -f "$d/seed$i" "$d/seed$i-lock"
        {
            printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n'
            for k in $(seq 1 $((i * 40))); do
                printf ' %08x\n %s\n' "$k" "$(head -c $((k * 7 % 300 + 1)) /dev/zero | od -An -v -tx1 | tr -d ' \n')"
            done
            [ "$i" = 2 ] && printf ' 7a7a\n %s\n' "$(head -c 9000 /dev/zero | od -An -v -tx1 | tr -d ' \n')"
            printf 'DATA=END\n'
        } | mdb_load -n -s cases "$d/seed$i" 2>/dev/null
        printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 01\n 02\nDATA=END\n' |
            mdb_load -n -s audit "$d/seed$i" 2>/dev/null
        rm -f "$d/seed$i-lock"
    done
}
# Every source is compiled once (per set of extra defines), on all cores;
# each target links the objects it needs.
objdir=$out/obj
rm -rf "$objdir"
mkdir -p "$objdir"
declare -A objs=()
jobs=()
for t in codec codec_ref query keymap import pagecheck; do
    [ "$t" = keymap ] && [ -z "$gen" ] && continue
    objs[$t]=
    # shellcheck disable=SC2086
    for f in "$src/tests/fuzz/fuzz_$t.c" ${srcs[$t]}; do
        d=${defs[$t]:-}
        o=$objdir/$(printf '%s' "$f$d" | md5sum | cut -c1-12)-$(basename "$f" .c).o
        objs[$t]+=" $o"
        if [ -z "${seen[$o]:-}" ]; then
            seen[$o]=1
            jobs+=("$o"$'\t'"$f"$'\t'"$d")
        fi
    done
done
export cc objdir
export KB_FUZZ_FLAGS="${flags[*]} ${keymapdefs[*]}"
printf '%s\n' "${jobs[@]}" | xargs -d '\n' -P "$(nproc)" -n 1 bash -c '
    IFS=$'"'"'\t'"'"' read -r o f d <<<"$1"
    # shellcheck disable=SC2086
    "$cc" $KB_FUZZ_FLAGS $d -c -o "$o" "$f" 2>"$o.log" || { echo "fuzz: cannot compile $f:"; head -20 "$o.log"; exit 1; }
' _ || fail=1
for t in codec codec_ref query keymap import pagecheck; do
    if [ "$t" = keymap ] && [ -z "$gen" ]; then
        echo "fuzz/$t: generated keymap source not found in $build"; fail=1; continue
    fi
    # shellcheck disable=SC2086
    if ! "$cc" "${flags[@]}" -o "$out/fuzz_$t" ${objs[$t]} ${libs[$t]} 2>"$out/fuzz_$t.build.log"; then
        echo "fuzz/$t: build failed:"; head -20 "$out/fuzz_$t.build.log"; fail=1; continue
    fi
    corpus=$out/corpus_$t
    mkdir -p "$corpus"
    for seed in "$src/tests/fuzz/corpus/$t"/* "$src/tests/fuzz/corpus/${t}_"*/* \
        $([ "$t" = codec_ref ] && echo "$src/tests/fuzz/corpus/codec/"*); do
        [ -f "$seed" ] && cp -n "$seed" "$corpus/" 2>/dev/null
    done
    [ "$t" = pagecheck ] && pc_seeds "$corpus"
    if ASAN_OPTIONS=detect_leaks=1 "$out/fuzz_$t" -seed=1 -runs="$((runs == 0 ? 0 : runs / ${share[$t]:-1}))" -max_len="${maxlen[$t]:-8192}" \
        -timeout=10 -rss_limit_mb=2048 "$corpus" >"$out/fuzz_$t.log" 2>&1; then
        echo "fuzz/$t: $runs inputs, no crash ($(grep -o 'cov: [0-9]*' "$out/fuzz_$t.log" | tail -1))"
    else
        echo "fuzz/$t: FAILED"; tail -30 "$out/fuzz_$t.log"; fail=1
    fi
done
exit $fail
