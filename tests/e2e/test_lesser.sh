#!/usr/bin/env bash
# test_lesser.sh - smaller hardening items: a passphrase file that others can
# read or write is refused (exit 77, one line naming the file and the fix);
# `watch` exits with the last failed poll's status; `user add` and `user
# passwd` without a file ask for the new passphrase twice and refuse (exit
# 65) when the two differ.
. "$(dirname "$0")/lib.sh"
kb_setup
B=$T/board.kb
init_board "$B"
kba --db "$B" case add --title "Lesser" >/dev/null || die "case add failed"
PW=$(cat "$PASS")

# one_line TEXT - exactly one line
one_line() { [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; }
# lacks HAYSTACK NEEDLE - NEEDLE does not occur
lacks() { ! contains "$1" "$2"; }

# ---- 1. passphrase file permissions (checked on the open descriptor)
P2=$T/p2.pass
for mode in 644 604 602 601 620 660 666; do
    printf '%s\n' "$PW" >"$P2"
    chmod "$mode" "$P2"
    expect_rc 77 "--passphrase-file mode $mode is refused" kb --db "$B" --user alice --passphrase-file "$P2" case list
    check "mode $mode: one line" one_line "$ERR"
    check "mode $mode: names the file and the fix" contains "$ERR" "chmod 600 $P2"
    check "mode $mode: nothing on stdout" [ -z "$OUT" ]
done
chmod 644 "$P2"
expect_rc 77 "\$KERNBOARD_PASSPHRASE_FILE mode 644 is refused" \
    env KERNBOARD_PASSPHRASE_FILE="$P2" "$KB_BIN" --db "$B" --user alice case list
check "env: names the fix" contains "$ERR" "chmod 600 $P2"
expect_rc 77 "init with a mode 644 passphrase file is refused" \
    kb --user alice --passphrase-file "$P2" init "$T/new.kb" --kdf interactive
check "init refused: no board created" [ ! -e "$T/new.kb" ]

chmod 640 "$P2"
expect_rc 0 "a group-readable passphrase file (640) is accepted" kb --db "$B" --user alice --passphrase-file "$P2" case list
check "640: a one-line warning on stderr" one_line "$ERR"
check "640: the warning names the fix" contains "$ERR" "chmod 600 $P2"
chmod 600 "$P2"
expect_rc 0 "mode 600 is accepted" kb --db "$B" --user alice --passphrase-file "$P2" case list
check "600: nothing on stderr" [ -z "$ERR" ]
chmod 400 "$P2"
expect_rc 0 "mode 400 is accepted" kb --db "$B" --user alice --passphrase-file "$P2" case list
chmod 600 "$P2"

# The target's mode counts, not the link's (0777): fstat, not lstat.
ln -s "$P2" "$T/link.pass"
expect_rc 0 "a symlink to a 600 file is accepted" kb --db "$B" --user alice --passphrase-file "$T/link.pass" case list
chmod 644 "$P2"
expect_rc 77 "a symlink to a 644 file is refused" kb --db "$B" --user alice --passphrase-file "$T/link.pass" case list
chmod 600 "$P2"
# A pipe holds nothing at rest and is not checked.
run sh -c "printf '%s\n' '$PW' | '$KB_BIN' --db '$B' --user alice --passphrase-file /dev/stdin case list"
check "a pipe (/dev/stdin) still works (exit $RC)" [ "$RC" = 0 ]

NP=$T/new.pass
printf 'new user passphrase 1\n' >"$NP"
chmod 644 "$NP"
expect_rc 77 "user add --new-passphrase-file mode 644 is refused" \
    kba --db "$B" user add carol --role member --new-passphrase-file "$NP" --kdf interactive
check "user add refused: names the fix" contains "$ERR" "chmod 600 $NP"
run kba --db "$B" user list --json
check "user add refused: carol was not added" lacks "$OUT" carol
expect_rc 77 "user passwd --new-passphrase-file mode 644 is refused" \
    kba --db "$B" user passwd --new-passphrase-file "$NP" --kdf interactive
expect_rc 0 "alice's passphrase is unchanged" kba --db "$B" case list
chmod 600 "$NP"
expect_rc 0 "user add --new-passphrase-file mode 600" \
    kba --db "$B" user add carol --role member --new-passphrase-file "$NP" --kdf interactive

# ---- 2. watch exits with the last failed poll's status
expect_rc 0 "watch of a readable case exits 0" kba --db "$B" watch 1 --count 2 --interval-ms 10
check "watch printed two ok lines" [ "$(printf '%s\n' "$OUT" | grep -c '^ok ')" = 2 ]
expect_rc 66 "watch of a missing case exits 66" kba --db "$B" watch 99 --count 2 --interval-ms 10
check "watch printed two error lines" [ "$(printf '%s\n' "$OUT" | grep -c '^error: ')" = 2 ]
check "watch: one line on stderr" one_line "$ERR"
check "watch: stderr counts the failed polls" contains "$ERR" "2 of 2"
# Fails first (case 2 does not exist yet), then succeeds: still exits 66.
kba --db "$B" watch 2 --count 40 --interval-ms 100 >"$T/watch.out" 2>"$T/watch.err" &
WPID=$!
at_exit "kill $WPID"
wait_for 20 grep -q '^error: ' "$T/watch.out" || kb_fail "watch printed no error line"
kba --db "$B" case add --title "Second" >/dev/null || kb_fail "case add 2 failed"
wait_for 20 grep -q '^ok ' "$T/watch.out" || kb_fail "watch never saw case 2"
wait "$WPID"
WRC=$?
check "watch that failed and then recovered exits 66 (got $WRC)" [ "$WRC" = 66 ]
check "watch kept running after the error" grep -q '^ok .*Second' "$T/watch.out"

# ---- 3. new passphrases on the terminal are asked twice
if ! command -v tmux >/dev/null; then
    kb_fail "tmux is not installed: the prompt checks did not run"
    finish
fi
N=0
# run_new_pass OUTFILE FIRST SECOND CMD... - run CMD in a terminal, answer the
# "New passphrase" prompt with FIRST and "Repeat it" with SECOND.
run_new_pass() {
    local out=$1 first=$2 second=$3
    shift 3
    N=$((N + 1))
    SOCK=kblesser$$-$N
    at_exit "tmux -L $SOCK kill-server"
    local cmd="env -u KERNBOARD_PASSPHRASE_FILE"
    local a
    for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
    tmux -L "$SOCK" new-session -d -x 120 -y 10 \
        "$cmd > '$out' 2> '$out.err'; echo EXIT=\$? >> '$out'; sleep 30"
    wait_for 20 sh -c "tmux -L $SOCK capture-pane -p | grep -q 'New passphrase for'" ||
        { kb_fail "no new-passphrase prompt: $(tmux -L "$SOCK" capture-pane -p)"; return; }
    tmux -L "$SOCK" send-keys -l "$first"
    tmux -L "$SOCK" send-keys Enter
    wait_for 20 sh -c "tmux -L $SOCK capture-pane -p | grep -q 'Repeat it'" ||
        { kb_fail "no repeat prompt: $(tmux -L "$SOCK" capture-pane -p)"; return; }
    tmux -L "$SOCK" send-keys -l "$second"
    tmux -L "$SOCK" send-keys Enter
    wait_for 30 grep -q '^EXIT=' "$out"
    SCREEN=$(tmux -L "$SOCK" capture-pane -p)
}
not_on_screen() { ! printf '%s' "$SCREEN" | grep -qF -- "$1"; }

run_new_pass "$T/add1" "bob passphrase one" "bob passphrase two" \
    "$KB_BIN" --db "$B" --user alice --passphrase-file "$PASS" user add bob --role member --kdf interactive
check "user add: differing passphrases exit 65" grep -q '^EXIT=65' "$T/add1"
check "user add: one line on stderr" one_line "$(cat "$T/add1.err")"
check "user add: says they differ" grep -q 'differ' "$T/add1.err"
check "user add: nothing echoed" not_on_screen "bob passphrase"
run kba --db "$B" user list --json
check "user add: bob was not added" lacks "$OUT" '"bob"'

run_new_pass "$T/add2" "bob passphrase one" "bob passphrase one" \
    "$KB_BIN" --db "$B" --user alice --passphrase-file "$PASS" user add bob --role member --kdf interactive
check "user add: the same passphrase twice exits 0" grep -q '^EXIT=0' "$T/add2"
check "user add: nothing echoed (2)" not_on_screen "bob passphrase"
printf 'bob passphrase one\n' >"$T/bob.pass"
chmod 600 "$T/bob.pass"
expect_rc 0 "bob opens with the passphrase typed twice" \
    kb --db "$B" --user bob --passphrase-file "$T/bob.pass" case list

run_new_pass "$T/pw1" "bob passphrase three" "bob passphrase four" \
    "$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob.pass" user passwd --kdf interactive
check "user passwd: differing passphrases exit 65" grep -q '^EXIT=65' "$T/pw1"
check "user passwd: one line on stderr" one_line "$(cat "$T/pw1.err")"
check "user passwd: says they differ" grep -q 'differ' "$T/pw1.err"
expect_rc 0 "user passwd refused: the old passphrase still opens" \
    kb --db "$B" --user bob --passphrase-file "$T/bob.pass" case list

run_new_pass "$T/pw2" "bob passphrase three" "bob passphrase three" \
    "$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob.pass" user passwd --kdf interactive
check "user passwd: the same passphrase twice exits 0" grep -q '^EXIT=0' "$T/pw2"
check "user passwd: nothing echoed" not_on_screen "bob passphrase"
printf 'bob passphrase three\n' >"$T/bob3.pass"
chmod 600 "$T/bob3.pass"
expect_rc 0 "bob opens with the new passphrase" \
    kb --db "$B" --user bob --passphrase-file "$T/bob3.pass" case list
expect_rc 77 "the old one no longer opens" \
    kb --db "$B" --user bob --passphrase-file "$T/bob.pass" case list

finish
