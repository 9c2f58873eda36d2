#!/usr/bin/env bash
# test_cli.sh - the command line contract (SPEC §5) run as a user would:
# every command as a subprocess against a scratch board, JSON checked with
# python3; export -> import -> export identical; bad import files exit 65
# and change nothing; exit codes 64/66/75; bad numeric environment
# variables are usage errors.
. "$(dirname "$0")/lib.sh"
kb_setup

B=$T/board.kb
init_board "$B"
k() { kba --db "$B" "$@"; }
lacks() { ! contains "$1" "$2"; }
# jq-like check: python expression over the JSON document `d` must be true
jcheck() { # NAME EXPR (reads $OUT)
    local name=$1 expr=$2
    if printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)" 2>/dev/null; then
        kb_pass "$name"
    else
        kb_fail "$name (json: $(printf '%s' "$OUT" | head -c 300))"
    fi
}

# ---- reference data
run k dept list --json
jcheck "dept list has the default departments" 'set(x["code"] for x in d) >= {"ECO","INC","DUU","INK","VAS","SOC"}'
expect_rc 0 "dept add" k dept add WEB --name "Werk en Inkomen" --colour cyan
expect_rc 0 "dept edit" k dept edit ECO --name "Economie"
run k dept list --json
jcheck "dept changes visible" 'any(x["code"]=="WEB" and x["colour"]=="cyan" for x in d) and any(x["code"]=="ECO" and x["name"]=="Economie" for x in d)'
expect_rc 65 "dept add duplicate" k dept add ECO --name X
expect_rc 65 "dept add bad code" k dept add "E C O" --name X
run k stage list --json
jcheck "stage list in order" '[x["code"] for x in d] == ["signal","explore","connect","progress","done"]'
expect_rc 0 "stage edit wip/norm/reason" k stage edit explore --name Verkennen --wip 2 --norm-days 30 --needs-reason
run k stage list --json
jcheck "stage edit visible" 'any(x["code"]=="explore" and x["wip_limit"]==2 and x["norm_days"]==30 and x["needs_reason"] for x in d)'
expect_rc 0 "stage WIP limit per department" k stage edit explore --wip-dept INC=1 --wip-dept ECO=4
run k stage list --json
jcheck "per-department WIP limits" 'any(x["code"]=="explore" and x["dept_wip"]=={"INC":1,"ECO":4} for x in d)'
expect_rc 0 "remove one department limit" k stage edit explore --wip-dept ECO=0
run k stage list --json
jcheck "ECO limit removed" 'any(x["code"]=="explore" and x["dept_wip"]=={"INC":1} for x in d)'
expect_rc 65 "bad --wip-dept" k stage edit explore --wip-dept ECO
expect_rc 65 "--wip-dept for an unknown department" k stage edit explore --wip-dept NOPE=2
# one department per --wip-dept, as --help and the man page show: a comma
# list is refused, and the message shows the repeated form
expect_rc 65 "--wip-dept ECO=3,INC=2 (a list)" k stage edit explore --wip-dept ECO=3,INC=2
check "  the message shows the repeated form: $ERR" contains "$ERR" "--wip-dept ECO=3 --wip-dept INC=2"
run kb stage edit --help
check "stage edit --help shows the repeated form" contains "$OUT" "[--wip-dept CODE=N]..."
check "  and not the list form" lacks "$OUT" "CODE=N,"
# each kind takes only its own options (the errors below name them)
expect_rc 64 "line add --colour" k line add ln2 --name L2 --colour red
expect_rc 0 "line add" k line add subsidie --name "Subsidies"
run k line list --json
jcheck "line list" 'any(x["code"]=="subsidie" for x in d)'
# an option of another kind names the option, not its value; stages and
# action lines have no colour
expect_rc 64 "dept add --wip" k dept add TS2 --name T2 --wip 3
check "  names --wip ($ERR)" contains "$ERR" "option '--wip' is only for stages"
expect_rc 64 "line add --position" k line add ln2 --name L2 --position 1
check "  names --position ($ERR)" contains "$ERR" "option '--position' is only for stages"
run k stage list --json
before=$OUT
expect_rc 64 "stage edit --colour" k stage edit explore --colour red
check "  stages have no colour ($ERR)" contains "$ERR" "stages have no colour"
run k stage list --json
check "  the stage is unchanged" [ "$OUT" = "$before" ]
expect_rc 64 "line edit --colour" k line edit subsidie --colour red
run k dept list --json
jcheck "  nothing was added" 'not any(x["code"]=="TS2" for x in d)'
run kb completion bash
check "completion offers no --colour for stages" eval '! printf "%s" "$OUT" | grep -E -- "--position.*--colour|--colour.*--position" >/dev/null'

# ---- cases
run k case add --title "Inclusieve werkgevers" --dept ECO --also INC,SOC --line procure \
    --due 2027-01-15 --org "Bakkerij De Korenschoof" --description "Regel 1" --priority 2 --json
check "case add exit 0" [ "$RC" = 0 ]
jcheck "case JSON has every SPEC field" 'all(k in d for k in ["id","title","description","stage","lead_dept","depts","action_line","hooks","orgs","owner","priority","due","review","on_agenda","blocked","tags","created","updated","version"])'
jcheck "case add values" 'd["id"]==1 and d["stage"]=="signal" and d["lead_dept"]=="ECO" and d["depts"]==["INC","SOC"] and d["action_line"]=="procure" and d["due"]=="2027-01-15" and d["orgs"]==["Bakkerij De Korenschoof"] and d["priority"]==2 and d["version"]==1'
printf 'Beschrijving van stdin\nmet twee regels\n' | k case add --title "Tweede" --description - >/dev/null
run k case show 2 --json
jcheck "description from stdin" 'd["description"]=="Beschrijving van stdin\nmet twee regels"'
expect_rc 65 "unknown department" k case add --title X --dept NOPE
expect_rc 65 "unknown stage" k case add --title X --stage nowhere
expect_rc 65 "bad date" k case add --title X --due 2027-13-01
expect_rc 64 "case add without title" k case add --dept ECO
expect_rc 0 "case edit" k case edit 1 --title "Inclusieve werkgevers en krapte" --tag sroi,arbeidsmarkt --agenda --blocked "wacht op ontheffing"
# "explore" needs a reason (stage edit above): refused without one, one line
# that says how to give it, nothing written
expect_rc 65 "case move into a needs-reason stage without a reason" k case move '#1' Verkennen
check "the message says how to give the reason: $ERR" contains "$ERR" "--reason"
check "the message is one line" [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]
expect_rc 65 "case edit --stage without a reason" k case edit 1 --stage explore
run k case show 1 --json
jcheck "refused moves changed nothing" 'd["stage"]=="signal" and d["version"]==2'
expect_rc 0 "case move by name with a reason" k case move '#1' Verkennen --reason "ondernemer gesproken"
run k case show 1 --json
jcheck "edit and move applied" 'd["stage"]=="explore" and d["tags"]==["sroi","arbeidsmarkt"] and d["on_agenda"] and d["blocked"]=="wacht op ontheffing" and d["version"]==3'
jcheck "timeline records the changes" 'any("stage: signal -> explore" in e["text"] for e in d["timeline"])'
jcheck "the move is structured, with its reason, in one entry" '[(e["move_from"], e["move_to"], e["reason"]) for e in d["timeline"] if "move_to" in e]==[("signal","explore","ondernemer gesproken")]'
v=$(printf '%s' "$OUT" | json_get version)
expect_rc 75 "stale --expect-version" k case edit 1 --title "oud" --expect-version $((v - 1))
run k case show 1 --json
jcheck "stale edit changed nothing" 'd["title"]=="Inclusieve werkgevers en krapte" and d["version"]=='"$v"
# names resolve everywhere: department name (any case, accents) = code
expect_rc 0 "case edit --dept by name" k case edit 2 --dept ÉCONOMIE
run k case list --json 'dept:économie'
a=$OUT
run k case list --json 'dept:ECO'
check "case list dept:économie equals dept:ECO" [ "$a" = "$OUT" ]
jcheck "dept:ECO finds case 2" '2 in [c["id"] for c in d]'
# list options: repeated = appended, one value split at ";" (same in the form and on the : line)
expect_rc 0 "case edit --org A --org B" k case edit 2 --org "Bakkerij Jansen" --org "Stichting Werk; Gemeente X"
run k case show 2 --json
jcheck "--org A --org B keeps both, ';' splits" 'd["orgs"]==["Bakkerij Jansen","Stichting Werk","Gemeente X"]'
expect_rc 0 "case edit --dept back" k case edit 2 --dept "" --org ""
expect_rc 0 "case comment" k case comment 1 "Gesprek gepland met de ondernemer"
expect_rc 0 "case link" k case link 1 2 --as related
expect_rc 65 "a case linked to itself, even one that does not exist" k case link 999 999 --as related
expect_rc 65 "duplicate link" k case link 1 2 --as related
expect_rc 65 "bad link kind" k case link 1 2 --as cousin
run k case show 1 --json
jcheck "comment and link in show" 'any(e["kind"]=="comment" for e in d["timeline"]) and d["links"]==[{"from":1,"to":2,"kind":"related"}]'
run k case list 'dept:INC -blocked'
check "query excludes the blocked case" [ "$RC" = 0 ]
run k case list --json 'dept:INC'
jcheck "query dept:INC" '[c["id"] for c in d]==[1]'
run k case list --json 'stage:verkennen agenda'
jcheck "query by stage name + flag" '[c["id"] for c in d]==[1]'
expect_rc 65 "bad query names the column" k case list 'dept:ECO foo:bar'
contains "$ERR" "column" && kb_pass "query error mentions the column" || kb_fail "query error: $ERR"
expect_rc 66 "show missing case" k case show 99

# ---- action items
printf 'member passphrase 1\n' >"$T/bob.pass"
chmod 600 "$T/bob.pass"
expect_rc 0 "user add" k user add bob --role member --dept INC --new-passphrase-file "$T/bob.pass" --kdf interactive
run k user list --json
jcheck "user list" 'sorted((u["name"],u["role"]) for u in d)==[("alice","admin"),("bob","member")]'
printf 'bobs new passphrase\n' >"$T/bob2.pass"
chmod 600 "$T/bob2.pass"
expect_rc 0 "bob changes his own passphrase" "$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob.pass" user passwd --new-passphrase-file "$T/bob2.pass" --kdf interactive
expect_rc 77 "the old passphrase no longer opens" "$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob.pass" case list
expect_rc 77 "a member cannot reset another user's passphrase" "$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob2.pass" user passwd alice --new-passphrase-file "$T/bob2.pass"
expect_rc 0 "the admin resets bob's passphrase" k user passwd bob --new-passphrase-file "$T/bob.pass" --kdf interactive
expect_rc 0 "bob opens with the reset passphrase" "$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob.pass" case list
expect_rc 65 "action for unknown user" k action add 1 --text "X" --owner nobody
run k action add 1 --text "Bel de ondernemer" --owner bob --due 2020-01-01 --json
jcheck "action add" 'd["id"]==1 and d["case"]==1 and d["owner"]=="bob" and not d["done"]'
run k action list --overdue --json
jcheck "overdue action listed" '[a["id"] for a in d]==[1]'
expect_rc 0 "action done" k action done A1
check "  says so ($OUT)" contains "$OUT" "Action item A1 done"
run k log --json
seq_before=$(printf '%s' "$OUT" | json_get -1.seq)
expect_rc 0 "action done of an item done already" k action done A1
check "  says it was done already ($OUT)" contains "$OUT" "A1 is already done"
run k log --json
check "  and wrote nothing" [ "$(printf '%s' "$OUT" | json_get -1.seq)" = "$seq_before" ]
run k action done A1 --json
jcheck "action done --json gives the item" 'd["id"]==1 and d["done"]'
run k action list --json
jcheck "done item hidden from open list" 'd==[]'
run k action list --all --json
jcheck "done item in --all" 'd[0]["done"]'

# ---- meetings and decisions
printf '# Kernteamoverleg\n\n- #1 besproken\n' >"$T/minutes.md"
run k --json meeting add --date 2026-11-17 --attendees alice,bob --agenda 1,2 --minutes "$T/minutes.md"
jcheck "meeting add" 'd["id"]==1 and d["agenda"]==[1,2] and d["attendees"]==["alice","bob"] and d["minutes"].startswith("# Kernteam")'
expect_rc 65 "meeting with an unknown attendee" k meeting add --date 2026-11-17 --attendees nobody
expect_rc 66 "meeting with an unknown case on the agenda" k meeting add --date 2026-11-17 --agenda 99
run k --json case decide 1 "Pilot starten met drie werkgevers" --meeting M1
jcheck "case decide" 'd["id"]==1 and d["case"]==1 and d["meeting"]==1 and d["author"]=="alice"'
# item numbers are digits only: strtoul read "-18446744073709551615" as 1
# and " 1" or "+1" as 1
for bad in -18446744073709551615 M-18446744073709551615 " 1" +1 M+1; do
    expect_rc 64 "meeting show '$bad' is refused" k meeting show "$bad"
    check "... in one line" [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]
done
for bad in -18446744073709551615 A-18446744073709551615 " 1" +1; do
    expect_rc 64 "action done '$bad' is refused" k action done "$bad"
done
expect_rc 64 "agenda --plan with a negative number is refused" \
    k meeting agenda M1 --plan 1=-18446744073709551615
expect_rc 64 "agenda --at with a negative number is refused" \
    k meeting agenda M1 --add 2 --at -18446744073709551615
run k meeting show M1 --json
jcheck "meeting show lists the decision" '[x["id"] for x in d["decisions"]]==[1]'
run k case show 1 --json
jcheck "case show lists the decision and the timeline has it" '[x["id"] for x in d["decisions"]]==[1] and any("D1" in e["text"] for e in d["timeline"])'
run k meeting list --json
jcheck "meeting list" '[m["id"] for m in d]==[1]'

# ---- other read commands
run k stats --json
jcheck "stats" 'd["cases"]==2 and d["users"]==2 and d["cases_per_stage"]["explore"]==1'
run k who --json
jcheck "who lists this session" 'any(s["self"] for s in d)'
run k log --json
jcheck "log has entries with users" 'len(d)>10 and all(e["user"] for e in d)'
run k locks --json
jcheck "no locks" 'd==[]'
run k verify --json
jcheck "verify ok" 'd["ok"]'

# ---- organisations and contact moments
# (the organisations cases named have records already: made with the case)
expect_rc 0 "org add" k org add "Korenschoof Holding" --contact "Henk de Bakker"
expect_rc 65 "org names are unique regardless of case" k org add "bakkerij de korenschoof"
expect_rc 0 "org edit" k org edit "Bakkerij De Korenschoof" --kind foundation --notes "familiebedrijf" --contact "Henk de Bakker"
run k org list --json
jcheck "org list" '{"name":"Bakkerij De Korenschoof","kind":"foundation","contact":"Henk de Bakker","notes":"familiebedrijf"} in d and [o["name"] for o in d]==["Bakkerij De Korenschoof","Bakkerij Jansen","Gemeente X","Korenschoof Holding","Stichting Werk"]'
expect_rc 0 "contact add" k contact add "Bakkerij De Korenschoof" --date 2027-03-01 --dept ECO --purpose "uitbreiding"
run k --json contact add "bakkerij de korenschoof" --date 2027-03-08 --dept INC --purpose "werkplekken"
check "second department's contact is recorded (exit $RC)" [ "$RC" = 0 ]
check "and warns about the nearby contact: $ERR" contains "$ERR" "ECO (alice) also has contact"
jcheck "clash in json" 'len(d["clashes"])==1 and d["clashes"][0]["dept"]=="ECO"'
expect_rc 0 "contact with a new organisation makes its record" k contact add "Onbekend BV" --date 2027-03-02 --dept ECO
run k contact list --json
jcheck "contact list by date" '[c["dept"] for c in d]==["ECO","ECO","INC"]'

# ---- export / import round trip
expect_rc 0 "export json" k export --format json --out "$T/e1.json"
B2=$T/copy.kb
KBU=alice init_board "$B2"
expect_rc 0 "import dry run" kba --db "$B2" import "$T/e1.json" --dry-run
run kba --db "$B2" case list --json
jcheck "dry run changed nothing" 'd==[]'
expect_rc 0 "import into a new board" kba --db "$B2" import "$T/e1.json"
expect_rc 0 "export again" kba --db "$B2" export --format json --out "$T/e2.json"
if cmp -s "$T/e1.json" "$T/e2.json"; then kb_pass "export -> import -> export is identical"
else kb_fail "round trip differs: $(diff "$T/e1.json" "$T/e2.json" | head -20)"; fi
expect_rc 65 "importing the same cases again is refused" kba --db "$B2" import "$T/e1.json"
expect_rc 0 "verify the copy" kba --db "$B2" verify
expect_rc 0 "export csv" k export --format csv --out "$T/e.csv"
# --json asks for JSON: a CSV or Markdown export with it is a usage error
# (it printed the CSV), and nothing is written
for f in csv md; do
    expect_rc 64 "export --format $f --json is refused" k --json export --format $f --out "$T/j.$f"
    check "  and writes no file" [ ! -e "$T/j.$f" ]
    check "  and says why ($ERR)" contains "$ERR" "--format json"
done
run k export --format md
check "md export has overview and details" contains "$OUT" "## Overview"
B3=$T/csv.kb
init_board "$B3"
expect_rc 0 "import csv" kba --db "$B3" import "$T/e.csv"
run kba --db "$B3" case show 1 --json
jcheck "csv import keeps fields" 'd["title"]=="Inclusieve werkgevers en krapte" and d["depts"]==["INC","SOC"] and d["tags"]==["sroi","arbeidsmarkt"]'
# a department the new board lacks: where (the CSV line, counting the
# line breaks in quoted cells) and what to do
printf 'title,lead_dept,description\n"Eerste",ECO,"regel 1\nregel 2"\n"Tweede",OND,\n' >"$T/newdept.csv"
run kba --db "$B3" case list --json
before3=$OUT
expect_rc 65 "csv import naming a department the board lacks" kba --db "$B3" import "$T/newdept.csv"
check "  names the line of the case ($ERR)" contains "$ERR" "newdept.csv: line 4: case 2: unknown department 'OND'"
check "  says what to do" contains "$ERR" "kernboard dept add OND --name"
run kba --db "$B3" case list --json
check "  and changed nothing" [ "$OUT" = "$before3" ]
# a spreadsheet's CSV: Excel's "CSV UTF-8" starts with a byte order mark,
# and with Dutch settings it separates by ';' (found from the header line)
printf '\xef\xbb\xbftitle,stage\nMet BOM,explore\n' >"$T/bom.csv"
printf '\xef\xbb\xbftitle;lead_dept;depts;tags\r\n"Kade; fase 2";ECO;"INC;SOC";haven\r\nLos;;;\r\n' >"$T/semi.csv"
expect_rc 0 "csv import with a byte order mark" kba --db "$B3" import "$T/bom.csv"
expect_rc 0 "csv import separated by ';'" kba --db "$B3" import "$T/semi.csv"
run kba --db "$B3" case list --json
jcheck "  both read as the spreadsheet shows them" '[(c["title"],c["stage"],c["lead_dept"],c["depts"],c["tags"]) for c in d[-3:]]==[("Met BOM","explore",None,[],[]),("Kade; fase 2","signal","ECO",["INC","SOC"],["haven"]),("Los","signal",None,[],[])]'
# links in an import follow the rule of 'case link' with the same words,
# also through links on the board: 1 blocks 2 blocks 3 on the board, then
# 3 blocks 1 from a file is a circle, as from the command line
expect_rc 0 "link 1 blocks 2" kba --db "$B3" case link 1 2 --as blocks
expect_rc 0 "link 2 blocks 3" kba --db "$B3" case link 2 3 --as blocks
expect_rc 65 "case link 3 1 --as blocks closes a circle" kba --db "$B3" case link 3 1 --as blocks
cli_err=${ERR#kernboard: }
python3 - "$T/e1.json" "$T/links-board.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for k in ("actions", "decisions", "meetings", "contacts"):
    d[k] = []
d["cases"] = [dict(d["cases"][0], id=901)]
d["links"] = [{"from": 901, "to": 1, "kind": "related"}, {"from": 3, "to": 1, "kind": "blocks"}]
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
run kba --db "$B3" case list --json
before3=$OUT
for dry in --dry-run ""; do
    expect_rc 65 "import ${dry:-for real} of a link 3 blocks 1 is refused" kba --db "$B3" import "$T/links-board.json" $dry
    check "  with the words of case link, naming the link ($ERR)" contains "$ERR" "links[1]: ${cli_err%%;*}"
done
run kba --db "$B3" case list --json
check "  and nothing was imported" [ "$OUT" = "$before3" ]
# CSV export -> import keeps every list value: a tag with a ';' (the cell's
# separator), an organisation with a '\', a space kept at an end
expect_rc 0 "case add with a ';' in a tag" kba --db "$B3" case add --title "Puntkomma" \
    --tag 'a;b,c' --org 'X\Y' --hook "haak; twee"
B4=$T/csv2.kb
init_board "$B4"
expect_rc 0 "export csv of the imported board" kba --db "$B3" export --format csv --out "$T/e3.csv"
expect_rc 0 "import it into a new board" kba --db "$B4" import "$T/e3.csv"
kba --db "$B3" case list --json >"$T/b3.json"
lists='[(c["title"],c["depts"],c["tags"],c["hooks"],c["orgs"]) for c in d]'
run kba --db "$B4" case list --json
jcheck "  every list value as it was (the tag 'a;b' is one tag)" "$lists==(lambda d: $lists)(json.load(open('$T/b3.json'))) and ['a;b','c'] in [c['tags'] for c in d] and ['X\\\\Y'] in [c['orgs'] for c in d]"
# a CSV's cases are new cases, as 'case add' makes them: records of their
# organisations, a first timeline entry
run kba --db "$B4" org list --json
jcheck "  the organisations the CSV names have records" '{"X\\Y","Bakkerij De Korenschoof"} <= set(o["name"] for o in d)'
run kba --db "$B4" case show 1 --json
jcheck "  a CSV case starts its timeline" '[e["text"] for e in d["timeline"]]==["case imported"]'
# a new case in a stage that needs a reason needs one, as on 'case add':
# refused without (one line naming the line and what to do), or taken from
# a 'reason' column and kept with the first timeline entry
expect_rc 0 "stage done needs a reason" kba --db "$B4" stage edit done --needs-reason
printf 'title,stage\nStil,signal\nKlaar,done\n' >"$T/noreason.csv"
run kba --db "$B4" case list --json
before4=$OUT
for dry in --dry-run ""; do
    expect_rc 65 "csv import ${dry:-for real} of a case into done without a reason" kba --db "$B4" import "$T/noreason.csv" $dry
    check "  says where and what to do ($ERR)" contains "$ERR" "noreason.csv: line 3: case 2: a new case in \"Embedded/Done\" needs a reason: give it in a 'reason' column"
done
run kba --db "$B4" case list --json
check "  and nothing was imported" [ "$OUT" = "$before4" ]
printf 'title,stage,reason\nStil,signal,\nKlaar,done,Geborgd in de lijn\n' >"$T/reason.csv"
expect_rc 0 "csv import with a reason column" kba --db "$B4" import "$T/reason.csv"
run kba --db "$B4" case list --json
n4=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(max(c["id"] for c in json.load(sys.stdin)))')
run kba --db "$B4" case show "$n4" --json
jcheck "  the reason is kept with the first timeline entry" 'd["stage"]=="done" and [(e["text"],e.get("reason")) for e in d["timeline"]]==[("case imported","Geborgd in de lijn")]'
# a row with its id (a CSV export read back) is the case as it was: no reason asked
printf 'id,title,stage\n900,Uit een export,done\n' >"$T/withid.csv"
expect_rc 0 "csv import of a row with its id into done needs no reason" kba --db "$B4" import "$T/withid.csv"

# ---- bad import files change nothing
run k case list --json
before=$OUT
head -c 200 "$T/e1.json" >"$T/trunc.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["cases"][0]["title"]=5; json.dump(d,open(sys.argv[2],"w"))' "$T/e1.json" "$T/typed.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["cases"][0]["id"]=77; d["cases"][1]["stage"]="nowhere"; d["cases"][1]["id"]=78; d["actions"]=[]; d["links"]=[]; json.dump(d,open(sys.argv[2],"w"))' "$T/e1.json" "$T/halfbad.json"
printf 'title,colour\nx,y\n' >"$T/badcol.csv"
printf 'title,stage\n"unterminated,signal\n' >"$T/badquote.csv"
printf 'title,stage,title\nx,signal,y\n' >"$T/dupcol.csv"
# an action item of a case that is neither on the board nor in the file
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.update(cases=[], links=[], decisions=[], meetings=[], contacts=[], actions=[dict(d["actions"][0], id=900, case=9999)]); json.dump(d,open(sys.argv[2],"w"))' "$T/e1.json" "$T/nocase.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["cases"][0]["title"]="a\u0000b"; json.dump(d,open(sys.argv[2],"w"))' "$T/e1.json" "$T/nul.json"
head -c $((65 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T/huge.json"
printf '\xff\xfe{}' >"$T/binary.json"
# a code twice in the reference data; a circle of duplicates or blockers
# through three new cases of the file
python3 - "$T/e1.json" "$T" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
def write(name, change):
    d = json.load(open(src, encoding="utf-8"))
    for k in ("cases", "actions", "decisions", "meetings", "contacts", "links"):
        d[k] = []
    change(d)
    json.dump(d, open(f"{out}/{name}", "w", encoding="utf-8"), ensure_ascii=False)
def twice(key):
    def change(d):
        d[key].append(dict(d[key][1], code=d[key][1]["code"].lower(), name="Nog een"))
    return change
def circle(kind):
    def change(d):
        base = json.load(open(src, encoding="utf-8"))["cases"][0]
        d["cases"] = [dict(base, id=n) for n in (901, 902, 903)]
        d["links"] = [{"from": 901, "to": 902, "kind": kind}, {"from": 902, "to": 903, "kind": kind},
                      {"from": 903, "to": 901, "kind": kind}]
    return change
write("dupdept.json", twice("departments"))
write("dupstage.json", twice("stages"))
write("dupline.json", twice("action_lines"))
# names that 'dept/stage/line add' refuse (another one's name or code,
# case and accents ignored): against the board, within the file, a new
# code that is another one's name
def named(key, recs, only=False):
    def change(d):
        d[key] = recs if only else d[key] + recs
    return change
st = {"wip_limit": 0, "norm_days": 0, "needs_reason": False, "dept_wip": []}
write("namedept.json", named("departments", [{"code": "NWD", "name": "ECONOMIE"}]))
write("codename.json", named("departments", [{"code": "NWE", "name": "eco"}], only=True))
write("namestage.json", named("stages", [dict(st, code="review", name="Beoordeling", position=6),
                                         dict(st, code="check", name="Beoördeling", position=7)]))
write("codeline.json", named("action_lines", [{"code": "SUBSIDIES", "name": "Iets anders"}], only=True))
write("circle-duplicate.json", circle("duplicate"))
write("circle-blocks.json", circle("blocks"))
PY
k dept list --json >"$T/refs-before"
k stage list --json >>"$T/refs-before"
k line list --json >>"$T/refs-before"
declare -A want=([dupdept.json]="appears twice in the import (also departments[1]); give each code once"
    [dupstage.json]="appears twice in the import (also stages[1])"
    [dupline.json]="appears twice in the import (also action_lines[1])"
    [namedept.json]="namedept.json: reference data: departments[7]: the name 'ECONOMIE' is already used by ECO (Economie); choose another name"
    [codename.json]="codename.json: reference data: departments[0]: the name 'eco' is already used by ECO (Economie)"
    [namestage.json]="namestage.json: reference data: stages[5]: the name 'Beoordeling' is already used by check (Beoördeling)"
    [codeline.json]="codeline.json: reference data: action_lines[0]: the code 'SUBSIDIES' is already the name of subsidie (Subsidies); choose another code"
    [circle-duplicate.json]="links[2]: #901 is already a duplicate of #903 (through #902), so this link would close a circle"
    [circle-blocks.json]="links[2]: #901 already blocks #903 (through #902), so this link would close a circle"
    [typed.json]="typed.json: cases[0].title: expected a string"
    [badquote.csv]="badquote.csv: line 2: a quoted cell is never closed: a '\"' is missing"
    [dupcol.csv]="dupcol.csv: line 1: column 'title' appears twice (columns 1 and 3); give each column once"
    [nocase.json]="nocase.json: action item A900: no case #9999 on this board or in the file"
    [nul.json]="a text contains \\u0000 (the NUL character), which kernboard does not accept")
for f in trunc.json typed.json halfbad.json badcol.csv badquote.csv dupcol.csv huge.json binary.json \
    nocase.json nul.json dupdept.json dupstage.json dupline.json namedept.json codename.json \
    namestage.json codeline.json circle-duplicate.json circle-blocks.json; do
    run k import "$T/$f"
    check "import $f exits 65 (got $RC: $ERR)" [ "$RC" = 65 ]
    check "import $f: one line on stderr" [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]
    [ -z "${want[$f]:-}" ] || check "  names where: ${want[$f]}" contains "$ERR" "${want[$f]}"
done
run k case list --json
check "board content unchanged after the bad imports" [ "$OUT" = "$before" ]
k dept list --json >"$T/refs-after"
k stage list --json >>"$T/refs-after"
k line list --json >>"$T/refs-after"
check "departments, stages and action lines unchanged" cmp -s "$T/refs-before" "$T/refs-after"
expect_rc 65 "import --dry-run of an action item of no case" k import "$T/nocase.json" --dry-run
check "  names it ($ERR)" contains "$ERR" "nocase.json: action item A900: no case #9999 on this board or in the file"
expect_rc 65 "import --dry-run of a department named as another" k import "$T/namedept.json" --dry-run
check "  names it ($ERR)" contains "$ERR" "departments[7]: the name 'ECONOMIE' is already used by ECO"
# the names as they will be: a file that renames ECO may give its old name
# to a new department
python3 - "$T/e1.json" "$T/rename.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d.update(cases=[], actions=[], decisions=[], meetings=[], contacts=[], links=[], stages=[], action_lines=[], goals=[], views=[])
d["departments"] = [{"code": "ECO", "name": "Economie en Haven"}, {"code": "ECN", "name": "Economie"}]
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
B5=$T/places.kb
init_board "$B5"
expect_rc 0 "import renaming ECO and giving its old name to a new department" kba --db "$B5" import "$T/rename.json"
run kba --db "$B5" dept list --json
jcheck "  both names as in the file" '{x["code"]:x["name"] for x in d}.get("ECO")=="Economie en Haven" and {x["code"]:x["name"] for x in d}.get("ECN")=="Economie"'
# stage positions after an import are the places 1..N (position, then
# code), as 'stage add/edit --position' keep them: a file's tie and gap
# (a new stage at connect's 3, done at 9) leave none
python3 - "$T/e1.json" "$T/places.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d.update(cases=[], actions=[], decisions=[], meetings=[], contacts=[], links=[], departments=[], action_lines=[], goals=[], views=[])
st = {"wip_limit": 0, "norm_days": 0, "needs_reason": False, "dept_wip": []}
d["stages"] = [dict(st, code="review", name="Beoordeling", position=3), dict(st, code="done", name="Afgerond", position=9)]
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
expect_rc 0 "import of stages with a tie and a gap" kba --db "$B5" import "$T/places.json"
run kba --db "$B5" stage list --json
jcheck "  stages at places 1..N in the order (position, code)" '[(x["code"],x["position"]) for x in d]==[("signal",1),("explore",2),("connect",3),("review",4),("progress",5),("done",6)]'
expect_rc 0 "  the board verifies" kba --db "$B5" verify

# ---- backup and rekey
expect_rc 0 "backup" k backup "$T/backup.kb"
expect_rc 73 "backup refuses an existing destination" k backup "$T/backup.kb"
run kba --db "$T/backup.kb" case list --json
check "the backup holds the cases" [ "$OUT" = "$before" ]
expect_rc 0 "verify the backup" kba --db "$T/backup.kb" verify
expect_rc 0 "rekey" k rekey
expect_rc 0 "verify after rekey" k verify
run "$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob.pass" case show 1 --json
check "another user still reads after rekey (exit $RC)" [ "$RC" = 0 ]
"$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob.pass" case lock 2 --seconds 20 >"$T/lock.out" 2>&1 &
LOCKER=$!
at_exit "kill -9 $LOCKER"
wait_for 20 grep -q '^locked' "$T/lock.out"
expect_rc 69 "rekey while someone has the board open" k rekey
kill -9 "$LOCKER"
wait "$LOCKER" 2>/dev/null
expect_rc 0 "user remove" k user remove bob
expect_rc 77 "the removed user is refused" "$KB_BIN" --db "$B" --user bob --passphrase-file "$T/bob.pass" case list
expect_rc 0 "rekey after removing a user" k rekey
expect_rc 0 "verify after the second rekey" k verify

# ---- doctor (no passphrase needed)
expect_rc 0 "doctor on a local disk" kb doctor "$B"
run kb --json doctor "$B"
jcheck "doctor json lists the lock round trip" 'any("lock round trip" in x["message"] for x in d)'
chmod o+r "$B"
expect_rc 74 "doctor flags world-readable board" kb doctor "$B"
chmod o-r "$B"

# ---- exit codes of the contract
expect_rc 66 "missing board" kba --db "$T/nope.kb" case list
expect_rc 64 "unknown option" k case list --frobnicate-please
expect_rc 64 "unknown global-looking option" k --frobnicate case list
expect_rc 64 "unknown command" k frobnicate
expect_rc 64 "unknown subcommand" k case frobnicate
expect_rc 77 "wrong passphrase" "$KB_BIN" --db "$B" --user alice --passphrase-file "$BADPASS" case list
# numeric settings in the environment: a bad value is one line naming the
# variable and its range (64), for a command that changes the board too,
# and changes nothing
run k case list --json
before=$OUT
for bad in -5 1e3 99999999999999999999; do
    KERNBOARD_LOCK_TIMEOUT_MS=$bad expect_rc 64 "KERNBOARD_LOCK_TIMEOUT_MS=$bad" k case add --title "env"
    check "  one line naming the variable and the range" \
        [ "$ERR" = "kernboard: KERNBOARD_LOCK_TIMEOUT_MS='$bad' is not a whole number from 1 to 3600000: set it to one, or unset it for the default" ]
done
for bad in abc 9; do
    KERNBOARD_VERIFY_THREADS=$bad expect_rc 64 "KERNBOARD_VERIFY_THREADS=$bad" k verify
    check "  names the variable and the range ($ERR)" contains "$ERR" "KERNBOARD_VERIFY_THREADS='$bad' is not a whole number from 1 to 8"
done
# the terminal UI's, checked by every command as the others are
KERNBOARD_IDLE_LOCK_SECONDS=soon expect_rc 64 "KERNBOARD_IDLE_LOCK_SECONDS=soon" k case list
check "  names the variable and the range ($ERR)" contains "$ERR" "KERNBOARD_IDLE_LOCK_SECONDS='soon' is not a whole number from 0 to 86400"
run k case list --json
check "  nothing was added" [ "$OUT" = "$before" ]
KERNBOARD_LOCK_TIMEOUT_MS=2500 KERNBOARD_VERIFY_THREADS=2 expect_rc 0 "good values are taken" k verify
run kb --help
check "--help lists the commands" contains "$OUT" "case add"
run kb --version
check "--version" contains "$OUT" "kernboard"
# ---- reference data and attendees by name too (the one resolver)
expect_rc 0 "stage edit by name" k stage edit "in PROGRESS" --norm-days 45
run k stage list --json
jcheck "stage edit by name changed the stage" 'any(x["code"]=="progress" and x["norm_days"]==45 for x in d)'
expect_rc 66 "stage edit of an unknown stage" k stage edit nergens --name X
# ---- an unknown department, stage or action line first, whatever the options
expect_rc 66 "stage edit of an unknown stage without --name" k stage edit nosuch --wip 2
check "it names the stage: $ERR" contains "$ERR" "no stage nosuch"
expect_rc 66 "dept edit of an unknown department without --name" k dept edit NOSUCH --colour red
expect_rc 66 "line edit of an unknown line" k line edit nosuch --name X

# ---- NUL bytes on standard input are refused, nothing is cut or written
run k case list --json
ncases=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
run k case show 1 --json
ntl=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["timeline"]))')
printf 'a\0b' >"$T/nul.txt"
expect_rc 65 "case comment - with a NUL byte" sh -c '"$@" <"$0"' "$T/nul.txt" \
    "$KB_BIN" --db "$B" --user alice --passphrase-file "$PASS" case comment 1 -
check "the message names the NUL byte in one line: $ERR" contains "$ERR" "NUL"
check "one line" [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ]
expect_rc 65 "case add --description - with a NUL byte" sh -c '"$@" <"$0"' "$T/nul.txt" \
    "$KB_BIN" --db "$B" --user alice --passphrase-file "$PASS" case add --title t --description -
run k case show 1 --json
jcheck "no comment was added" 'len(d["timeline"])=='"$ntl"
run k case list --json
jcheck "no case was added" 'len(d)=='"$ncases"

# ---- unknown values are refused: lanes of a view, department colours
expect_rc 65 "view save --lanes with an unknown department" k view save lanesv '' --lanes ECO,XYZ
check "it names XYZ and the known codes: $ERR" contains "$ERR" "XYZ"
check "the known codes: $ERR" contains "$ERR" "ECO"
expect_rc 0 "view save --lanes with codes in any case and -" k view save lanesv "" --lanes eco,inc,-
run k view list --json
jcheck "lanes stored as codes" 'any(v["name"]=="lanesv" and v["lanes"]=="ECO,INC,-" for v in d)'
expect_rc 65 "dept add --colour notacolour" k dept add ARB2 --name X --colour notacolour
check "it lists the colours: $ERR" contains "$ERR" "magenta"
run k dept list --json
jcheck "nothing was added" 'not any(x["code"]=="ARB2" for x in d)'
expect_rc 0 "dept add --colour bright-green" k dept add ARB2 --name X --colour bright-green
expect_rc 65 "dept edit --colour purple" k dept edit ARB2 --colour purple
expect_rc 0 "dept edit --colour '' removes it" k dept edit ARB2 --colour ''
run k dept list --json
jcheck "colour removed" 'any(x["code"]=="ARB2" and x["colour"] is None for x in d)'

# ---- a missing board comes first, also without a terminal
expect_rc 66 "missing board opened without a terminal" sh -c '"$@" </dev/null' _ \
    "$KB_BIN" --user alice --passphrase-file "$PASS" "$T/nosuch.kb"

# ---- one output format
for pair in "--json --csv" "--md --json" "--csv --md"; do
    # shellcheck disable=SC2086
    expect_rc 64 "report $pair is a usage error" k report $pair
    set -- $pair
    check "it names both options: $ERR" sh -c 'case "$0" in *"$1"*"$2"*|*"$2"*"$1"*) exit 0;; esac; exit 1' "$ERR" "$1" "$2"
done
expect_rc 0 "report --csv --csv is fine" k report --csv stages

# ---- a new case straight into a stage that needs a reason
expect_rc 0 "done needs a reason" k stage edit done --needs-reason
expect_rc 65 "case add --stage done without a reason" k case add --title "Meteen klaar" --stage done
check "the message says how to give the reason: $ERR" contains "$ERR" "--reason"
run k case list --json
jcheck "nothing was added" 'not any(c["title"]=="Meteen klaar" for c in d)'
run k case add --title "Meteen klaar" --stage done --reason "al afgerond bij de melding" --json
check "case add --stage done --reason ($ERR)" [ "$RC" = 0 ]
n=$(printf '%s' "$OUT" | json_get id)
run k case show "$n" --json
jcheck "the reason is on the created entry" 'd["stage"]=="done" and [e.get("reason") for e in d["timeline"]]==["al afgerond bij de melding"]'
expect_rc 0 "case add in the first stage needs no reason" k case add --title "Nieuw signaal"
run kb --help
check "--help shows case add --reason" contains "$OUT" "--reason R"

# ---- the same kind of error, the same exit code
expect_rc 65 "a lone @ in a query is a query error" k case list '@'
check "  at its column ($ERR)" contains "$ERR" "query column 1: expected a view name after '@'"
expect_rc 65 "user add of an existing user" k user add alice --role member --new-passphrase-file "$PASS"
expect_rc 65 "stage add duplicate" k stage add done --name X
expect_rc 65 "line add duplicate" k line add subsidie --name X
expect_rc 65 "user add with a bad name" k user add 'bad name' --role member --new-passphrase-file "$PASS"
expect_rc 65 "init with a bad user name" "$KB_BIN" --user "bad name" --passphrase-file "$PASS" init "$T/x.kb"
check "init created nothing" [ ! -e "$T/x.kb" ]
expect_rc 65 "user add --role superuser" k user add carol --role superuser --new-passphrase-file "$PASS"
expect_rc 65 "user add --dept XYZ" k user add carol --role member --dept XYZ --new-passphrase-file "$PASS"
expect_rc 64 "user add without --role is a usage error" k user add carol --new-passphrase-file "$PASS"
expect_rc 64 "user add with an unknown option is a usage error" k user add carol --role member --frobnicate
expect_rc 65 "export --format xml" k export --format xml
expect_rc 64 "export without --format" k export

# ---- texts: Windows line ends (CRLF) are read as line breaks; other control characters
# are refused with where they are
printf 'Regel 1\r\nRegel 2\r\n' >"$T/crlf.txt"
run k case add --title "CRLF" --description - --json <"$T/crlf.txt"
check "a CRLF description is accepted ($ERR)" [ "$RC" = 0 ]
jcheck "  with LF line breaks" 'd["description"]=="Regel 1\nRegel 2"'
crlf_case=$(printf '%s' "$OUT" | json_get id)
printf 'Opmerking 1\r\nOpmerking 2\r' | k case comment "$crlf_case" - >/dev/null
run k case show "$crlf_case" --json
jcheck "a CRLF comment is accepted with LF" 'any(e.get("text")=="Opmerking 1\nOpmerking 2" for e in d["timeline"])'
printf 'Regel 1\nRe\033gel 2\n' >"$T/esc.txt"
expect_rc 65 "an escape character in a description" k case add --title "ESC" --description - <"$T/esc.txt"
check "  names where it is ($ERR)" contains "$ERR" "(U+001B) at line 2, column 3"

# ---- a board written before the structured history (tests/fixtures/board-v1.kb)
mkdir -p "$T/old"
cp "$KB_SRC/tests/fixtures/board-v1.kb" "$KB_SRC/tests/fixtures/board-v1.kb.lock" "$T/old/"
cp "$KB_SRC/tests/fixtures/board-v1.pass" "$T/old/pass"
chmod 600 "$T/old/pass" "$T/old/board-v1.kb" "$T/old/board-v1.kb.lock"
old() { "$KB_BIN" --db "$T/old/board-v1.kb" --user alice --passphrase-file "$T/old/pass" "$@"; }
run old verify
check "the old board verifies ($ERR)" [ "$RC" = 0 ]
run old case show 1
check "the old board opens ($ERR)" [ "$RC" = 0 ]
check "the old board shows its history (stage names)" contains "$OUT" "stage: Signal -> Explore"
run old case show 2
check "an old reason comment is still there" contains "$OUT" "Afgerond met subsidie"
expect_rc 0 "the old board takes a new move with a reason" old case move 3 done --reason "klaar"
run old case show 3 --json
jcheck "the new move is structured on the old board" '[e["move_to"] for e in d["timeline"] if "move_to" in e]==["done"]'
run old verify
check "the old board still verifies after the change ($ERR)" [ "$RC" = 0 ]
# ---- "--" ends the options for every command; usage lines (audit
# "scripts" L6, L8; "first day" L3, L4)
expect_rc 0 "case list -- -blocked (a negation after --)" k case list -- -blocked
expect_rc 0 "case comment N -- -x stores -x" k case comment 1 -- -x --not-an-option
run k case show 1 --json
jcheck "  the comment is '-x --not-an-option' (no '--')" 'd["timeline"][-1]["text"]=="-x --not-an-option"'
expect_rc 0 "case decide N -- --text (getopt command)" k case decide 1 -- --besluit
run k case show 1 --json
jcheck "  the decision is '--besluit'" 'd["decisions"][-1]["text"]=="--besluit"'
expect_rc 64 "case move N -- STAGE --reason: --reason is an operand" k case move 1 -- done --reason x
expect_rc 0 "view save NAME -- -blocked" k view save dd -- -blocked
check "  saved ($OUT)" contains "$OUT" "@dd: -blocked"
expect_rc 65 "report -- --from: a query word, not an option" k report -- --from
expect_rc 0 "action list -- (nothing after it)" k action list --

nb=$T/nodir/sub/new.kb
expect_rc 64 "backup '' is a usage error" k backup ''
check "  one line, no rename message ($ERR)" eval 'lacks "$ERR" rename && contains "$ERR" "empty argument"'
expect_rc 64 "restore '' BOARD is a usage error" k restore '' "$T/r.kb"
expect_rc 64 "import '' is a usage error" k import ''
expect_rc 64 "export --out '' is a usage error" k export --format json --out ''
check "  it names the option ($ERR)" contains "$ERR" "--out"
expect_rc 64 "--passphrase-file '' is a usage error" kb --db "$B" --user alice --passphrase-file '' stats
expect_rc 64 "--db '' is a usage error" kba --db '' stats
expect_rc 64 "init without BOARD" kba init
check "  says: kernboard init BOARD ($ERR)" eval 'contains "$ERR" "kernboard init BOARD" && lacks "$ERR" KERNBOARD_DB'
expect_rc 73 "init in a missing directory" kba init "$nb" --kdf interactive
check "  names the board and the directory, not the lock file ($ERR)" \
    eval 'contains "$ERR" "$nb" && contains "$ERR" "$T/nodir/sub" && lacks "$ERR" ".lock"'
check "  nothing was made" [ ! -e "$T/nodir" ]
expect_rc 73 "backup into a missing directory" k backup "$nb"
check "  names the directory ($ERR)" contains "$ERR" "directory $T/nodir/sub does not exist"
expect_rc 64 "completion zsh" kb completion zsh
check "  says only bash is supported ($ERR)" eval 'contains "$ERR" "only bash" && lacks "$ERR" "give the shell"'

finish
