#!/usr/bin/env bash
# test_unlock.sh - unlock once per login session (issue 16): inside a
# session keyring of its own (`keyctl session`, as pam_keyinit gives a
# login), a command that unlocked with the passphrase keeps the key, and a
# second command without a passphrase does not ask; `kernboard lock`
# forgets it (the next command asks again); `unlock --for` keeps one; a
# given passphrase is always used (a wrong one still fails); a changed
# passphrase or a removed user's key stops working; KERNBOARD_UNLOCK_IDLE=0
# keeps nothing.  "Does not ask" = succeeds with no terminal and no file.
if [ -z "${KB_UNLOCK_SESSION:-}" ]; then
    command -v keyctl >/dev/null || { echo "SKIPPED: keyctl not installed (apt-get install keyutils)"; exit 77; }
    # a container's seccomp filter may forbid the keyring system calls:
    # then nothing can be kept anywhere (kernboard asks as before)
    keyctl session - true >/dev/null 2>&1 || {
        echo "SKIPPED: no kernel keyring here (keyctl session fails: seccomp or no keys support)"
        exit 77
    }
    export KB_UNLOCK_SESSION=1
    exec keyctl session - bash "$0" "$@" 2>&1
fi
. "$(dirname "$0")/lib.sh"
kb_setup
unset KERNBOARD_UNLOCK_IDLE

B=$T/board.kb
init_board "$B"
kbn() { "$KB_BIN" --db "$B" --user "${KBU:-alice}" "$@" </dev/null; } # no passphrase

keyctl list @s >/dev/null 2>&1 || skip "no session keyring here"
# (init with a passphrase kept the key already: start from nothing)
expect_rc 0 "lock (init keeps nothing)" kb lock
expect_rc 77 "without a kept key and without a terminal it cannot ask" kbn case list
check "it says it needs a passphrase" contains "$ERR" "passphrase"

expect_rc 0 "a command with the passphrase" kba --db "$B" case add --title "Eerste signaal"
expect_rc 0 "a second command does not ask" kbn case list
check "and reads the board" contains "$OUT" "Eerste signaal"
check "the kept key is in the session keyring" eval 'keyctl list @s | grep -q "kernboard:v1:.*:alice"'
expect_rc 77 "a wrong passphrase given is still wrong" \
    "$KB_BIN" --db "$B" --user alice --passphrase-file "$BADPASS" case list

expect_rc 0 "kernboard lock" kb lock
check "lock says it forgot the key" contains "$OUT" "Forgot 1 kept key"
expect_rc 77 "after lock the next command asks again" kbn case list

expect_rc 0 "unlock --for 2h" kba --db "$B" unlock --for 2h
check "unlock says for how long" contains "$OUT" "2 hours"
expect_rc 0 "after unlock no passphrase is needed" kbn case show 1
expect_rc 65 "unlock --for with a bad duration" kba --db "$B" unlock --for soon

# a removed user's kept key stops working
printf 'bob passphrase 22\n' >"$T/bob.pass"
chmod 600 "$T/bob.pass"
expect_rc 0 "add bob" kba --db "$B" user add bob --role member --new-passphrase-file "$T/bob.pass"
expect_rc 0 "bob unlocks once" "$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob.pass" case list
KBU=bob expect_rc 0 "bob needs no passphrase now" kbn case list
expect_rc 0 "alice removes bob" kba --db "$B" user remove bob
KBU=bob expect_rc 77 "bob's kept key no longer opens the board" kbn case list
check "and is gone from the keyring" eval '! keyctl list @s | grep -q "kernboard:v1:.*:bob"'

# a changed passphrase: the old kept key stops working
printf 'a new passphrase for alice 3\n' >"$T/alice2.pass"
chmod 600 "$T/alice2.pass"
expect_rc 0 "alice changes her passphrase" kba --db "$B" user passwd --new-passphrase-file "$T/alice2.pass"
expect_rc 77 "the key kept from the old passphrase no longer opens the board" kbn case list
check "and is gone from the keyring" eval '! keyctl list @s | grep -q "kernboard:v1:.*:alice"'
expect_rc 0 "alice unlocks with the new passphrase" \
    "$KB_BIN" --db "$B" --user alice --passphrase-file "$T/alice2.pass" unlock
expect_rc 0 "alice works without a passphrase" kbn case list

# KERNBOARD_UNLOCK_IDLE=0: nothing is kept
expect_rc 0 "lock" kb lock
KERNBOARD_UNLOCK_IDLE=0 expect_rc 0 "a command with the passphrase, keeping off" \
    "$KB_BIN" --db "$B" --user alice --passphrase-file "$T/alice2.pass" case list
expect_rc 77 "nothing was kept" kbn case list
KERNBOARD_UNLOCK_IDLE=soon expect_rc 64 "a bad KERNBOARD_UNLOCK_IDLE is an error" kbn case list

# without a session keyring of its own (cron: the session keyring is the
# user's default one, which keycache.c never uses) unlock keeps nothing,
# says so without asking, and exits 64
nosession() { keyctl session "_uid_ses.$(id -u)" "$@"; }
if nosession true >/dev/null 2>&1; then
    expect_rc 0 "lock" kb lock
    expect_rc 64 "unlock without a session keyring of its own" \
        nosession "$KB_BIN" --db "$B" --user alice --passphrase-file "$T/alice2.pass" unlock
    check "it says nothing can be kept" contains "$ERR" "nothing can be kept"
    check "and what to do" contains "$ERR" "keyctl session"
    check "and does not claim it unlocked" eval '! contains "$OUT" "Unlocked"'
    expect_rc 77 "the next command still asks" nosession "$KB_BIN" --db "$B" --user alice case list
    expect_rc 77 "also in this session" kbn case list
else
    kb_log "SKIP: cannot join the user session keyring (the no-session case is not checked)"
fi
finish
