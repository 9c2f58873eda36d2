#!/usr/bin/env bash
# test_docs.sh - documentation describes what exists: every command that
# `kernboard --help` lists appears in the man page, and the man page renders.
. "$(dirname "$0")/lib.sh"
kb_setup
run kb --help
cmds=$(printf '%s\n' "$OUT" | sed -n '/^Commands:/,/^$/p' | grep -E '^  [a-z]' |
    awk '$1 ~ /^(case|action|dept|stage|line|user|org|contact|meeting)$/ { print $1" "$2; next } { print $1 }')
man=$KB_SRC/docs/kernboard.1
[ -f "$man" ] || die "docs/kernboard.1 is missing"
plain=$(sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$man")
while read -r c; do
    [ -n "$c" ] || continue
    if printf '%s' "$plain" | grep -qF -- "$c"; then kb_pass "man page documents '$c'"
    else kb_fail "man page lacks '$c' (listed by --help)"; fi
done <<<"$cmds"
if command -v groff >/dev/null; then
    run groff -man -Tutf8 -ww "$man"
    check "man page renders without warnings ($ERR)" [ "$RC" = 0 ] && [ -z "$ERR" ]
fi
finish
