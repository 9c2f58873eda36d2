#!/usr/bin/env bash
# test_store_damaged_list.sh - one damaged record does not stop `case list`
# (issue 15, item 9): a byte of one case's stored value is flipped (as in
# test_store_tamper); `case list` (table and --json) still lists the other
# cases, names the damaged one on stderr (one line each, pointing to
# `verify`) and exits 65 at the end; `verify` still fails with 65 and names
# the case of the damaged record; `backup` still copies the board (a page
# copy), keeps the copy and says it is damaged (65).
. "$(dirname "$0")/lib.sh"
kb_setup
command -v mdb_dump >/dev/null || skip "mdb_dump not installed (apt-get install lmdb-utils)"

B=$T/board.kb
init_board "$B"
for i in 1 2 3; do
    kba --db "$B" case add --title "Case number $i about a shop front" \
        --description "Longer description $i so the record is not tiny" >/dev/null || die "case add $i"
done
expect_rc 0 "verify before tampering" kba --db "$B" verify

cp "$B" "$T/copy.kb" # mdb_dump would create a -lock file beside its input
mdb_dump -n -s cases "$T/copy.kb" >"$T/cases.dump" || die "mdb_dump -n -s cases failed"
run python3 - "$T/cases.dump" "$B" <<'EOF'
import sys, binascii
lines = open(sys.argv[1]).read().splitlines()
body = lines[lines.index("HEADER=END") + 1:]
body = body[:body.index("DATA=END")]
pairs = [(binascii.unhexlify(body[i].strip()), binascii.unhexlify(body[i + 1].strip()))
         for i in range(0, len(body), 2)]
key, val = max(pairs, key=lambda kv: len(kv[1]))  # a case record (the largest value)
data = bytearray(open(sys.argv[2], "rb").read())
offs, start = [], 0
while (o := data.find(val, start)) >= 0:
    offs.append(o)
    start = o + 1
if not offs:
    sys.exit("value of key %s not found in the raw file" % key.hex())
for o in offs:
    data[o + len(val) // 2] ^= 0x5A
open(sys.argv[2], "r+b").write(data)
print(key.hex())
print("%d records in cases; flipped byte %d of a %d-byte value at %d place(s)"
      % (len(pairs), len(val) // 2, len(val), len(offs)), file=sys.stderr)
EOF
[ "$RC" = 0 ] || die "could not tamper with the board: $ERR"
KEY=$OUT
kb_log "tampered record key $KEY ($ERR)"


run kba --db "$B" case show 1 --json
bad=
for i in 1 2 3; do
    kba --db "$B" case show "$i" >/dev/null 2>&1 || bad=$i
done
[ -n "$bad" ] || die "no case is damaged"
kb_log "damaged case: #$bad"

expect_rc 65 "case list exits 65 at the end" kba --db "$B" case list
for i in 1 2 3; do
    if [ "$i" = "$bad" ]; then
        check "the damaged case #$i is not in the table" eval '! printf "%s\n" "$OUT" | grep -q "Case number $i about"'
    else
        check "case #$i is listed" contains "$OUT" "Case number $i about"
    fi
done
check "stderr names the damaged case: $ERR" contains "$ERR" "case #$bad is damaged"
check "stderr points to verify" contains "$ERR" "kernboard verify"
check "one line on stderr" [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ]
expect_rc 65 "case list --json exits 65" kba --db "$B" --json case list
n=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "--json lists the two good cases ($n)" [ "$n" = 2 ]
expect_rc 65 "a query lists what matches among the readable cases" kba --db "$B" case list 'about'
expect_rc 65 "verify still fails" kba --db "$B" verify
check "verify names the record's case, not only its key ($ERR)" contains "$ERR" "$KEY (case #$bad)"

# a backup is a page copy: one damaged record does not stop it.  The copy
# is kept (what is left can be read from it), and the command says that
# the board and the copy are damaged (65).
expect_rc 65 "backup of the damaged board says the board is damaged" kba --db "$B" backup "$T/rescue.kb"
check "  one line ($ERR)" [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ]
check "  says the copy was kept" contains "$ERR" "the copy was kept"
check "  and names the damaged record's case" contains "$ERR" "case #$bad"
check "  the copy is there, with its lock file" eval '[ -f "$T/rescue.kb" ] && [ -f "$T/rescue.kb.lock" ]'
expect_rc 65 "  the other cases can be read from the copy" kba --db "$T/rescue.kb" --json case list
n=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "  the two good cases ($n)" [ "$n" = 2 ]
finish
