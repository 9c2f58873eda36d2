#!/usr/bin/env bash
# test_outputs.sh - user-named output files (export --out F) are written
# safely (issue "Hardening", items 4 and 5; kb_out_open in src/util/paths.c):
# never over a board or lock file (this board's, another board's, or through
# a symlink or hard link to one: exit 73, one line, nothing changed); the
# temporary is a new random name created with O_EXCL|O_NOFOLLOW, so a
# planted F.tmp (a 0666 file or a symlink to a victim) is neither written nor
# followed; the export is mode 0600 whatever the umask; an existing regular
# file or a symlink at F is replaced (the symlink's target is not written);
# a normal export still re-imports.
. "$(dirname "$0")/lib.sh"
kb_setup

W=$T/w
mkdir -p "$W"
B=$W/board.kb
init_board "$B"
k() { kba --db "$B" "$@"; }
k case add --title "Bedrijventerrein Noord" >/dev/null || die "case add"
k case add --title "Inclusieve werkgevers" >/dev/null || die "case add"

sum() { sha256sum "$1" | cut -d' ' -f1; }
mode() { stat -c %a "$1"; }
# no temporaries left beside the destinations (planted ones excepted)
no_leftovers() { [ -z "$(find "$W" -maxdepth 1 -name '*.tmp' ! -name 'out.json.tmp' ! -name 'out2.json.tmp' -print -quit)" ]; }
# is_link_to L TARGET ; is_export F (a regular file, not a link, mode 0600)
is_link_to() { [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ]; }
is_export() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(mode "$1")" = 600 ]; }
is_lock() { [ "$(stat -c %s "$1")" = "$lock_size" ] && [ "$(head -c 6 "$1")" = KBLOCK ]; }
one_line() { [ -n "$ERR" ] && [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]; }

board_sum=$(sum "$B")
lock_size=$(stat -c %s "$B.lock")

# ---- onto this board and its lock file: refused, nothing changed
for fmt in json csv md; do
    expect_rc 73 "export --format $fmt --out BOARD is refused" k export --format "$fmt" --out "$B"
    check "  one line on stderr naming the board file ($ERR)" one_line
    check "  it says why" contains "$ERR" "board file"
    expect_rc 73 "export --format $fmt --out BOARD.lock is refused" k export --format "$fmt" --out "$B.lock"
    check "  one line on stderr naming the lock file ($ERR)" one_line
    check "  it says why" contains "$ERR" "lock file"
done
check "board file unchanged (checksum)" [ "$(sum "$B")" = "$board_sum" ]
check "lock file still a lock file (size, magic)" is_lock "$B.lock"
expect_rc 0 "verify passes after the refusals" k verify
check "no temporary left behind" no_leftovers

# relative names, as typed in the board's directory
expect_rc 73 "relative --out board.kb is refused" sh -c 'cd "$1" && shift && "$@"' _ "$W" \
    "$KB_BIN" --user alice --passphrase-file "$PASS" --db board.kb export --format json --out board.kb
check "board file unchanged (checksum)" [ "$(sum "$B")" = "$board_sum" ]

# ---- a symlink or hard link to the board at the destination
ln -s "$B" "$W/link.json"
expect_rc 73 "--out SYMLINK-to-board is refused" k export --format json --out "$W/link.json"
check "  the symlink is still there" is_link_to "$W/link.json" "$B"
ln -s "$B.lock" "$W/link.lock"
expect_rc 73 "--out SYMLINK-to-lock is refused" k export --format json --out "$W/link.lock"
ln "$B" "$W/hard.json"
expect_rc 73 "--out HARDLINK-to-board is refused" k export --format json --out "$W/hard.json"
check "board file unchanged (checksum)" [ "$(sum "$B")" = "$board_sum" ]
expect_rc 0 "verify passes" k verify

# ---- another board's files (not the one open) are refused too
B2=$W/other.kb
init_board "$B2"
other_sum=$(sum "$B2")
expect_rc 73 "--out ANOTHER-board is refused" k export --format json --out "$B2"
expect_rc 73 "--out ANOTHER-board.lock is refused" k export --format json --out "$B2.lock"
cp "$B2.lock" "$W/renamed-lock"
expect_rc 73 "--out a copied lock file under another name is refused" k export --format csv --out "$W/renamed-lock"
check "other board unchanged (checksum)" [ "$(sum "$B2")" = "$other_sum" ]
expect_rc 0 "other board verifies" kba --db "$B2" verify

# ---- planted temporaries: neither written nor followed
printf 'planted\n' >"$W/out.json.tmp"
chmod 666 "$W/out.json.tmp"
planted_sum=$(sum "$W/out.json.tmp")
printf 'victim content\n' >"$T/victim"
chmod 644 "$T/victim"
victim_sum=$(sum "$T/victim")
ln -s "$T/victim" "$W/out2.json.tmp"
expect_rc 0 "export with a planted OUT.tmp (0666 file)" k export --format json --out "$W/out.json"
check "  the planted file was not written" [ "$(sum "$W/out.json.tmp")" = "$planted_sum" ]
check "  the planted file is still 0666 and not the export" [ "$(mode "$W/out.json.tmp")" = 666 ]
check "  the export is mode 0600 ($(mode "$W/out.json"))" is_export "$W/out.json"
check "  the export has the cases" contains "$(cat "$W/out.json")" "Bedrijventerrein Noord"
expect_rc 0 "export with a planted OUT.tmp symlink to a victim" k export --format md --out "$W/out2.json"
check "  the victim is unchanged" [ "$(sum "$T/victim")" = "$victim_sum" ]
check "  the planted symlink is still a symlink to the victim" is_link_to "$W/out2.json.tmp" "$T/victim"
check "  the export is a regular file, mode 0600" is_export "$W/out2.json"
rm -f "$W/out.json.tmp" "$W/out2.json.tmp"
check "no temporary left behind" no_leftovers

# ---- mode 0600 whatever the umask
for um in 000 022 077; do
    rm -f "$W/u.csv"
    expect_rc 0 "export under umask $um" sh -c 'umask "$1"; shift; exec "$@"' _ "$um" \
        "$KB_BIN" --user alice --passphrase-file "$PASS" --db "$B" export --format csv --out "$W/u.csv"
    check "  mode is 0600 ($(mode "$W/u.csv"))" [ "$(mode "$W/u.csv")" = 600 ]
done

# ---- an existing regular file is replaced (as before), and made 0600
printf 'old content\n' >"$W/exist.json"
chmod 644 "$W/exist.json"
expect_rc 0 "export over an existing regular file" k export --format json --out "$W/exist.json"
check "  the old content is gone" [ "$(head -c 1 "$W/exist.json")" = "{" ]
check "  mode is 0600 ($(mode "$W/exist.json"))" [ "$(mode "$W/exist.json")" = 600 ]

# ---- a symlink to an ordinary file at F: the link is replaced, its target not written
ln -s "$T/victim" "$W/via-link.json"
expect_rc 0 "export over a symlink to an ordinary file" k export --format json --out "$W/via-link.json"
check "  the link was replaced by the export (0600)" is_export "$W/via-link.json"
check "  the link's target is unchanged" [ "$(sum "$T/victim")" = "$victim_sum" ]

# ---- no regular file: refused
mkdir "$W/adir"
expect_rc 73 "--out DIRECTORY is refused" k export --format json --out "$W/adir"
check "  the directory is still there" [ -d "$W/adir" ]
mkfifo "$W/fifo" 2>/dev/null && {
    expect_rc 73 "--out FIFO is refused" k export --format json --out "$W/fifo"
    check "  the FIFO is still there" [ -p "$W/fifo" ]
}
expect_rc 73 "--out into a missing directory" k export --format json --out "$W/nodir/x.json"

# ---- a normal export still re-imports
expect_rc 0 "export json" k export --format json --out "$W/e.json"
check "  mode 0600" [ "$(mode "$W/e.json")" = 600 ]
B3=$T/fresh.kb
init_board "$B3"
expect_rc 0 "import --dry-run of the export into a new board" kba --db "$B3" import "$W/e.json" --dry-run
check "  it would add the 2 cases" contains "$OUT" "add 2 cases"
expect_rc 0 "export to stdout still works" k export --format json
check "  stdout has the cases" contains "$OUT" "Inclusieve werkgevers"
check "no temporary left behind" no_leftovers
check "board file unchanged at the end (checksum)" [ "$(sum "$B")" = "$board_sum" ]
expect_rc 0 "verify passes at the end" k verify

# ---- script-facing output on stdout (audit "scripts" M2, M3, M4, L1)
# output that cannot be written: exit 74 and one line that says why, for
# every command (checked once, at the end of the CLI); a full buffer and
# a small one, text and --json
to_full() { "$@" >/dev/full; }
to_closed() { "$@" >&-; }
into_closed_pipe() { (trap '' PIPE && "$@" | true && echo "${PIPESTATUS[0]}"); }
for c in "case list" "case show 1" "log" "stats" "verify" "completion bash" "help" \
    "--json case list" "--json case show 1" "--version"; do
    # shellcheck disable=SC2086
    run to_full k $c
    check "$c >/dev/full exits 74 (got $RC)" [ "$RC" = 74 ]
    check "  one line: cannot write the output: No space left on device ($ERR)" \
        eval 'one_line && contains "$ERR" "cannot write the output: No space left on device"'
done
run to_closed k case list
check "case list with stdout closed exits 74 ($RC)" [ "$RC" = 74 ]
check "  and says so ($ERR)" contains "$ERR" "cannot write the output"
# a reader that went away: SIGPIPE as usual (no message), or with SIGPIPE
# ignored by the caller, EPIPE: exit 74 quietly
run into_closed_pipe k completion bash
check "completion bash into a closed pipe (SIGPIPE ignored) exits 74 ($OUT)" [ "$OUT" = 74 ]
check "  without a message ($ERR)" [ -z "$ERR" ]
expect_rc 0 "output that can be written still exits 0" k case list

# triage next --json with an empty inbox: null, exit 0 (man page)
E=$T/empty.kb
init_board "$E"
expect_rc 0 "triage next --json on an empty inbox exits 0" kba --db "$E" --json triage next
check "  and prints null ($OUT)" [ "$OUT" = null ]
check "  nothing on stderr ($ERR)" [ -z "$ERR" ]

# commands without a JSON form print nothing on stdout with --json
expect_rc 0 "view save for the --json checks" k view save vv dept:ECO
expect_rc 0 "--json view remove" k --json view remove vv
check "  prints nothing on stdout ($OUT)" [ -z "$OUT" ]
expect_rc 0 "--json lock" k --json lock
check "  prints nothing on stdout ($OUT)" [ -z "$OUT" ]
expect_rc 0 "--json case lock 1 --seconds 1" k --json case lock 1 --seconds 1
check "  prints nothing on stdout ($OUT)" [ -z "$OUT" ]
expect_rc 0 "--json completion bash" kb --json completion bash
check "  prints nothing on stdout" [ -z "$OUT" ]
expect_rc 0 "view save again" k view save vv dept:ECO
run k view remove vv
check "  Removed view @vv ($OUT)" contains "$OUT" "Removed view @vv"

# a saved view stores and prints the query in its canonical form
canon='dept:eco prio=2 due=14d age>28d #12 foo conf:public has:due due<today'
expect_rc 0 "view save of a query as typed" \
    k view save v1 'DEPT:eco  PRIORITY:2   due:2w age>4w id=12 text:foo conf:PUBLIC has:DUE due<0d'
check "  prints the canonical form ($OUT)" contains "$OUT" "@v1: $canon"
run k --json view list
check "  view list --json has the canonical form" eval \
    '[ "$(printf "%s" "$OUT" | json_get 0.query)" = "$canon" ]'
run k view list
check "  view list has the canonical form ($OUT)" contains "$OUT" "$canon"
run k --json view save v2 'TAG:x   -BLOCKED'
check "  view save --json prints it too" eval \
    '[ "$(printf "%s" "$OUT" | json_get query)" = "tag:x -blocked" ]'

finish
