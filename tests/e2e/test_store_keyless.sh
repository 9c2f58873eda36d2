#!/usr/bin/env bash
# test_store_keyless.sh - what a copied board file reveals without any key
# (docs/security.md): tests/tools/keyless_inspect.py reads the demo board
# with python3-lmdb and no key and must find no link pairs, no per-case
# relation counts and no case key inside another table's keys; a board of
# format 1 (tests/fixtures/board-v2.kb) shows all three, and after it is
# migrated at open it shows none.
. "$(dirname "$0")/lib.sh"
kb_setup
PY=
for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null && "$p" -c 'import lmdb' 2>/dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || skip "python3-lmdb is not installed (apt-get install python3-lmdb)"
INSPECT=$KB_SRC/tests/tools/keyless_inspect.py

B=$T/demo.kb
expect_rc 0 "demo board" kba demo "$B"
expect_rc 0 "key-less inspection of the demo board finds no links or relation counts" \
    "$PY" "$INSPECT" --check "$B"
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | head -40
check "the report says board format 5" [ "$(printf '%s' "$OUT" | json_get board_format)" = 5 ]
check "the demo board has relation lists" int_gt "$(printf '%s' "$OUT" | json_get tables.rels.records)" 0

mkdir -p "$T/old"
cp "$KB_SRC"/tests/fixtures/board-v2.kb "$KB_SRC"/tests/fixtures/board-v2.kb.lock "$T/old/"
cp "$KB_SRC"/tests/fixtures/board-v2.pass "$T/old/pass"
chmod 600 "$T/old/pass"
expect_rc 1 "a format-1 board gives its links away" "$PY" "$INSPECT" --check "$T/old/board-v2.kb"
check "... named as link pairs" contains "$OUT" "link pairs"
check "... and case keys in comment keys" contains "$OUT" "contains case key"
expect_rc 0 "opening it migrates it" kb --user alice --passphrase-file "$T/old/pass" --db "$T/old/board-v2.kb" case list
expect_rc 0 "after the migration nothing is given away" "$PY" "$INSPECT" --check "$T/old/board-v2.kb"
finish
