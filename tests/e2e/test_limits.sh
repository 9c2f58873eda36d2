#!/usr/bin/env bash
# test_limits.sh - what the board accepts, it can read back:
#   - a list field over the decoder's limit (KB_LIST_MAX = 9999 items) is
#     refused by case add, case edit and import with exit 65, one line that
#     names the field and the limit, and nothing written; 9999 items are
#     stored and read back (show, list, export);
#   - a change of hundreds of long tags is stored (the timeline entry shows
#     the values shortened instead of failing as "comment is too long");
#   - per-item limits name one item ("a tag is too long");
#   - bidi override/isolate characters in one-line text are refused like
#     control characters;
#   - --expect-version takes only a plain positive decimal version number.
. "$(dirname "$0")/lib.sh"
kb_setup

B=$T/board.kb
init_board "$B"
k() { kba --db "$B" "$@"; }
ncases() { k --json case list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
not_contains() { ! contains "$@"; }
lines() { printf '%s\n' "$1" | grep -c .; }
list() { python3 -c 'import sys; print(sys.argv[2].join(sys.argv[3] % i for i in range(int(sys.argv[1]))))' "$@"; }

expect_rc 0 "case add" k case add --title "Festivalvergunning" || finish

# ---- list fields: one over the limit is refused everywhere, nothing written
T10000=$(list 10000 , 't%d')
expect_rc 65 "case add with 10000 tags is refused" k case add --title x --tag "$T10000"
check "the message names tags and the limit: $ERR" contains "$ERR" "too many tags (10000, at most 9999)"
check "the message is one line" [ "$(lines "$ERR")" = 1 ]
check "nothing was written" [ "$(ncases)" = 1 ]
expect_rc 65 "case add with 10000 hooks is refused" k case add --title x --hook "$(list 10000 ';' 'h%d')"
check "the message names policy hooks: $ERR" contains "$ERR" "too many policy hooks"
expect_rc 65 "case add with 10000 organisations is refused" k case add --title x --org "$(list 10000 ';' 'o%d')"
check "the message names organisations: $ERR" contains "$ERR" "too many organisations"
check "still nothing written" [ "$(ncases)" = 1 ]
expect_rc 65 "case edit with 10000 tags is refused" k case edit 1 --tag "$T10000"
check "case edit names tags, not a comment: $ERR" contains "$ERR" "too many tags (10000, at most 9999)"
run k --json case show 1
check "case #1 unchanged (version 1)" [ "$(printf '%s' "$OUT" | json_get version)" = 1 ]

# 9999 tags: written and read back by every reader
expect_rc 0 "case add with 9999 tags" k case add --title "veel labels" --tag "$(list 9999 , 't%d')"
run k --json case show 2
check "case show reads 9999 tags" [ "$(printf '%s' "$OUT" | json_get tags | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 9999 ]
expect_rc 0 "case list reads the board" k case list
expect_rc 0 "stats reads the board" k --json stats
expect_rc 0 "export reads the board" k export --format json --out "$T/e.json"

# import of a file whose case has 10000 tags: refused, nothing written
python3 - "$T/e.json" "$T/big.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["cases"][0]
c["tags"] = ["t%d" % i for i in range(10000)]
d["cases"] = [c]
json.dump(d, open(sys.argv[2], "w"))
PY
B2=$T/board2.kb
init_board "$B2"
expect_rc 65 "import of a case with 10000 tags is refused" kba --db "$B2" import "$T/big.json"
check "the import names tags and the limit: $ERR" contains "$ERR" "too many tags (10000, at most 9999)"
check "the import message is one line" [ "$(lines "$ERR")" = 1 ]
run kba --db "$B2" --json case list
check "the import wrote no case" [ "$OUT" = "[]" ]

# a change of many long tags is stored; its timeline entry is shortened
expect_rc 0 "case edit with 3000 long tags" k case edit 1 --tag "$(list 3000 , 'een-lang-label-%05d')"
run k --json case show 1
check "3000 tags stored" [ "$(printf '%s' "$OUT" | json_get tags | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3000 ]
run k case show 1
check "the timeline entry shows the tags shortened" contains "$OUT" "een-lang-label-00001,"
check "the timeline entry ends the cut value with an ellipsis" contains "$OUT" "…"

# ---- wording of per-item limits
expect_rc 65 "a tag over 64 bytes" k case add --title x --tag "$(printf 'a%.0s' $(seq 100))"
check "the message names one tag: $ERR" contains "$ERR" "a tag is too long (100 bytes, at most 64)"
expect_rc 65 "an organisation over 200 bytes" k case add --title x --org "$(printf 'o%.0s' $(seq 300))"
check "the message names one organisation: $ERR" contains "$ERR" "an organisation is too long (300 bytes, at most 200)"

# ---- bidi controls in one-line text
for ch in '\u202a' '\u202e' '\u2066' '\u2069'; do
    expect_rc 65 "title with $ch is refused" k case add --title "$(printf "abc $ch") txt.exe"
    check "named like a control character: $ERR" contains "$ERR" "title contains a control character (U+"
done
expect_rc 65 "a tag with U+202E is refused" k case add --title x --tag "$(printf 'ab\u202ecd')"
check "the message names the tag and the character: $ERR" contains "$ERR" "a tag contains a control character (U+202E) at column 3"
expect_rc 65 "a department name with U+2067 is refused" k dept add XYZ --name "$(printf 'X\u2067Y')"
check "nothing written: no more cases" [ "$(ncases)" = 2 ]
run k dept list
check "nothing written: no department XYZ" not_contains "$OUT" "XYZ"
expect_rc 0 "right-to-left text itself is fine" k case add --title "$(printf 'مرحبا שלום')"

# ---- --expect-version: a plain positive decimal number or 65
V=$(k --json case show 1 | json_get version)
for bad in -1 -2 99999999999999999999999 18446744073709551615 +1 ' 1' 1x 0 abc ''; do
    expect_rc 65 "--expect-version '$bad' is refused" k case edit 1 --priority 2 --expect-version "$bad"
    check "one line naming the option" contains "$ERR" "--expect-version needs a version number"
done
run k --json case show 1
check "no edit was written" [ "$(printf '%s' "$OUT" | json_get version)" = "$V" ]
expect_rc 75 "a stale version is a conflict" k case edit 1 --priority 2 --expect-version 18446744073709551614
expect_rc 0 "the current version is accepted" k case edit 1 --priority 2 --expect-version "$V"

finish
