#!/usr/bin/env bash
# test_report.sh - `report` on a generated board with known stage histories
# (report_gen.py: moves at known dates, expected numbers computed
# independently), --csv and --md against --json, sections, queries and
# periods; saved views on the command line (shared and personal).
. "$(dirname "$0")/lib.sh"
kb_setup
export TZ=UTC
HERE=$(cd "$(dirname "$0")" && pwd)
lacks() { ! contains "$@"; }

DB=$T/board.kb
init_board "$DB"
python3 "$HERE/report_gen.py" gen "$T/in.json" "$T/expect.json" || die "generator failed"
expect_rc 0 "import the generated board" kba --db "$DB" import "$T/in.json"

# ---- the numbers, table-driven against the independent computation
expect_rc 0 "report --json" kba --db "$DB" report --json
printf '%s\n' "$OUT" >"$T/r.json"
run python3 "$HERE/report_check.py" json "$T/expect.json" "$T/r.json"
check "report --json has exactly the expected counts, ages, medians and percentiles" [ "$RC" = 0 ]
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | head -20

expect_rc 0 "report --csv" kba --db "$DB" report --csv
printf '%s\n' "$OUT" >"$T/r.csv"
run python3 "$HERE/report_check.py" csv "$T/r.json" "$T/r.csv"
check "report --csv agrees with --json" [ "$RC" = 0 ]
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | head -20

expect_rc 0 "report --md" kba --db "$DB" report --md
printf '%s\n' "$OUT" >"$T/r.md"
run python3 "$HERE/report_check.py" md "$T/r.json" "$T/r.md"
check "report --md agrees with --json" [ "$RC" = 0 ]
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | head -20

# ---- one section; text output with charts (UTF-8 and C)
expect_rc 0 "report stuck --json" kba --db "$DB" report stuck --json
check "one section only" [ "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(",".join(k for k,v in d.items() if isinstance(v,list)))')" = stuck ]
expect_rc 0 "report (text, UTF-8)" kba --db "$DB" report
check "text report has block-character bars" contains "$OUT" "█"
check "text report names the stuck cases" contains "$OUT" "wacht op ontheffing"
LC_ALL=C expect_rc 0 "report (text, LANG=C)" kba --db "$DB" report
check "LANG=C: ASCII bars" contains "$OUT" "####"
check "LANG=C: no block characters" lacks "$OUT" "█"
TERM=vt100 expect_rc 0 "report (text, vt100)" kba --db "$DB" report throughput
check "vt100: ASCII columns" lacks "$OUT" "█"

# ---- readable at 80 columns (audit): the stuck table wraps its titles and
# blocked reasons instead of cutting the titles to five characters; lead
# time's departments and action lines each under a heading
expect_rc 0 "report stuck --json" kba --db "$DB" report stuck --json
sid=$(printf '%s' "$OUT" | json_get stuck.0.id)
expect_rc 0 "a long title and blocked reason on #$sid" kba --db "$DB" case edit "$sid" \
    --title "Tijdelijk gebruik leegstaande textielfabriek De Volharding als broedplaats" \
    --blocked "wacht op ontheffing bestemmingsplan van de provincie"
expect_rc 0 "report stuck --json (for the titles)" kba --db "$DB" report stuck --json
printf '%s\n' "$OUT" >"$T/stuck.json"
COLUMNS=80 expect_rc 0 "report stuck at 80 columns" kba --db "$DB" report stuck
printf '%s\n' "$OUT" >"$T/stuck.txt"
run python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["stuck"]
text = open(sys.argv[2]).read()
assert rows, "no stuck cases on the generated board"
for line in text.splitlines():
    assert len(line) <= 80, "wider than 80: %r" % line
assert "\u2026" not in text, "a value is cut"
words = text.split()
for r in rows:
    for w in (r["title"] + " " + (r["blocked"] or "")).split():
        assert w in words, "%r of #%d is missing" % (w, r["id"])
' "$T/stuck.json" "$T/stuck.txt"
check "stuck at 80 columns: every word of every title and reason, no line wider ($OUT)" [ "$RC" = 0 ]
COLUMNS=80 expect_rc 0 "report leadtime at 80 columns" kba --db "$DB" report leadtime
check "lead time: departments under a heading" contains "$OUT" "by lead department:"
check "lead time: action lines under a heading" contains "$OUT" "by action line:"

# ---- a misspelt section is not taken for a search word (docs #14)
expect_rc 64 "report stuk: no such section" kba --db "$DB" report stuk
check "the message suggests stuck and says how to search: $ERR" \
    eval 'contains "$ERR" "did you mean '"'"'stuck'"'"'" && contains "$ERR" "text:stuk"'
expect_rc 64 "report stuks dept:ECO: no such section either" kba --db "$DB" report stuks dept:ECO
expect_rc 0 "report onzin dept:ECO (a search word far from every section is the query)" \
    kba --db "$DB" report onzin dept:ECO
expect_rc 0 "report text:stuk (the search, written as documented)" kba --db "$DB" report text:stuk
expect_rc 0 "report stuck dept:ECO stuk (a search word after the first)" kba --db "$DB" report stuck dept:ECO stuk
expect_rc 0 "report overdue (a flag)" kba --db "$DB" report overdue
expect_rc 0 "report '\"stuk\"' (a quoted word)" kba --db "$DB" report '"stuk"'

# ---- a query limits the cases
expect_rc 0 "report cross lead:ECO --json" kba --db "$DB" report cross lead:ECO --json
n=$(printf '%s' "$OUT" | json_get cross.0.cases)
expect_rc 0 "case list lead:ECO --json" kba --db "$DB" case list lead:ECO --json
m=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "a query limits the cases ($n = $m)" [ "$n" = "$m" ]

# ---- a period limits lead times, throughput and the open cases
from=$(date -u -d "-60 days" +%F)
to=$(date -u +%F)
expect_rc 0 "report --from --to" kba --db "$DB" report throughput --from "$from" --to "$to" --json
run python3 -c '
import json, sys, datetime as dt
d = json.load(open(sys.argv[1]))
e = json.load(open(sys.argv[2]))
f = dt.date.fromisoformat(sys.argv[3]).strftime("%Y-%m")
months = [r["month"] for r in d["throughput"]]
assert months[0] == f and months[-1] == dt.date.fromisoformat(sys.argv[4]).strftime("%Y-%m"), months
' /dev/stdin "$T/expect.json" "$from" "$to" <<<"$(kba --db "$DB" report throughput --from "$from" --to "$to" --json)"
check "the period sets the months of the throughput" [ "$RC" = 0 ]
expect_rc 65 "--from after --to is bad data" kba --db "$DB" report --from 2026-02-01 --to 2026-01-01
expect_rc 65 "a bad date is bad data" kba --db "$DB" report --from 2026-13-01
expect_rc 64 "an unknown option is a usage error" kba --db "$DB" report --xml

# ---- saved views on the command line
printf 'bob passphrase 2\n' >"$T/bob.pass"
chmod 600 "$T/bob.pass"
expect_rc 0 "add member bob" kba --db "$DB" user add bob --role member --new-passphrase-file "$T/bob.pass" --kdf interactive
# bob works from the same OS account (same $HOME and config) as alice
kbb() { "$KB_BIN" --db "$DB" --user bob --passphrase-file "$T/bob.pass" "$@"; }
# a personal views file of an older version (not tied to a board or user):
# it moves to the first board user who uses views, and is removed
mkdir -p "$XDG_CONFIG_HOME/kernboard"
printf 'legacy\tstage:signal\t\t\n' >"$XDG_CONFIG_HOME/kernboard/views"
chmod 600 "$XDG_CONFIG_HOME/kernboard/views"
expect_rc 0 "admin saves a shared view" kba --db "$DB" view save eco-stuck lead:ECO stuck --shared
expect_rc 0 "admin saves a personal view" kba --db "$DB" view save mine-only blocked
expect_rc 0 "case list @eco-stuck (admin)" kba --db "$DB" case list @eco-stuck --json
a=$OUT
expect_rc 0 "case list lead:ECO stuck" kba --db "$DB" case list lead:ECO stuck --json
check "@view gives the view's cases" [ "$a" = "$OUT" ]
expect_rc 0 "member: case list @eco-stuck" kbb case list @eco-stuck --json
check "the member sees the shared view's cases" [ "$a" = "$OUT" ]
expect_rc 0 "member: view list --json" kbb view list --json
check "member sees the shared view" contains "$OUT" '"eco-stuck"'
check "member does not see the admin's personal view" lacks "$OUT" "mine-only"
expect_rc 66 "member: @mine-only is unknown" kbb case list @mine-only
check "with a message naming the view: $ERR" contains "$ERR" "no view named 'mine-only'"
check "member does not see the old file's view either" lacks "$(kbb view list 2>&1)" "legacy"
expect_rc 0 "admin: view list" kba --db "$DB" view list
check "the admin has the personal view" contains "$OUT" "@mine-only"
check "the old file's view moved to the admin (first to use views)" contains "$OUT" "@legacy"
check "and the old file is gone" [ ! -e "$XDG_CONFIG_HOME/kernboard/views" ]
expect_rc 0 "admin: case list @legacy" kba --db "$DB" case list @legacy
expect_rc 66 "member: view remove mine-only (the admin's personal view) is unknown" kbb view remove mine-only
DB2=$T/board2.kb
init_board "$DB2"
expect_rc 0 "admin on another board: view list" kba --db "$DB2" view list --json
check "personal views belong to one board" lacks "$OUT" "mine-only"
expect_rc 66 "admin on another board: @mine-only is unknown" kba --db "$DB2" case list @mine-only
expect_rc 0 "admin: view list on the first board" kba --db "$DB" view list --json
check "the admin's view is still there" contains "$OUT" '"mine-only"'
expect_rc 77 "member may not save a shared view" kbb view save x blocked --shared
expect_rc 0 "member saves a personal view" kbb view save x blocked
expect_rc 0 "report @eco-stuck" kbb report stuck @eco-stuck --json
check "report @view uses the view's query" [ "$(printf '%s' "$OUT" | json_get query)" = "lead:ECO stuck" ]
expect_rc 0 "view list (admin, text)" kba --db "$DB" view list
check "list shows scope" contains "$OUT" "shared"
expect_rc 65 "bad view name" kba --db "$DB" view save "a b" blocked
expect_rc 66 "removing an unknown view" kbb view remove nope
expect_rc 77 "a member may not remove a shared view" kbb view remove eco-stuck
expect_rc 0 "member removes a personal view" kbb view remove x
expect_rc 0 "admin removes the shared view" kba --db "$DB" view remove eco-stuck
expect_rc 66 "the view is gone for the member" kbb case list @eco-stuck
check "no personal views file is written any more" [ ! -e "$XDG_CONFIG_HOME/kernboard/views" ]
expect_rc 0 "admin removes a personal view" kba --db "$DB" view remove mine-only
expect_rc 66 "... and it is gone" kba --db "$DB" case list @mine-only

# ---- the second audit's findings
# the period line under LANG=C is ASCII like the charts
run env LC_ALL=C "$KB_BIN" --user alice --passphrase-file "$PASS" --db "$DB" report stages --to 2026-10-15
check "LANG=C report with an open period start: exit 0" [ "$RC" = 0 ]
check "  and ASCII only" eval '! printf "%s" "$OUT" | LC_ALL=C grep -q "[^ -~]"'
# goal add --promote with a hook no case names: refused, nothing added
expect_rc 65 "goal add --promote with a hook no case names" \
    kba --db "$DB" goal add ECO nogoal "No goal" --promote "no such hook anywhere"
check "  says so ($ERR)" contains "$ERR" "no case names the hook"
run kba --db "$DB" goal list
check "  and the goal was not added" lacks "$OUT" "nogoal"
# log --since: a negative number is not a sequence number
expect_rc 65 "log --since -1" kba --db "$DB" log --since -1
# watch --json: one JSON document (an array, an element per poll)
expect_rc 0 "watch --json" kba --db "$DB" watch 1 --count 2 --interval-ms 10 --json
check "  is one JSON array with two polls" [ "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["ok"], d[1]["poll"])')" = "2 True 2" ]
# --help names every option of stage add/edit
run kb --help
check "--help: stage add/edit name --wip-dept" [ "$(printf '%s\n' "$OUT" | grep -cE '^  stage (add|edit) .*--wip-dept')" = 2 ]

# a hook picked from a goal (stored as its code) reads as the goal in
# `case show`, and it and the goal's words typed as free text are one hook
# in `report hooks`
# a goal's text is one line of text like a title: no bidirectional
# override (it reversed the rest of the goal's row in every listing)
expect_rc 65 "goal add with a right-to-left override in its text" \
    kba --db "$DB" goal add ECO rlo "$(printf 'Groei \342\200\256kbm')"
check "  names the character and its column ($ERR)" contains "$ERR" "(U+202E) at column 7"
expect_rc 65 "goal add with a line break in its text" kba --db "$DB" goal add ECO nl "$(printf 'a\nb')"
run kba --db "$DB" goal list
check "  neither was added" lacks "$OUT" "rlo"
expect_rc 0 "goal add ECO mkbgroei" kba --db "$DB" goal add ECO mkbgroei "Groei van het mkb"
expect_rc 0 "a case with the goal picked" kba --db "$DB" case add --title "Hook by code" --hook mkbgroei --json
hc=$(printf '%s' "$OUT" | json_get id)
expect_rc 0 "a case with the goal typed out" kba --db "$DB" case add --title "Hook as text" --hook "groei van het MKB"
expect_rc 0 "case show #$hc" kba --db "$DB" case show "$hc"
check "  shows the goal's name with its code" contains "$(printf '%s\n' "$OUT" | grep '^Policy hooks:')" "mkbgroei: Groei van het mkb"
expect_rc 0 "case show #$hc --json" kba --db "$DB" case show "$hc" --json
check "  JSON keeps the stored code" [ "$(printf '%s' "$OUT" | json_get hooks.0)" = mkbgroei ]
expect_rc 0 "report hooks --json" kba --db "$DB" report hooks --json
check "  counts the goal once, with both cases" [ "$(printf '%s' "$OUT" | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["hooks"] if "mkb" in r["hook"].lower()]
print(";".join("%s=%s" % (r["hook"], r["cases"]) for r in rows))')" = "mkbgroei: Groei van het mkb=2" ]

finish
