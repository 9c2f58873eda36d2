#!/usr/bin/env bash
# test_store_readonly.sh - a board on a read-only file system (issue 15,
# item 9): a read-only bindfs view of a directory (a read-only mount, as a
# snapshot or an ops host would have it).  verify, export, backup (to a
# writable place), case list and case show work there, taking part in the
# locking: a writer on the writable view waits for them and they for it; a
# change through the read-only view is refused with one clear line, exit 77,
# and changes nothing.  First the same without FUSE: no write permission
# on the board file or its lock file (chmod 444).
. "$(dirname "$0")/lib.sh"
kb_setup

# ---- no write permission on the board file or on its lock file (chmod
# 444; no FUSE needed): reading works, a change is refused with one line
# that names the file that cannot be written (77), and nothing changes.
# As root (who may write anyway) the commands run as nobody.
P4=$T/perm
mkdir -p "$P4"
init_board "$P4/board.kb"
kba --db "$P4/board.kb" case add --title "Terras aan de gracht 1" >/dev/null || die "case add"
cp "$PASS" "$P4/pass"
mkdir -p "$P4/home"
RUNAS=()
if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null || die "setpriv is needed to run as another user"
    chown -R 65534 "$P4"
    chmod 711 "$T"
    RUNAS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
kbp() { "${RUNAS[@]}" env HOME="$P4/home" XDG_STATE_HOME="$P4/home" "$KB_BIN" --user alice \
    --passphrase-file "$P4/pass" --db "$P4/board.kb" "$@"; }
for f in board.kb board.kb.lock; do
    chmod 444 "$P4/$f"
    before=$(md5sum <"$P4/board.kb")
    expect_rc 0 "$f not writable: case list works" kbp case list
    check "  the case is listed" contains "$OUT" "Terras aan de gracht 1"
    expect_rc 0 "  verify works" kbp verify
    expect_rc 77 "  a change is refused" kbp case add --title "Mag niet"
    check "  one line naming $f as not writable ($ERR)" \
        eval '[ "$(printf "%s\n" "$ERR" | wc -l)" = 1 ] && contains "$ERR" "$P4/$f cannot be written"'
    check "  and that reading still works" contains "$ERR" "reading commands"
    check "  nothing changed" [ "$(md5sum <"$P4/board.kb")" = "$before" ]
    chmod 660 "$P4/$f"
done
expect_rc 0 "writable again: a change works" kbp case add --title "Nu wel"

[ -e /dev/fuse ] || skip "/dev/fuse is missing (no FUSE in this environment)"
command -v bindfs >/dev/null || skip "bindfs is not installed (apt-get install bindfs)"

mkdir -p "$T/share" "$T/ro" "$T/out"
OPTS=(--enable-lock-forwarding --multithreaded -o attr_timeout=0,entry_timeout=0)
[ "$(id -u)" = 0 ] || OPTS+=(--no-allow-other)
if ! bindfs -r "${OPTS[@]}" "$T/share" "$T/ro" 2>"$T/mount.err"; then
    msg=$(head -c 300 "$T/mount.err")
    grep -qiE 'permi|not permitted|device not found|/dev/fuse|allow_other' "$T/mount.err" &&
        skip "cannot mount bindfs here: $msg"
    die "bindfs -r failed: $msg"
fi
at_exit "unmount '$T/ro'"

B=$T/share/board.kb
R=$T/ro/board.kb
init_board "$B"
for i in 1 2 3; do
    kba --db "$B" case add --title "Terras aan de gracht $i" >/dev/null || die "case add $i"
done
touch "$T/ro/probe" 2>/dev/null && die "the bindfs view is not read-only"

expect_rc 0 "verify on the read-only view" kba --db "$R" verify
check "verify says what it checked" contains "$OUT" "Board verified"
expect_rc 0 "case list on the read-only view" kba --db "$R" case list
check "the cases are listed" contains "$OUT" "Terras aan de gracht 3"
expect_rc 0 "case show on the read-only view" kba --db "$R" case show 2
expect_rc 0 "export to a writable place" kba --db "$R" export --format json --out "$T/out/e.json"
check "the export holds the cases" grep -q "Terras aan de gracht 1" "$T/out/e.json"
expect_rc 0 "backup to a writable place" kba --db "$R" backup "$T/out/copy.kb"
expect_rc 0 "the backup verifies" kba --db "$T/out/copy.kb" verify
check "the backup is mode 0600" [ "$(stat -c %a "$T/out/copy.kb")" = 600 ]

before=$(md5sum <"$B")
expect_rc 77 "a change through the read-only view is refused" kba --db "$R" case add --title "Mag niet"
check "one line saying the board is read-only here" \
    eval '[ "$(printf "%s\n" "$ERR" | wc -l)" = 1 ] && grep -q "read-only here" <<<"$ERR"'
expect_rc 77 "a comment too" kba --db "$R" case comment 1 "Mag ook niet"
check "nothing changed" [ "$(md5sum <"$B")" = "$before" ]

# The read-only session takes part in the locking: while a read-only
# `watch` polls, a writer on the writable view still commits, and the
# reader sees the change.
kba --db "$R" watch 1 --interval-ms 50 --count 400 >"$T/watch.out" 2>"$T/watch.err" &
WP=$!
at_exit "kill $WP"
for _ in $(seq 1 200); do
    [ -s "$T/watch.out" ] && break
    sleep 0.05
done
check "the read-only watch polls" [ -s "$T/watch.out" ]
expect_rc 0 "a writer on the writable view commits meanwhile" \
    kba --db "$B" case edit 1 --title "Terras aan de gracht (herzien)"
seen=0
for _ in $(seq 1 200); do
    grep -q "herzien" "$T/watch.out" && seen=1 && break
    sleep 0.05
done
check "the read-only reader sees the writer's change" [ $seen = 1 ]
kill $WP 2>/dev/null
wait $WP 2>/dev/null
expect_rc 0 "verify on the read-only view after the change" kba --db "$R" verify
finish
