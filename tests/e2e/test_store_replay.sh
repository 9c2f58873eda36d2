#!/usr/bin/env bash
# test_store_replay.sh - an older sealed value put back (a replay) is refused
# when it is read, not only by verify: a case and an action item are saved,
# changed, and their old raw values written back with python3-lmdb (no key
# needed).  `case show`, `case list` and `action list` exit 65 naming the
# record; `verify` exits 65 naming both; the untouched case still shows.
. "$(dirname "$0")/lib.sh"
kb_setup
PY=
for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null && "$p" -c 'import lmdb' 2>/dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || skip "python3-lmdb is not installed (apt-get install python3-lmdb)"

B=$T/board.kb
init_board "$B"
kba --db "$B" case add --title "Eerste casus" >/dev/null || die "case add 1"
kba --db "$B" case add --title "Tweede casus" >/dev/null || die "case add 2"
kba --db "$B" action add 1 --text "Bellen" --owner alice >/dev/null || die "action add"
kba --db "$B" case comment 1 "Een opmerking" >/dev/null || die "comment"

snap() { # snap FILE - raw values of cases and actions
    "$PY" - "$B" "$1" <<'PYEOF'
import json, lmdb, sys
env = lmdb.open(sys.argv[1], subdir=False, lock=False, readonly=True, max_dbs=64)
out = {}
with env.begin() as txn:
    for t in ("cases", "actions"):
        db = env.open_db(t.encode(), txn=txn, create=False)
        out[t] = {bytes(k).hex(): bytes(v).hex() for k, v in txn.cursor(db)}
json.dump(out, open(sys.argv[2], "w"))
PYEOF
}
snap "$T/old.json" || die "snapshot"
kba --db "$B" case edit 1 --title "Eerste casus, nieuwe titel" >/dev/null || die "case edit"
kba --db "$B" action done A1 >/dev/null || die "action done"
expect_rc 0 "verify before the replay" kba --db "$B" verify

run "$PY" - "$B" "$T/old.json" <<'PYEOF'
import json, lmdb, sys
old = json.load(open(sys.argv[2]))
env = lmdb.open(sys.argv[1], subdir=False, lock=False, max_dbs=64)
put = []
with env.begin(write=True) as txn:
    for t, kv in old.items():
        db = env.open_db(t.encode(), txn=txn, create=False)
        for k, v in kv.items():
            cur = txn.get(bytes.fromhex(k), db=db)
            if cur is not None and bytes(cur).hex() != v:
                txn.put(bytes.fromhex(k), bytes.fromhex(v), db=db)
                put.append(t + " " + k)
env.close()
print("\n".join(put))
PYEOF
[ "$RC" = 0 ] || die "replay failed: $ERR"
check "two older values were put back ($OUT)" [ "$(printf '%s\n' "$OUT" | grep -c .)" = 2 ]
CASEKEY=$(printf '%s\n' "$OUT" | awk '$1 == "cases" {print $2}')
ACTKEY=$(printf '%s\n' "$OUT" | awk '$1 == "actions" {print $2}')

expect_rc 65 "case show of the replayed case is refused" kba --db "$B" case show 1
check "... naming the record ($ERR)" contains "$ERR" "$CASEKEY"
check "... as a replay" contains "$ERR" "replayed"
expect_rc 65 "case list is refused" kba --db "$B" case list
check "... naming the record" contains "$ERR" "$CASEKEY"
expect_rc 65 "action list is refused" kba --db "$B" action list --all
check "... naming the action item" contains "$ERR" "$ACTKEY"
expect_rc 65 "case show --json of the replayed case is refused too" \
    kba --db "$B" case show 1 --json
expect_rc 0 "the untouched case still shows" kba --db "$B" case show 2
expect_rc 65 "verify fails" kba --db "$B" verify
check "verify names the case ($ERR)" contains "$ERR" "table cases, record $CASEKEY"
check "verify names the action item" contains "$ERR" "table actions, record $ACTKEY"
check "verify calls it a replay" contains "$ERR" "replayed"
expect_rc 65 "a change based on the replayed case is refused too" \
    kba --db "$B" case edit 1 --title "Over de replay heen"
finish
