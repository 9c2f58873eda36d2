#!/usr/bin/env bash
# test_tui_replay.sh - the terminal UI refuses a replayed record too: the
# old raw value of an action item is written back (python3-lmdb, no key)
# while the board is closed; the board view opens (it reads no action
# items), opening the case shows the "replayed" error naming the record
# instead of the stale item, and quitting works.
. "$(dirname "$0")/tui_lib.sh"
tui_setup
PY=
for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null && "$p" -c 'import lmdb' 2>/dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || skip "python3-lmdb is not installed (apt-get install python3-lmdb)"

kba --db "$DB" case add --title "Replay in de TUI" --dept ECO >/dev/null || die "case add"
kba --db "$DB" action add 1 --text "Oude actie" --owner alice >/dev/null || die "action add"
"$PY" - "$DB" "$T/old.hex" <<'PYEOF' || die "snapshot"
import lmdb, sys
env = lmdb.open(sys.argv[1], subdir=False, lock=False, readonly=True, max_dbs=64)
with env.begin() as txn:
    db = env.open_db(b"actions", txn=txn, create=False)
    k, v = next(iter(txn.cursor(db)))
    open(sys.argv[2], "w").write(bytes(k).hex() + " " + bytes(v).hex())
PYEOF
kba --db "$DB" action done A1 >/dev/null || die "action done"
"$PY" - "$DB" "$T/old.hex" <<'PYEOF' || die "replay"
import lmdb, sys
k, v = open(sys.argv[2]).read().split()
env = lmdb.open(sys.argv[1], subdir=False, lock=False, max_dbs=64)
with env.begin(write=True) as txn:
    txn.put(bytes.fromhex(k), bytes.fromhex(v), db=env.open_db(b"actions", txn=txn, create=False))
PYEOF
KEY=$(cut -d' ' -f1 "$T/old.hex")

tui_start 200 30
tui_check "the board opens" "Replay in de TUI" 10
tui_keys Enter
tui_check "the case view refuses the replayed action item" "replayed" 10
s=$(tui_screen)
check "... naming the record" contains "$s$(cat "$TUI_ERR" 2>/dev/null)" "${KEY:0:16}"
if tui_has "Oude actie"; then kb_fail "the stale action item is shown"; else kb_pass "the stale action item is not shown"; fi
tui_stop
finish
