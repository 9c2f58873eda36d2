#!/usr/bin/env bash
# test_docs.sh - documentation describes what exists: every command that
# `kernboard --help` lists appears in the man page, and the man page renders;
# the bash completion script (generated from the same command table and
# each command's own option table) completes every command, subcommand and
# option, and offers no option a command does not know.
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
# bash completion: generated from the command table, so it knows every command
run kb completion bash
check "completion bash exits 0" [ "$RC" = 0 ]
printf '%s\n' "$OUT" >"$T/kb.bash"
check "completion script is valid bash" bash -n "$T/kb.bash"
complete_words() { # words... -> the completions of the last word
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _kernboard; printf "%s\n" "${COMPREPLY[@]}"' _ "$T/kb.bash" "$@"
}
got=$(complete_words kernboard "")
while read -r c; do
    [ -n "$c" ] || continue
    w=${c%% *}
    printf '%s\n' "$got" | grep -qx -- "$w" || kb_fail "completion lacks command '$w'"
done <<<"$cmds"
kb_pass "completion offers every command of --help"
check "completion of 'case mo' is move" [ "$(complete_words kernboard case mo)" = move ]
check "completion of 'case move 1 done --re' is --reason" \
    [ "$(complete_words kernboard case move 1 done --re)" = --reason ]
check "completion of '--format' values" contains "$(complete_words kernboard export --format "")" csv
# every command's options: the completion offers what the command's own
# option table accepts (it is generated from it), and at least every option
# of the --help synopsis; each offered option is known to the command
run kb --help
helplines=$(printf '%s\n' "$OUT" | sed -n '/^Commands:/,/^$/p' | grep -E '^  [a-z]')
groups=$(printf '%s\n' "$helplines" | awk '{ print $1 }' | sort | uniq -d)
globals=' --db --user --passphrase-file --json --help --version '
mkdir -p "$T/scratch"
while read -r line; do
    set -- $line
    if printf '%s\n' "$groups" | grep -qx -- "$1"; then cmd="$1 $2"; else cmd=$1; fi
    # shellcheck disable=SC2086
    offered=$(complete_words kernboard $cmd --)
    syn=$(printf '%s\n' "$line" | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    for o in $syn; do
        printf '%s\n' "$offered" | grep -qx -- "$o" ||
            kb_fail "completion of '$cmd --' lacks $o (in its --help synopsis)"
    done
    for o in $offered; do
        case $globals in *" $o "*) continue ;; esac
        # shellcheck disable=SC2086
        err=$(cd "$T/scratch" && "$KB_BIN" --db "$T/none.kb" --user nobody $cmd 1 "$o" x 2>&1 </dev/null)
        case $err in *"unknown option"*)
            kb_fail "completion offers $o for '$cmd', which does not know it: $err" ;;
        esac
    done
done <<<"$helplines"
kb_pass "completion offers each command's options, and only options it knows"
for o in --title --stage --dept --also --line --due --org --description --review --hook --tag \
    --owner --priority --blocked --agenda --confidentiality --unblock --no-agenda; do
    check "completion of 'case add --' offers $o" contains "$(complete_words kernboard case add --)" "$o"
    check "completion of 'case edit 1 --' offers $o" \
        contains "$(complete_words kernboard case edit 1 --)" "$o"
done
for o in --set-hooks --reason --expect-version; do
    check "completion of 'case edit 1 --' offers $o" \
        contains "$(complete_words kernboard case edit 1 --)" "$o"
done
check "completion of 'stage add --' offers --wip-dept" \
    contains "$(complete_words kernboard stage add --)" --wip-dept
run kb completion zsh
check "completion of another shell is a usage error (64): $ERR" [ "$RC" = 64 ]
finish
