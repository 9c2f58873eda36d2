#!/usr/bin/env bash
# test_store_fulldisk.sh - a full disk is named (issue 15, item 9): the board
# on a small tmpfs, a filler file takes nearly all the room, then changes
# are added until one fails.  The failure is one line that says the disk is
# full (LMDB reports a short write as "I/O error"; the store checks the free
# space), exit 74; the board still verifies, every acknowledged change is
# there, and after space is freed the same change works.  Skipped (77) when
# this user may not mount a tmpfs.
. "$(dirname "$0")/lib.sh"
kb_setup
M=$T/small
mkdir -p "$M"
mount -t tmpfs -o size=3m,mode=0700 tmpfs "$M" 2>/dev/null || skip "cannot mount a tmpfs here"
at_exit "umount -l $M"
B=$M/f.kb
init_board "$B"
used=$(du -sk "$M" | cut -f1)
head -c $(((2900 - used) * 1024)) /dev/zero >"$M/filler" 2>/dev/null
acked=0
failed=
for i in $(seq 1 40); do
    desc=$(head -c 30000 /dev/urandom | base64 -w0)
    run kba --db "$B" case add --title "big $i" --description "$desc"
    if [ "$RC" = 0 ]; then
        acked=$i
        continue
    fi
    failed=$i
    break
done
check "a change failed once the disk filled up (after $acked acknowledged)" [ -n "$failed" ]
check "exit 74 (got $RC)" [ "$RC" = 74 ]
check "one line" [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]
check "says the disk is full: $ERR" contains "$ERR" "is full"
check "nothing was saved" contains "$ERR" "nothing was saved"
expect_rc 0 "the board verifies on the full disk" kba --db "$B" verify
n=$(kba --db "$B" case list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "every acknowledged change is there ($n = $acked)" [ "$n" = "$acked" ]
rm -f "$M/filler"
expect_rc 0 "with space freed the change works" kba --db "$B" case add --title "after"
expect_rc 0 "verify" kba --db "$B" verify
finish
