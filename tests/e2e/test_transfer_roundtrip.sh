#!/usr/bin/env bash
# test_transfer_roundtrip.sh - export -> import -> export of a big board is
# byte-identical (issue 16, "100k boards end to end"):
#   - a generated board of KB_ROUNDTRIP_CASES cases (default 30 000) with
#     timeline entries (quotes, line breaks, accents, a euro sign) and action
#     items, descriptions long enough that the JSON export is over 64 MiB
#     (the old import refused files over 64 MiB: this one must stream);
#   - `import` into a fresh board, then its export is identical (cmp) to
#     the first;
#   - importing the same file again fails with one line (exit 65) and
#     changes nothing (all or nothing: the case count stays);
#   - the board data besides the cases goes along: shared views (one with
#     a sort and lanes) and a changed contact window are in the export and
#     on the new board; a personal view is not (it belongs to its user);
#   - the same round trip at 2 000 cases with the ASan build under test,
#     where also `import --dry-run` first changes nothing;
#   - importing that export into a board that has a shared view of the
#     same name replaces the view (as a department of the same code is
#     replaced) and sets the contact window.
# The big board is made, exported and imported with an optimised build (no
# sanitizers: ASan makes the 30k round trip several minutes; the code paths
# are the same as in the small ASan round trip), as tests/e2e/test_rekey.sh
# does: build/release-check from scripts/test, else one built here under
# $KB_BUILD/transfer-release (KB_ROUNDTRIP_RELDIR names another optimised
# build tree).  About 40 s CPU at 30 000 cases.
. "$(dirname "$0")/lib.sh"
kb_setup

N=${KB_ROUNDTRIP_CASES:-30000}
MIB64=$((64 * 1024 * 1024))

# ---- the optimised binary and generator
reldir=${KB_ROUNDTRIP_RELDIR:-$KB_SRC/build/release-check}
if [ ! -f "$reldir/CMakeCache.txt" ]; then
    reldir=${KB_BUILD:-$KB_SRC/build/test}/transfer-release
    [ -f "$reldir/CMakeCache.txt" ] ||
        cmake -S "$KB_SRC" -B "$reldir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKB_TESTS=OFF \
            >"$T/rel-config.log" 2>&1 || die "configuring an optimised build failed: $(tail -5 "$T/rel-config.log")"
fi
cmake --build "$reldir" --target kernboard >"$T/rel-build.log" 2>&1 ||
    die "building the optimised kernboard failed: $(tail -5 "$T/rel-build.log")"
REL=$reldir/kernboard
[ -x "$REL" ] || die "no optimised kernboard at $REL"
kb_log "optimised binary: $REL"
# shellcheck disable=SC2046
cc -O2 -std=c17 -D_GNU_SOURCE -I"$KB_SRC/include" -o "$T/genboard" \
    "$KB_SRC/tests/tools/kb_genboard.c" "$reldir/libkb_core.a" "$reldir/libkb_codec.a" \
    "$reldir/libkb_store.a" "$reldir/libkb_model.a" "$reldir/libkb_util.a" \
    $(pkg-config --libs lmdb libsodium libkeyutils) 2>"$T/gen-cc.err" ||
    die "cannot build the optimised generator: $(head -3 "$T/gen-cc.err")"

# roundtrip NAME BIN GEN CASES DESCLEN DRY - generate, export, dry run (DRY
# 1), import, export again, compare, import again (refused); leaves the
# first export in $T/NAME-1.json.
roundtrip() {
    local name=$1 bin=$2 gen=$3 n=$4 desclen=$5 dry=$6
    local a=$T/$name-a.kb b=$T/$name-b.kb x1=$T/$name-1.json x2=$T/$name-2.json
    k() { "$bin" --user alice --passphrase-file "$PASS" "$@"; }
    k init "$a" --kdf interactive >/dev/null 2>"$T/init.err" || die "init: $(cat "$T/init.err")"
    k init "$b" --kdf interactive >/dev/null 2>"$T/init.err" || die "init: $(cat "$T/init.err")"
    # every third case a comment, every fifth an action item and a second
    # comment with quotes, a line break, accents and a backslash
    "$gen" "$a" alice "$PASS" "$n" 5000 5 "$desclen" >"$T/gen.out" 2>"$T/gen.err" ||
        die "kb-genboard: $(cat "$T/gen.err")"
    # board data besides the cases: shared views, the contact window, and
    # a personal view (not exported: users are not)
    expect_rc 0 "$name: a shared view" k --db "$a" view save team agenda --shared
    expect_rc 0 "$name: a shared view with a sort and lanes" \
        k --db "$a" view save eco-stuck 'lead:ECO stuck' --shared --sort age --lanes eco,-
    expect_rc 0 "$name: a personal view" k --db "$a" view save mine-only mine
    expect_rc 0 "$name: contact window 9" k --db "$a" contact window 9
    expect_rc 0 "$name: export of $n cases" k --db "$a" export --format json --out "$x1"
    check "$name: the export has the settings and the shared views only" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["settings"] == {"contact_window": 9}, d["settings"]
assert d["views"] == [
    {"name": "team", "query": "agenda", "sort": None, "lanes": None},
    {"name": "eco-stuck", "query": "lead:ECO stuck", "sort": "age", "lanes": "ECO,-"}], d["views"]' "$x1"
    local cases comments actions
    read -r cases comments actions < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(len(d["cases"]), sum(len(c["timeline"]) for c in d["cases"]), len(d["actions"]))' "$x1")
    check "$name: the export has $n cases (got $cases)" [ "$cases" = "$n" ]
    check "$name: ... timeline entries ($comments) and action items ($actions)" \
        [ "$comments" -gt "$((n / 3))" -a "$actions" = "$((n / 5))" ]
    if [ "$dry" = 1 ]; then
        expect_rc 0 "$name: import --dry-run" k --db "$b" import "$x1" --dry-run
        run k --db "$b" case list --json
        check "$name: the dry run changed nothing" [ "$OUT" = "[]" ]
    fi
    expect_rc 0 "$name: import into a fresh board" k --db "$b" import "$x1"
    check "$name: ... reports the views and the setting" contains "$OUT" "shared views +2 ~0, settings ~1"
    run k --db "$b" contact window
    check "$name: the new board's contact window is 9 ($OUT)" [ "$OUT" = 9 ]
    run k --db "$b" --json view list
    check "$name: the new board has the shared views, not the personal one" python3 -c '
import json, sys
v = json.load(sys.stdin)
assert [(x["name"], x["shared"], x["sort"], x["lanes"]) for x in v] == [
    ("team", True, None, None), ("eco-stuck", True, "age", "ECO,-")], v' <<<"$OUT"
    expect_rc 0 "$name: export of the imported board" k --db "$b" export --format json --out "$x2"
    if cmp -s "$x1" "$x2"; then
        kb_pass "$name: export -> import -> export is byte-identical"
    else
        kb_fail "$name: the second export differs: $(cmp "$x1" "$x2" 2>&1 | head -1)"
    fi
    run k --db "$b" import "$x1"
    check "$name: importing it again is refused (exit $RC)" [ "$RC" = 65 ]
    check "$name: ... with one line ($ERR)" [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]
    run k --db "$b" stats --json
    check "$name: ... and changes nothing ($n cases)" [ "$(printf '%s' "$OUT" | json_get cases)" = "$n" ]
    rm -f "$x2" "$a" "$b"
}

# the big one: descriptions of about 2 300 bytes make 30 000 cases an
# export of over 64 MiB
roundtrip big "$REL" "$T/genboard" "$N" $((N >= 30000 ? 2300 : 2300 * 30000 / N)) 0
size=$(stat -c %s "$T/big-1.json")
kb_log "export of $N cases: $size bytes"
check "the export ($size bytes) is over 64 MiB: the import streams" [ "$size" -gt "$MIB64" ]
rm -f "$T/big-1.json"

# the same through the build under test (sanitizers), small
GEN_T=${KB_GENBOARD:-${KB_BUILD:-$KB_SRC/build/test}/tests/kb-genboard}
[ -x "$GEN_T" ] || die "no kb-genboard at $GEN_T"
roundtrip small "$KB_BIN" "$GEN_T" 2000 300 1

# into a board that has a shared view of the same name: the import's
# replaces it (upserted by name, as departments are by code)
c=$T/c.kb
kba init "$c" --kdf interactive >/dev/null 2>"$T/init.err" || die "init: $(cat "$T/init.err")"
expect_rc 0 "a board with its own shared view 'team'" kba --db "$c" view save team overdue --shared
expect_rc 0 "... and another one" kba --db "$c" view save own blocked --shared
expect_rc 0 "... and contact window 3" kba --db "$c" contact window 3
expect_rc 0 "import --dry-run there" kba --db "$c" import "$T/small-1.json" --dry-run
check "the dry run names one view added, one replaced, one setting" \
    contains "$OUT" "shared views +1 ~1, settings ~1"
run kba --db "$c" contact window
check "... and changes nothing ($OUT)" [ "$OUT" = 3 ]
expect_rc 0 "import there" kba --db "$c" --json import "$T/small-1.json"
check "--json counts the views and settings" python3 -c '
import json, sys
d = json.load(sys.stdin)
assert (d["views_added"], d["views_changed"], d["settings_changed"]) == (1, 1, 1), d' <<<"$OUT"
run kba --db "$c" --json view list
check "'team' is the import's, 'own' stays" python3 -c '
import json, sys
v = {x["name"]: x["query"] for x in json.load(sys.stdin)}
assert v == {"team": "agenda", "own": "blocked", "eco-stuck": "lead:ECO stuck"}, v' <<<"$OUT"
run kba --db "$c" contact window
check "the contact window is the import's ($OUT)" [ "$OUT" = 9 ]

# links in the file are taken as the CLI takes them: a case linked to
# itself, or two links between the same two cases, are refused (65) and
# the board is unchanged
for bad in self twice; do
    python3 - "$T/small-1.json" "$T/links-$bad.json" "$bad" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
n = d["cases"][0]["id"]
m = d["cases"][1]["id"]
if sys.argv[3] == "self":
    d.setdefault("links", []).append({"from": n, "to": n, "kind": "related"})
else:
    d.setdefault("links", []).extend([{"from": n, "to": m, "kind": "related"},
                                      {"from": m, "to": n, "kind": "blocks"}])
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
    e=$T/e-$bad.kb
    kba init "$e" --kdf interactive >/dev/null 2>"$T/init.err" || die "init: $(cat "$T/init.err")"
    expect_rc 65 "import with a link $bad is refused" kba --db "$e" import "$T/links-$bad.json"
    check "  the message names the link ($ERR)" contains "$ERR" "links["
    run kba --db "$e" --json case list
    check "  nothing was imported ($OUT)" [ "$(printf '%s' "$OUT" | tr -d ' \n')" = "[]" ]
    rm -f "$e" "$e.lock" "$T/links-$bad.json"
done
rm -f "$T/small-1.json" "$c"

finish
