#!/usr/bin/env bash
# test_store_migrate.sh - boards made by earlier releases (board format 1:
# tests/fixtures/board-v1.kb and board-v2.kb; format 2: board-f2.kb; format
# 3: board-f3.kb; format 4: board-f4.kb) open, verify and are migrated in
# place to format 5, format 1 after a verified
# backup (BOARD.format1-backup); while another session has the board open
# the migration waits and the board is still read and written in its old
# format.
. "$(dirname "$0")/lib.sh"
kb_setup
PY=
for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null && "$p" -c 'import lmdb' 2>/dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || skip "python3-lmdb is not installed (apt-get install python3-lmdb)"
fmt() { # fmt BOARD - the board header's format version
    "$PY" -c '
import lmdb, sys
env = lmdb.open(sys.argv[1], subdir=False, lock=False, readonly=True, max_dbs=64)
with env.begin() as txn:
    h = txn.get(b"board", db=env.open_db(b"board", txn=txn, create=False))
print(int.from_bytes(bytes(h)[8:12], "big"))' "$1"
}
# hold_maint LOCKFILE FLAG - another session: MAINT shared on the lock
# file, held in the background (its pid in HELD_PID, killed at exit)
hold_maint() {
    "$PY" -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_SH, 1, 2**40 + 2)
open(sys.argv[2], "w").write("held")
time.sleep(120)' "$1" "$2" &
    HELD_PID=$!
    at_exit "kill $HELD_PID 2>/dev/null"
    wait_for 30 test -e "$2" || die "the MAINT holder did not start"
}
# flip_vmap BOARD PREFIX first|all - flip a bit in the middle of the first
# (or every) version-map value whose key starts with PREFIX
flip_vmap() {
    "$PY" -c '
import lmdb, sys
env = lmdb.open(sys.argv[1], subdir=False, lock=False, max_dbs=64)
with env.begin(write=True) as txn:
    db = env.open_db(b"vmap", txn=txn, create=False)
    keys = [k for k, _ in txn.cursor(db=db) if k[:1] == sys.argv[2].encode()]
    for k in keys if sys.argv[3] == "all" else keys[:1]:
        v = bytearray(txn.get(k, db=db))
        v[len(v) // 2] ^= 0x40
        txn.put(k, bytes(v), db=db)' "$1" "$2" "$3"
}
F=$KB_SRC/tests/fixtures
mkdir -p "$T/v2" "$T/v1"
cp "$F/board-v2.kb" "$F/board-v2.kb.lock" "$F/board-v2.pass" "$F/board-v2-bob.pass" "$T/v2/"
cp "$F/board-v1.kb" "$F/board-v1.kb.lock" "$F/board-v1.pass" "$T/v1/"
chmod 600 "$T"/v2/*.pass "$T"/v1/*.pass
A2() { "$KB_BIN" --db "$T/v2/board-v2.kb" --user alice --passphrase-file "$T/v2/board-v2.pass" "$@"; }
B2() { "$KB_BIN" --db "$T/v2/board-v2.kb" --user bob --passphrase-file "$T/v2/board-v2-bob.pass" "$@"; }
check "the fixture is format 1" [ "$(fmt "$T/v2/board-v2.kb")" = 1 ]

# another session (here: a process holding MAINT shared on BOARD.lock, as
# every open session does) keeps the migration waiting; reads and writes work
hold_maint "$T/v2/board-v2.kb.lock" "$T/held"
HOLDER=$HELD_PID
expect_rc 0 "bob comments while another session is open" B2 case comment 2 "Tijdens een sessie"
check "... and the board is still format 1" [ "$(fmt "$T/v2/board-v2.kb")" = 1 ]
check "... without a backup" [ ! -e "$T/v2/board-v2.kb.format1-backup" ]
expect_rc 0 "verify passes on the format-1 board" B2 verify
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null

expect_rc 0 "bob opens it alone: it is migrated" B2 verify
check "the board is format 5" [ "$(fmt "$T/v2/board-v2.kb")" = 5 ]
check "a backup was made first" [ -f "$T/v2/board-v2.kb.format1-backup" -a -f "$T/v2/board-v2.kb.format1-backup.lock" ]
check "the backup is the format-1 board" [ "$(fmt "$T/v2/board-v2.kb.format1-backup")" = 1 ]
expect_rc 0 "alice opens the migrated board" A2 --json case show 1
check "its links survived" contains "$OUT" '"kind": "blocks"'
check "its action item survived" [ "$(printf '%s' "$OUT" | json_get actions.0.text)" = "Offerte opvragen" ]
check "its decision survived" [ "$(printf '%s' "$OUT" | json_get decisions.0.text)" = "Doorgaan met verkenning" ]
expect_rc 0 "the comment written during the session" A2 --json case show 2
check "... is there" contains "$OUT" "Tijdens een sessie"
expect_rc 0 "the log names the migration" A2 log
check "... as board.migrate" contains "$OUT" "board.migrate"
expect_rc 0 "writes after the migration" A2 case comment 1 "Na de migratie"
expect_rc 0 "verify after the migration" A2 verify

A1() { "$KB_BIN" --db "$T/v1/board-v1.kb" --user alice --passphrase-file "$T/v1/board-v1.pass" "$@"; }
expect_rc 0 "board-v1.kb opens and verifies" A1 verify
check "board-v1.kb is format 5 now" [ "$(fmt "$T/v1/board-v1.kb")" = 5 ]
expect_rc 0 "board-v1.kb still reads" A1 --json case show 2
check "... with its reason comment" contains "$OUT" "Afgerond met subsidie"

# format 2 (256 version-map buckets) -> 5: the map moves into as many
# buckets as the board needs, their hashes into groups; no record
# changes, so no backup
mkdir -p "$T/f2"
cp "$F/board-f2.kb" "$F/board-f2.kb.lock" "$F/board-f2.pass" "$T/f2/"
chmod 600 "$T/f2/board-f2.pass"
F2() { "$KB_BIN" --db "$T/f2/board-f2.kb" --user alice --passphrase-file "$T/f2/board-f2.pass" "$@"; }
vmkeys() { # vmkeys BOARD - the lengths of the version map's bucket keys
    "$PY" -c '
import lmdb, sys
env = lmdb.open(sys.argv[1], subdir=False, lock=False, readonly=True, max_dbs=64)
with env.begin() as txn:
    db = env.open_db(b"vmap", txn=txn, create=False)
    print(" ".join(sorted({str(len(k)) for k, _ in txn.cursor(db=db) if k[:1] == b"B"})))' "$1"
}
vmgroups() { # vmgroups BOARD - the number of groups of bucket hashes (format 4)
    "$PY" -c '
import lmdb, sys
env = lmdb.open(sys.argv[1], subdir=False, lock=False, readonly=True, max_dbs=64)
with env.begin() as txn:
    db = env.open_db(b"vmap", txn=txn, create=False)
    print(sum(1 for k, _ in txn.cursor(db=db) if k[:1] == b"G" and len(k) == 3))' "$1"
}
check "board-f2.kb is format 2" [ "$(fmt "$T/f2/board-f2.kb")" = 2 ]
check "... with one-byte bucket numbers" [ "$(vmkeys "$T/f2/board-f2.kb")" = 2 ]
hold_maint "$T/f2/board-f2.kb.lock" "$T/held2"
HOLDER=$HELD_PID
expect_rc 0 "a comment on the format-2 board while another session is open" \
    F2 case comment 1 "Nog in formaat 2"
check "... it stays format 2" [ "$(fmt "$T/f2/board-f2.kb")" = 2 ]
expect_rc 0 "verify passes on the format-2 board" F2 verify
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
expect_rc 0 "opened alone, it is migrated (and verifies)" F2 verify
check "board-f2.kb is format 5" [ "$(fmt "$T/f2/board-f2.kb")" = 5 ]
check "... with two-byte bucket numbers only" [ "$(vmkeys "$T/f2/board-f2.kb")" = 3 ]
check "... and groups of bucket hashes" int_gt "$(vmgroups "$T/f2/board-f2.kb")" 0
check "... without a backup" [ ! -e "$T/f2/board-f2.kb.format1-backup" ]
expect_rc 0 "its cases read" F2 --json case show 1
check "... with both comments" contains "$OUT" "Nog in formaat 2"
check "... and the first" contains "$OUT" "Eerste gesprek gevoerd"
expect_rc 0 "the confidential case reads" F2 --json case show 3
check "... its title" contains "$OUT" "Leegstand Kerkstraat"
expect_rc 0 "writes after the migration" F2 case comment 2 "Na formaat 4"
expect_rc 0 "verify after the writes" F2 verify

# format 3 (one root naming every bucket) -> 5: the buckets stay, their
# hashes move into groups under a small root; with another session open
# it stays format 3, still read and written
mkdir -p "$T/f3"
cp "$F/board-f3.kb" "$F/board-f3.kb.lock" "$F/board-f3.pass" "$T/f3/"
chmod 600 "$T/f3/board-f3.pass"
F3() { "$KB_BIN" --db "$T/f3/board-f3.kb" --user alice --passphrase-file "$T/f3/board-f3.pass" "$@"; }
check "board-f3.kb is format 3" [ "$(fmt "$T/f3/board-f3.kb")" = 3 ]
check "... without groups" [ "$(vmgroups "$T/f3/board-f3.kb")" = 0 ]
hold_maint "$T/f3/board-f3.kb.lock" "$T/held3"
HOLDER3=$HELD_PID
expect_rc 0 "a comment on the format-3 board while another session is open" \
    F3 case comment 2 "Nog in formaat 3"
check "... it stays format 3" [ "$(fmt "$T/f3/board-f3.kb")" = 3 ]
expect_rc 0 "verify passes on the format-3 board" F3 verify
kill "$HOLDER3" 2>/dev/null
wait "$HOLDER3" 2>/dev/null
expect_rc 0 "opened alone, it is migrated (and verifies)" F3 verify
check "board-f3.kb is format 5" [ "$(fmt "$T/f3/board-f3.kb")" = 5 ]
check "... with groups of bucket hashes" int_gt "$(vmgroups "$T/f3/board-f3.kb")" 0
check "... without a backup" [ ! -e "$T/f3/board-f3.kb.format1-backup" ]
expect_rc 0 "its cases read" F3 --json case show 2
check "... with both comments" contains "$OUT" "Nog in formaat 3"
check "... and the first" contains "$OUT" "Offerte gevraagd"
expect_rc 0 "the confidential case reads" F3 --json case show 3
check "... its title" contains "$OUT" "Leegstand Kerkstraat"
expect_rc 0 "its action item reads" F3 action list --all
check "... its text" contains "$OUT" "Offerte opvragen"
expect_rc 0 "writes after the migration" F3 case comment 1 "Na formaat 4"
expect_rc 0 "verify after the writes" F3 verify

# a format-3 board whose version map does not check out stays format 3
# (verify names the damage instead of every command failing to migrate)
mkdir -p "$T/f3d"
cp "$F/board-f3.kb" "$F/board-f3.kb.lock" "$F/board-f3.pass" "$T/f3d/"
chmod 600 "$T/f3d/board-f3.pass"
F3D() { "$KB_BIN" --db "$T/f3d/board-f3.kb" --user alice --passphrase-file "$T/f3d/board-f3.pass" "$@"; }
flip_vmap "$T/f3d/board-f3.kb" B first
expect_rc 65 "verify on a format-3 board with a damaged version-map bucket" F3D verify
check "... names the version map ($ERR)" contains "$ERR" "version map"
check "... not a failed migration" eval '! contains "$ERR" "cannot migrate"'
check "... and the board stays format 3" [ "$(fmt "$T/f3d/board-f3.kb")" = 3 ]

# a format-5 board whose group of bucket hashes is damaged: verify names
# the group, and nothing is migrated or changed
mkdir -p "$T/f4d"
cp "$T/f3/board-f3.kb" "$T/f3/board-f3.kb.lock" "$T/f3/board-f3.pass" "$T/f4d/"
F4D() { "$KB_BIN" --db "$T/f4d/board-f3.kb" --user alice --passphrase-file "$T/f4d/board-f3.pass" "$@"; }
flip_vmap "$T/f4d/board-f3.kb" G all
expect_rc 65 "verify on a board with damaged groups of bucket hashes" F4D verify
check "... names the version map ($ERR)" contains "$ERR$OUT" "version map"
check "... and the group" contains "$ERR$OUT" "group"

# format 4 -> 5: the header only. While another session has it open, it
# stays format 4 and every audit entry is signed (verify of a format-4
# board refuses an entry without a signature, and `case add` writes
# several entries in one change); opened alone it says 5, and a change then
# signs only its last entry of each batch (verify checks both)
mkdir -p "$T/f4"
cp "$F/board-f4.kb" "$F/board-f4.kb.lock" "$F/board-f4.pass" "$T/f4/"
chmod 600 "$T/f4/board-f4.pass"
F4() { "$KB_BIN" --db "$T/f4/board-f4.kb" --user alice --passphrase-file "$T/f4/board-f4.pass" "$@"; }
check "board-f4.kb is format 4" [ "$(fmt "$T/f4/board-f4.kb")" = 4 ]
hold_maint "$T/f4/board-f4.kb.lock" "$T/held4"
HOLDER4=$HELD_PID
expect_rc 0 "a new case on the format-4 board while another session is open" \
    F4 case add --title "Nog in formaat 4" --dept ECO --tag vier --org "Bakkerij Zuid"
expect_rc 0 "... and a comment" F4 case comment 4 "Eerste opmerking"
check "... it stays format 4" [ "$(fmt "$T/f4/board-f4.kb")" = 4 ]
expect_rc 0 "verify passes on the format-4 board: every entry is signed" F4 verify
kill "$HOLDER4" 2>/dev/null
wait "$HOLDER4" 2>/dev/null
expect_rc 0 "opened alone, it is migrated (and verifies)" F4 verify
check "board-f4.kb is format 5" [ "$(fmt "$T/f4/board-f4.kb")" = 5 ]
check "... without a backup" [ ! -e "$T/f4/board-f4.kb.format1-backup" ]
expect_rc 0 "a new case on the format-5 board" \
    F4 case add --title "In formaat 5" --dept ECO --tag vijf --org "Bakkerij Zuid"
expect_rc 0 "verify after the writes" F4 verify
expect_rc 0 "its cases read" F4 --json case show 1
check "... with the first comment" contains "$OUT" "Eerste gesprek gevoerd"
expect_rc 0 "the case of format 4 reads" F4 --json case show 4
check "... with its comment" contains "$OUT" "Eerste opmerking"
expect_rc 0 "the confidential case reads" F4 --json case show 3
check "... its title" contains "$OUT" "Leegstand Kerkstraat"

# a format-2 board whose version map does not check out still opens (as
# format 2): verify names the damage instead of every command failing on
# the migration, and a backup can still be taken
mkdir -p "$T/f2d"
cp "$F/board-f2.kb" "$F/board-f2.kb.lock" "$F/board-f2.pass" "$T/f2d/"
chmod 600 "$T/f2d/board-f2.pass"
F2D() { "$KB_BIN" --db "$T/f2d/board-f2.kb" --user alice --passphrase-file "$T/f2d/board-f2.pass" "$@"; }
flip_vmap "$T/f2d/board-f2.kb" B first
expect_rc 65 "verify on a format-2 board with a damaged version-map bucket" F2D verify
check "... names the version map ($ERR)" contains "$ERR" "version map"
check "... not a failed migration" eval '! contains "$ERR" "cannot migrate"'
check "... and the board stays format 2" [ "$(fmt "$T/f2d/board-f2.kb")" = 2 ]
finish
