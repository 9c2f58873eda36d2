#!/usr/bin/env bash
# test_package.sh - the Debian package (CPack) installs a working kernboard.
#
# scripts/test builds the package from the release configuration
# (build/release-check, prefix /usr) and passes it in KB_DEB; without
# KB_DEB the test is skipped (a plain ctest run builds no package).
# By hand:  cmake --build build/release-check --target package
#           KB_DEB=build/release-check/kernboard_0.1.0_amd64.deb \
#               KB_BIN=build/test/kernboard bash tests/e2e/test_package.sh
#
# Checks: dpkg-deb accepts it and it declares the runtime libraries as
# dependencies; extracted into a scratch root (dpkg -x), the binary runs
# with the system's libraries (no LD_LIBRARY_PATH), the man page renders,
# the bash completion, the keymaps and the Dutch catalogue are there.
. "$(dirname "$0")/lib.sh"
kb_setup

[ -n "${KB_DEB:-}" ] || skip "KB_DEB is not set (scripts/test builds the package and sets it)"
[ -f "$KB_DEB" ] || die "KB_DEB=$KB_DEB does not exist"
command -v dpkg-deb >/dev/null || skip "dpkg-deb is required"

run dpkg-deb --field "$KB_DEB" Package Depends
check "dpkg-deb reads the package ($ERR)" [ "$RC" = 0 ]
check "package name is kernboard" contains "$OUT" "Package: kernboard"
for lib in liblmdb0 libsodium23 libncursesw6 libjansson4 libcsv3; do
    check "depends on $lib" contains "$OUT" "$lib"
done
# the codec reads and writes CBOR itself; libcbor is the tests' reference
check "does not depend on libcbor" eval '! contains "$OUT" libcbor'

ROOT=$T/root
run dpkg -x "$KB_DEB" "$ROOT"
check "dpkg -x unpacks it ($ERR)" [ "$RC" = 0 ]

BIN=$ROOT/usr/bin/kernboard
check "binary in usr/bin" [ -x "$BIN" ]
run env -u LD_LIBRARY_PATH "$BIN" --version
check "kernboard --version runs with the system libraries ($ERR)" [ "$RC" = 0 ]
check "  and prints its version ($OUT)" contains "$OUT" "kernboard "
run env -u LD_LIBRARY_PATH "$BIN" --help
check "kernboard --help exits 0" [ "$RC" = 0 ]
check "  and lists restore" contains "$OUT" "restore BACKUP BOARD"

MAN=$ROOT/usr/share/man/man1/kernboard.1
check "man page in usr/share/man/man1" [ -s "$MAN" ]
if command -v groff >/dev/null; then
    run groff -man -Tutf8 -ww -z "$MAN"
    check "man page renders without groff warnings ($ERR)" [ "$RC" = 0 ] && [ -z "$ERR" ]
fi

COMP=$ROOT/usr/share/bash-completion/completions/kernboard
check "bash completion installed" [ -s "$COMP" ]
check "  it is valid bash" bash -n "$COMP"
check "  it completes restore" grep -qw restore "$COMP"

for k in default vim emacs; do
    check "keymap $k installed" [ -s "$ROOT/usr/share/kernboard/keymaps/$k" ]
done

# The packaged binary is a release build: the test suite's cheap KDF
# (KERNBOARD_TEST_KDF=min, exported by lib.sh; docs/testing.md) is not in
# it, so a board it makes has the real Argon2id cost in its keyslot
# (opslimit: the u64 at byte 4 of the keyslot value; interactive is 2).
if command -v mdb_dump >/dev/null; then
    run env -u LD_LIBRARY_PATH KERNBOARD_TEST_KDF=min "$BIN" --db "$T/pkg.kb" --user alice \
        --passphrase-file "$PASS" init --kdf interactive
    check "the packaged binary makes a board ($ERR)" [ "$RC" = 0 ]
    ops=$(mdb_dump -n -s keyslots "$T/pkg.kb" 2>/dev/null |
        awk '/^HEADER=END/ { h = 1; next } h && /^ / { if (++n == 2) { print substr($1, 9, 16); exit } }')
    check "  it ignores KERNBOARD_TEST_KDF (keyslot opslimit 0x${ops:-?})" \
        [ -n "$ops" ] && [ "$((16#$ops))" -ge 2 ]
fi

MO=$ROOT/usr/share/locale/nl/LC_MESSAGES/kernboard.mo
check "Dutch catalogue installed" [ -s "$MO" ]
if command -v msgunfmt >/dev/null; then
    run msgunfmt "$MO"
    check "  it is a valid catalogue" [ "$RC" = 0 ]
fi

finish
