#!/usr/bin/env bash
# test_docs.sh - documentation describes what exists: every command that
# `kernboard --help` lists appears in the man page, and the man page renders;
# each command's own help (`COMMAND --help`) shows every option it takes;
# the bash completion script (generated from the same command table and
# each command's own option table) completes every command, subcommand and
# option, offers no option a command does not know, and offers values (not
# option names) after an option that takes one; the commands and options
# the docs name exist, and the guide's import example runs.
. "$(dirname "$0")/lib.sh"
kb_setup
lacks() { ! contains "$1" "$2"; }
run kb --help
helplines=$(printf '%s\n' "$OUT" | sed -n '/^Commands:/,/^$/p' | grep -E '^  [a-z]')
groups=$(printf '%s\n' "$helplines" | awk '{ print $1 }' | sort | uniq -d | tr '\n' ' ')
cmds=$(printf '%s\n' "$helplines" |
    awk -v g=" $groups" 'index(g, " " $1 " ") { print $1" "$2; next } { print $1 }')
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
# every command's help (`COMMAND --help`, `COMMAND -h`, `help COMMAND`):
# its usage line shows every option the command takes (the completion
# offers what the command's own option table holds, kb_cmd_probe) and no
# option it does not know; each offered option is known to the command
run kb --help
general=$OUT
run kb help
check "'help' alone is the general help" [ "$OUT" = "$general" ] && [ "$RC" = 0 ]
globals=' --db --user --passphrase-file --json --help --version '
mkdir -p "$T/scratch" "$T/help"
while read -r cmd; do
    [ -n "$cmd" ] || continue
    # shellcheck disable=SC2086
    run kb $cmd --help
    if [ "$RC" != 0 ] || [ "$OUT" = "$general" ]; then
        kb_fail "'$cmd --help' is not its own help (exit $RC): $(printf '%s' "$OUT" | head -2)"
        continue
    fi
    own=$OUT
    printf '%s\n' "$own" >"$T/help/$cmd"
    usage=$(printf '%s\n' "$own" | sed -n '/^Usage:/,/^$/p')
    case $usage in "Usage: kernboard $cmd"*) ;; *) kb_fail "'$cmd --help' starts '$(printf '%s' "$own" | head -1)'" ;; esac
    contains "$own" "kernboard(1)" || kb_fail "'$cmd --help' does not point to kernboard(1)"
    # shellcheck disable=SC2086
    offered=$(complete_words kernboard $cmd --)
    syn=$(printf '%s\n' "$usage" | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    for o in $syn; do
        printf '%s\n' "$offered" | grep -qx -- "$o" ||
            kb_fail "completion of '$cmd --' lacks $o (in its --help synopsis)"
    done
    for o in $offered; do
        case $globals in *" $o "*) continue ;; esac
        printf '%s\n' "$syn" | grep -qx -- "$o" ||
            kb_fail "'$cmd --help' does not show $o, which the command takes"
        # shellcheck disable=SC2086
        err=$(cd "$T/scratch" && "$KB_BIN" --db "$T/none.kb" --user nobody $cmd 1 "$o" x 2>&1 </dev/null)
        case $err in *"unknown option"*)
            kb_fail "completion offers $o for '$cmd', which does not know it: $err" ;;
        esac
    done
    [ "$(complete_words kernboard $cmd -- | sort | uniq -d)" = "" ] ||
        kb_fail "completion of '$cmd --' offers an option twice"
done <<<"$cmds"
kb_pass "each command's --help shows every option it takes; the completion offers those, and only options it knows"
for cmd in "case add" "stage edit" report init; do
    # shellcheck disable=SC2086
    check "'$cmd -h' and 'help $cmd' are '$cmd --help'" \
        [ "$(kb $cmd -h)" = "$(cat "$T/help/$cmd")" ] && [ "$(kb help $cmd)" = "$(cat "$T/help/$cmd")" ]
done
run kb case add --help
check "case add --help: the options of SPEC §5 (--line, --due, --org, --description)" \
    contains "$OUT" "[--line L]" && contains "$OUT" "[--due DATE]" && contains "$OUT" "[--org NAME]..." &&
    contains "$OUT" "[--description TEXT|-]"
check "case add --help: its summary" contains "$OUT" "add a case"
run kb case edit 12 --title x --help
check "case edit 12 --title x --help: the help of case edit" contains "$OUT" "Usage: kernboard case edit N"
run kb case --help
check "case --help: the commands of the group ($RC)" [ "$RC" = 0 ] && contains "$OUT" "  case move N STAGE" &&
    ! contains "$OUT" "meeting add"
run kb help case frob
check "help case frob: a usage error (64): $ERR" [ "$RC" = 64 ] && contains "$ERR" "unknown command 'case frob'"
run kb help frob
check "help frob: a usage error (64)" [ "$RC" = 64 ]
# completion of option values: what the command accepts, never option names
check "dept add offers no stage option" lacks "$(complete_words kernboard dept add --)" "--wip"
check "dept add offers --colour" contains "$(complete_words kernboard dept add --)" "--colour"
check "line add offers no stage option nor --colour" \
    [ "$(complete_words kernboard line add -- | grep -vxF -e --db -e --user -e --passphrase-file -e --json -e --help -e --version)" = --name ]
check "stage add offers no --colour" lacks "$(complete_words kernboard stage add --)" "--colo"
check "import --format offers json csv (not md)" \
    [ "$(complete_words kernboard import x --format "" | tr '\n' ' ')" = "json csv " ]
check "export --format offers md" contains "$(complete_words kernboard export --format "")" md
check "case add --dept offers no option names" [ -z "$(complete_words kernboard case add --dept "")" ]
check "case edit 1 --title offers nothing" [ -z "$(complete_words kernboard case edit 1 --title "")" ]
check "view save --sort offers the sorts" \
    [ "$(complete_words kernboard view save x y --sort "" | tr '\n' ' ')" = "priority due age number " ]
check "report offers its section names" \
    contains "$(complete_words kernboard report "")" stuck && contains "$(complete_words kernboard report "")" leadtime
check "report --from D offers the section names still" contains "$(complete_words kernboard report --from 2027-01-01 "")" stages
check "case edit 1 --confidentiality offers the levels" \
    [ "$(complete_words kernboard case edit 1 --confidentiality "" | tr '\n' ' ')" = "public internal confidential " ]
check "user add --role offers the roles" contains "$(complete_words kernboard user add x --role "")" broker
check "case link --as offers the kinds" contains "$(complete_words kernboard case link 1 2 --as "")" duplicate
check "help offers the commands" contains "$(complete_words kernboard help "")" meeting
# the docs name only commands and options that exist: each `command ...`
# span of docs/*.md and README.md whose first word is a command (or a
# group and its command) names an existing one (a prefix, as in a
# completion example, is fine), and every --option in it is one that
# command's --help shows
printf '%s\n' "$general" >"$T/help/general"
run python3 - "$T/help" "$KB_SRC" <<'PY'
import glob, os, re, sys
helpdir, src = sys.argv[1], sys.argv[2]
def helpof(name):
    return open(os.path.join(helpdir, name), encoding="utf-8").read()
rows = [l.split() for l in helpof("general").split("\n") if re.match(r"^  [a-z]", l)]
words = {}
for r in rows:
    words.setdefault(r[0], set()).add(r[1] if len(r) > 1 else "")
groups = {w for w in words if len(words[w]) > 1}
globals_ = {"--db", "--user", "--passphrase-file", "--json", "--help", "--version"}
helps, bad = {}, []
files = sorted(glob.glob(src + "/docs/*.md")) + [src + "/README.md"]
for f in files:
    text = open(f, encoding="utf-8").read()
    for m in re.finditer(r"`(?:kernboard )?([a-z]+)(?: ([a-z]+))?([^`]*)`", text):
        w0, w1, rest = m.group(1), m.group(2), m.group(3)
        if w0 not in words or (w0 in groups and not w1):
            continue
        where = "%s:%d: `%s`" % (f[len(src) + 1:], text.count("\n", 0, m.start()) + 1, m.group(0)[1:-1])
        if w0 in groups:
            cmd = [w0, w1]
            if w1 not in words[w0]:
                if not any(s.startswith(w1) for s in words[w0]):
                    bad.append("%s: no command '%s %s'" % (where, w0, w1))
                continue
        else:
            cmd, rest = [w0], (" " + w1 if w1 else "") + rest
        key = " ".join(cmd)
        if key not in helps:
            helps[key] = set(re.findall(r"--[a-z][a-z-]*", helpof(key)))
        for o in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest):
            if o not in globals_ and o not in helps[key]:
                bad.append("%s: '%s' has no option %s" % (where, key, o))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
check "the docs name only commands and options that exist ($OUT$ERR)" [ "$RC" = 0 ]
# the guide's import example runs as written (an empty board first)
steps=$(sed -n '/^## Checking and moving data/,/^## [^C]/p' "$KB_SRC/docs/guide.md" |
    grep -E '^    kernboard (export --format json|init new\.kb|--db new\.kb import)' | sed 's/ *#.*//')
check "the guide's import example has its 4 steps, init included" \
    [ "$(printf '%s\n' "$steps" | grep -c .)" = 4 ]
mkdir -p "$T/guide" && (cd "$T/guide" && kba init src.kb >/dev/null 2>&1 &&
    kba --db src.kb case add --title "Uit de gids" >/dev/null 2>&1) || kb_fail "guide: a board to export"
while read -r line; do
    [ -n "$line" ] || continue
    # shellcheck disable=SC2086
    (cd "$T/guide" && KERNBOARD_DB=src.kb kba ${line#kernboard }) >"$T/guide.out" 2>&1
    rc=$?
    check "guide: '$line' exits 0 ($rc: $(head -c 200 "$T/guide.out"))" [ "$rc" = 0 ]
done <<<"$steps"
run kba --db "$T/guide/new.kb" case list --json
check "guide: the imported board has the case" contains "$OUT" "Uit de gids"
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
