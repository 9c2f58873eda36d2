#!/usr/bin/env bash
# test_store_tamper.sh - a flipped byte inside one stored case value is
# detected: `verify` exits 65 naming table `cases` and the record's key, the
# tampered case cannot be shown (65, no crash), and the other cases still
# show normally. The value is located by dumping the `cases` table with
# `mdb_dump` and searching its bytes in the raw file (every copy is flipped,
# including stale copies in freed pages).
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

expect_rc 65 "verify detects the flipped byte" kba --db "$B" verify
check "verify names table 'cases' ($ERR)" contains "$ERR" "table cases"
check "verify names the record key $KEY" contains "$ERR" "$KEY"
check "verify error is one line" [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ]

ok=0
for i in 1 2 3; do
    run kba --db "$B" case show "$i" --json
    if [ "$RC" = 0 ]; then
        check "case $i still shows its title" [ "$(printf '%s' "$OUT" | json_get title)" = "Case number $i about a shop front" ]
        ok=$((ok + 1))
    else
        check "tampered case $i: exit 65 with a message (got $RC: $ERR)" [ "$RC" = 65 -a -n "$ERR" ]
    fi
done
check "exactly the tampered case fails, the other two show ($ok of 3 ok)" [ "$ok" = 2 ]
finish
