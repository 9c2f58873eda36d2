#!/usr/bin/env bash
# test_restore.sh - `kernboard restore BACKUP BOARD` (SPEC §5) and the ops
# messages around it (docs/security.md, "Rollback"):
#   - a client that verified a newer state (rollback pin) opens and verifies
#     the restored board with exit 0: the restore is a signed audit entry
#     that lists the discarded history;
#   - a plain copy of the same backup over the board is still refused by
#     that client's pin (exit 65, "rolled back");
#   - restore while a session has the board open: exit 69, nothing changed;
#   - restore to a new path; bare `kernboard`: usage, exit 64; a board
#     without its lock file: says what happened and what to do.
. "$(dirname "$0")/lib.sh"
kb_setup

B=$T/board.kb
BK=$T/backup.kb
CLIENT=$T/client-state # a second client: its own rollback pin
client() { XDG_STATE_HOME=$CLIENT kba --db "$B" "$@"; }

init_board "$B"
kba --db "$B" case add --title "before the backup" >/dev/null || die "case add failed"
expect_rc 0 "backup" kba --db "$B" backup "$BK"
kba --db "$B" case add --title "after the backup 1" >/dev/null || die "case add failed"
kba --db "$B" case add --title "after the backup 2" >/dev/null || die "case add failed"
expect_rc 0 "client verifies the newer board (pins it)" client verify
pin=$(ls "$CLIENT"/kernboard/*.head 2>/dev/null | head -1)
check "client has a rollback pin" [ -n "$pin" ]
pinned=$(cat "$pin" 2>/dev/null)

# ---- a plain copy of the old backup over the board: refused as before
mkdir -p "$T/saved"
cp "$B" "$B.lock" "$T/saved/"
cp "$BK" "$B" && cp "$BK.lock" "$B.lock"
expect_rc 65 "plain copy of the backup over the board: client refuses it" client case list
check "  message says rolled back ($ERR)" contains "$ERR" "rolled back"
check "  and how to go back on purpose ($ERR)" contains "$ERR" "kernboard restore BACKUP BOARD"
expect_rc 65 "  and verify refuses it too" client verify
cp "$T/saved/board.kb" "$B" && cp "$T/saved/board.kb.lock" "$B.lock"
expect_rc 0 "the real board is back" client case list

# ---- restore refused while a session has the board open
# (the binary itself in the background, not a function's subshell, so that
# kill ends the session)
"$KB_BIN" --user alice --passphrase-file "$PASS" --db "$B" watch 1 --interval-ms 100 --count 600 \
    >"$T/watch.out" 2>&1 &
WATCH=$!
at_exit "kill $WATCH"
wait_for 30 lines_ge "$T/watch.out" 1 || die "watch did not start: $(cat "$T/watch.out")"
expect_rc 69 "restore while another session has the board open" kba restore "$BK" "$B"
check "  message says who has it open and what to do ($ERR)" contains "$ERR" "close it first"
kill "$WATCH"
wait "$WATCH" 2>/dev/null
run kba --db "$B" case list --json
check "  nothing changed (3 cases)" [ "$(printf '%s' "$OUT" | json_get 2.title 2>/dev/null)" = "after the backup 2" ]

# ---- the restore
expect_rc 0 "restore BACKUP BOARD" kba restore "$BK" "$B"
check "  says what was discarded ($OUT)" contains "$OUT" "discarded"
run kba --db "$B" case list --json
check "  the board has the backup's one case" [ "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ]
expect_rc 0 "client (pinned newer) opens the restored board" client case list
expect_rc 0 "client verifies the restored board" client verify
check "  and its pin moved ($pinned -> $(cat "$pin"))" [ "$(cat "$pin")" != "$pinned" ]
run kba --db "$B" log
check "the audit log shows the restore" contains "$OUT" "board.restore"
kba --db "$B" case add --title "after the restore" >/dev/null || die "case add after restore failed"
expect_rc 0 "client opens after further changes" client verify

# ---- the old backup copied over the restored board: still refused
cp "$B" "$B.lock" "$T/saved/"
cp "$BK" "$B" && cp "$BK.lock" "$B.lock"
expect_rc 65 "plain copy of the backup over the restored board: refused" client case list
cp "$T/saved/board.kb" "$B" && cp "$T/saved/board.kb.lock" "$B.lock"

# ---- restore by a non-admin: refused
printf 'bob passphrase 12345\n' >"$T/bob.pass"
chmod 600 "$T/bob.pass"
kba --db "$B" user add bob --role member --new-passphrase-file "$T/bob.pass" --kdf interactive >/dev/null || die "user add bob failed"
expect_rc 77 "restore by a member is refused" kb --user bob --passphrase-file "$T/bob.pass" restore "$BK" "$B"

# ---- restore to a new path: a plain copy with a fresh lock file, opened
# and verified. The rollback pin belongs to a board file (its path), so a
# client pinned on a newer state of the board accepts the older copy at
# another path, and can open the backup file itself
expect_rc 0 "restore to a new path by a client pinned newer" kba restore "$BK" "$T/new.kb"
check "  it has a lock file" [ -f "$T/new.kb.lock" ]
expect_rc 0 "  and verifies" kba --db "$T/new.kb" verify
expect_rc 0 "the pinned client opens the backup file itself" \
    env XDG_STATE_HOME="$CLIENT" "$KB_BIN" --user alice --passphrase-file "$PASS" --db "$BK" case list
expect_rc 0 "  and verifies it" \
    env XDG_STATE_HOME="$CLIENT" "$KB_BIN" --user alice --passphrase-file "$PASS" --db "$BK" verify
cp "$BK" "$B" && cp "$BK.lock" "$B.lock"
expect_rc 65 "while at the board's own path the old copy is still refused" client case list
cp "$T/saved/board.kb" "$B" && cp "$T/saved/board.kb.lock" "$B.lock"
expect_rc 0 "  (the real board back)" client case list
rm -f "$T/new.kb"
expect_rc 73 "restore to a new path refuses a leftover lock file there" kba restore "$BK" "$T/new.kb"
rm -f "$T/new.kb.lock"

# ---- a backup copied without its lock file (to tape, a USB stick) restores
mkdir -p "$T/tape"
cp "$BK" "$T/tape/backup.kb"
expect_rc 0 "restore of a backup without its lock file to a new path" kba restore "$T/tape/backup.kb" "$T/new.kb"
expect_rc 0 "  and verifies" kba --db "$T/new.kb" verify
expect_rc 0 "restore of a backup without its lock file over the board" kba restore "$T/tape/backup.kb" "$B"
check "  says what was discarded ($OUT)" contains "$OUT" "discarded"
expect_rc 0 "  the pinned client accepts it" client verify
check "the backup got no lock file" [ ! -e "$T/tape/backup.kb.lock" ]

# ---- a backup as new as the board: nothing was discarded (no empty range)
expect_rc 0 "backup of the board as it is" kba --db "$B" backup "$T/same.kb"
expect_rc 0 "restore of a backup as new as the board" kba restore "$T/same.kb" "$B"
check "  says no audit entries were discarded ($OUT)" contains "$OUT" "no audit entries were discarded"
check "  names no range of entries" eval '! printf "%s" "$OUT" | grep -qE "entries [0-9]+ to [0-9]+"'
expect_rc 0 "  the pinned client accepts it" client verify

# ---- backups that cannot be restored: one line naming the user's own
# paths (never a temporary file), 65 for bad data, nothing changed
lacks() { ! contains "$@"; }
saved=$(md5sum <"$B")
OTHER=$T/other.kb
init_board "$OTHER"
expect_rc 0 "a backup of another board" kba --db "$OTHER" backup "$T/other-backup.kb"
expect_rc 65 "restore of another board's backup over the board" kba restore "$T/other-backup.kb" "$B"
check "  says it belongs to another board ($ERR)" contains "$ERR" "is a backup of another board"
check "  names both paths" eval 'contains "$ERR" "$T/other-backup.kb" && contains "$ERR" "$B"'
check "  not damage" lacks "$ERR" "damaged"
check "  nothing changed" [ "$(md5sum <"$B")" = "$saved" ]
printf 'not a board\n' >"$T/text.kb"
head -c 40000 "$BK" >"$T/short.kb"
cp "$BK" "$T/zeroed.kb"
dd if=/dev/zero of="$T/zeroed.kb" bs=4096 seek=4 count=1 conv=notrunc 2>/dev/null
for bad in text short zeroed; do
    for target in "$B" "$T/fresh-$bad.kb"; do
        what="restore of the $bad file over the board"
        [ "$target" = "$B" ] || what="restore of the $bad file to a new path"
        expect_rc 65 "$what" kba restore "$T/$bad.kb" "$target"
        check "  one line ($ERR)" [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]
        check "  names the backup" contains "$ERR" "$T/$bad.kb"
        check "  no temporary file named" eval '! printf "%s" "$ERR" | grep -qE "\.restore[0-9]|\.tmp[0-9]"'
        check "  no advice to restore the board itself" lacks "$ERR" "restore the last good backup"
        check "  nothing changed" eval '[ "$(md5sum <"$B")" = "$saved" ] && [ ! -e "$T/fresh-$bad.kb" ] && [ ! -e "$T/fresh-$bad.kb.lock" ]'
    done
done
check "  leaves no temporary files" eval '! ls "$T" | grep -qE "\.restore[0-9]|\.tmp[0-9]"'
expect_rc 73 "a backup into a missing directory" kba --db "$B" backup "$T/no/such/dir/b.kb"
check "  names the destination, not a temporary file ($ERR)" \
    eval 'contains "$ERR" "$T/no/such/dir/b.kb:" && ! printf "%s" "$ERR" | grep -qE "\.tmp[0-9]"'

# ---- ops messages
expect_rc 64 "bare kernboard without a board: usage" kb
check "  one line on stderr" [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]
check "  says how to give a board ($ERR)" contains "$ERR" "--db"
expect_rc 0 "kernboard --help: exit 0" kb --help
check "  full help on stdout" contains "$OUT" "restore BACKUP BOARD"
mv "$B.lock" "$T/moved.lock"
expect_rc 66 "board without its lock file" kba --db "$B" case list
check "  says it is missing and what to do ($ERR)" contains "$ERR" "is missing"
check "  never 'restore the lock file from a backup'" lacks "$ERR" "from a backup"
mv "$T/moved.lock" "$B.lock"

finish
