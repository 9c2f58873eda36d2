#!/usr/bin/env bash
# test_store_plaintext.sh - nothing a user types reaches the disk in clear
# (SPEC §6, §7). A board is filled with marker strings (titles, descriptions,
# comments, user names); then the file is still a plain LMDB file that the
# stock tools read (`mdb_stat -a -n` lists the named databases), but neither
# `mdb_dump -a -n` (hex decoded, and -p printable) nor the raw bytes of BOARD
# and BOARD.lock contain any marker, user name or passphrase.
. "$(dirname "$0")/lib.sh"
kb_setup
command -v mdb_stat >/dev/null && command -v mdb_dump >/dev/null ||
    skip "mdb_stat/mdb_dump not installed (apt-get install lmdb-utils)"

B=$T/board.kb
KBU=markerbossq7x0
init_board "$B"
printf 'markerpassq7x9 for the second user\n' >"$T/u1.pass"
chmod 600 "$T/u1.pass"
expect_rc 0 "user add markeruserq7x1" kba --db "$B" user add markeruserq7x1 --role member --new-passphrase-file "$T/u1.pass"
expect_rc 0 "user add markeruserq7x2" kba --db "$B" user add markeruserq7x2 --role member --new-passphrase-file "$T/u1.pass"
for i in 1 2 3 4 5; do
    kba --db "$B" case add --title "MARKER_zq81_title_$i Ondernemersloket" \
        --description "MARKER_zq81_desc_$i subsidie voor verduurzaming" >/dev/null || kb_fail "case add $i"
    kba --db "$B" case comment "$i" "MARKER_zq81_comment_$i gebeld met de eigenaar" || kb_fail "case comment $i"
done
kba --db "$B" case edit 2 --title "MARKER_zq81_edited_2 Bedrijventerrein" >/dev/null || kb_fail "case edit 2"
# The markers really are stored (so their absence below means encryption).
run kba --db "$B" case show 2 --json
check "marker title readable through kernboard" contains "$OUT" "MARKER_zq81_edited_2"
run kba --db "$B" user list --json
check "marker user listed through kernboard" contains "$OUT" "markeruserq7x2"

for f in "$B" "$B.lock"; do
    check "$(basename "$f") has no world access ($(stat -c %a "$f"))" [ $(($(stat -c %#a "$f") & 7)) -eq 0 ]
done

# Stock LMDB tools read the file (on a copy: they would create a -lock file).
cp "$B" "$T/copy.kb"
expect_rc 0 "mdb_stat -a -n reads the board" mdb_stat -a -n "$T/copy.kb"
for db in cases users; do
    check "mdb_stat lists database '$db'" contains "$OUT" "Status of $db"
done
mdb_dump -a -n "$T/copy.kb" >"$T/dump.hex" 2>"$T/dump.err"
check "mdb_dump -a -n exit 0" [ $? = 0 ]
mdb_dump -a -n -p "$T/copy.kb" >"$T/dump.txt" 2>>"$T/dump.err"
check "mdb_dump -a -n -p exit 0" [ $? = 0 ]

# Search raw bytes (case-insensitively) for every marker.
run python3 - "$B" "$B.lock" "$T/dump.hex" "$T/dump.txt" <<'EOF'
import sys, binascii
needles = [b"marker", b"zq81_", b"markerboss", b"markeruser", b"horse battery",
           b"ondernemersloket", b"bedrijventerrein", b"subsidie", b"gebeld met"]
bad = []
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    blobs = [("raw", data)]
    if path.endswith("dump.hex"):
        hexed = b"".join(binascii.unhexlify(l.strip()) for l in data.splitlines()
                         if l.startswith(b" ") and l.strip())
        blobs.append(("hex-decoded", hexed))
    for kind, blob in blobs:
        low = blob.lower()
        for n in needles:
            if n in low:
                bad.append(f"{path.rsplit('/', 1)[-1]} ({kind}): contains {n.decode()!r}")
    print(f"{path.rsplit('/', 1)[-1]}: {len(data)} bytes searched")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF
printf '%s\n' "$OUT"
check "no marker, user name or passphrase in BOARD, BOARD.lock or mdb_dump output" [ "$RC" = 0 ]
finish
