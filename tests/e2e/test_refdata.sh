#!/usr/bin/env bash
# Reference data that stays consistent: organisation names match case- and
# accent-insensitively everywhere (one record, the contact warning fires);
# a stage's --position is its column place (inserting or moving shifts the
# others, positions stay 1..N, 0 and beyond the end are refused, the order
# survives export -> import -> export); department, stage and action line
# names are unique (case and accents ignored).
. "$(dirname "$0")/lib.sh"
kb_setup

DB=$T/board.kb
init_board "$DB"
k() { kba --db "$DB" "$@"; }
jcheck() {
    if printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($2) else 1)"; then
        kb_pass "$1"
    else
        kb_fail "$1: $(printf '%s' "$OUT" | head -c 600)"
    fi
}
order() { k stage list --json | python3 -c 'import json,sys; print(" ".join("%s:%d" % (s["code"], s["position"]) for s in json.load(sys.stdin)))'; }
day() { date -u -d "$1 days" +%F; }

# ---- organisations: one record whatever the accents, and the warning
expect_rc 0 "org add with accent" k org add "Café de Zwaan" --kind ondernemer
expect_rc 0 "contact by INC" k contact add "Café de Zwaan" --date "$(day 10)" --dept INC \
    --purpose Werkplekken
expect_rc 0 "contact by ECO without the accent" k contact add "cafe de zwaan" --date "$(day 11)" \
    --dept ECO --purpose Terras
check "the other department's contact is named" contains "$ERR" "INC"
run k org list --json
jcheck "still one organisation" '[o["name"] for o in d]==["Café de Zwaan"]'
run k contact list "CAFE DE ZWAAN" --json
jcheck "both moments under the one organisation" 'len(d)==2 and all(c["org"]=="Café de Zwaan" for c in d)'
expect_rc 65 "org add of the same name without accent" k org add "cafe de Zwaan"
check "the refusal names the stored spelling" contains "$ERR" "Café de Zwaan"
expect_rc 0 "org edit without accent" k org edit "CAFÉ DE ZWAAN" --contact Sem
expect_rc 0 "case add naming it without accent" k case add --title "Terras" --dept ECO \
    --org "cafe de zwaan"
run k case show 1 --json
jcheck "the case has the stored spelling" 'd["orgs"]==["Café de Zwaan"]'
run k org list --json
jcheck "no second organisation from the case" 'len(d)==1'

# ---- stage positions are column places
check "default order" [ "$(order)" = "signal:1 explore:2 connect:3 progress:4 done:5" ]
expect_rc 0 "stage add at 2" k stage add review --name Review --position 2
check "later stages move right" [ "$(order)" = "signal:1 review:2 explore:3 connect:4 progress:5 done:6" ]
expect_rc 0 "stage edit moves review to 5" k stage edit review --position 5
check "a move shifts the others left" [ "$(order)" = "signal:1 explore:2 connect:3 progress:4 review:5 done:6" ]
expect_rc 0 "stage edit moves review to 1" k stage edit review --position 1
check "a move to the front" [ "$(order)" = "review:1 signal:2 explore:3 connect:4 progress:5 done:6" ]
expect_rc 0 "stage edit without --position keeps the place" k stage edit review --wip 3
check "place kept" [ "$(order)" = "review:1 signal:2 explore:3 connect:4 progress:5 done:6" ]
expect_rc 0 "stage add without --position appends" k stage add archive --name Archief
check "appended last" [ "$(order)" = "review:1 signal:2 explore:3 connect:4 progress:5 done:6 archive:7" ]
expect_rc 0 "stage edit moves archive to 6" k stage edit archive --position 6
before=$(order)
expect_rc 65 "stage add --position 0" k stage add zero --name Zero --position 0
check "0 says columns count from 1" contains "$ERR" "from 1"
expect_rc 65 "stage add beyond the end" k stage add far --name Far --position 9
check "the refusal gives the range" contains "$ERR" "1 to 8"
expect_rc 65 "stage edit --position 0" k stage edit review --position 0
expect_rc 65 "stage edit beyond the end" k stage edit review --position 8
check "the refusal gives the range of a move" contains "$ERR" "1 to 7"
check "refusals change nothing" [ "$(order)" = "$before" ]

# export -> import -> export keeps the order
expect_rc 0 "export" k export --format json --out "$T/rt1.json"
init_board "$T/rt.kb"
expect_rc 0 "import into a new board" kba --db "$T/rt.kb" import "$T/rt1.json"
expect_rc 0 "export again" kba --db "$T/rt.kb" export --format json --out "$T/rt2.json"
run python3 -c 'import json,sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
key = lambda d: [(s["code"], s["position"]) for s in d["stages"]]
print(key(a)); print(key(b)); sys.exit(0 if key(a) == key(b) else 1)' "$T/rt1.json" "$T/rt2.json"
check "the round trip keeps the stage order" [ "$RC" = 0 ]

# ---- names are unique per kind
expect_rc 0 "dept edit ECO --name Economie" k dept edit ECO --name Economie
expect_rc 65 "dept add with another's name" k dept add SOCIAL --name "économie"
check "the refusal names the other department" contains "$ERR" "ECO"
expect_rc 65 "dept add with another's name as code" k dept add ECONOMIE --name Iets
expect_rc 65 "dept edit to another's name" k dept edit INC --name ECONOMIE
run k dept list --json
jcheck "no department added or renamed" 'not any(x["code"] in ("SOCIAL","ECONOMIE") for x in d) and [x["name"] for x in d if x["code"]=="INC"]!=["ECONOMIE"]'
expect_rc 0 "dept edit keeping its own name" k dept edit ECO --name economie
expect_rc 65 "stage add with another's name" k stage add rev2 --name review
check "the refusal names the other stage" contains "$ERR" "review"
expect_rc 65 "stage edit to another's name" k stage edit explore --name Signal
run k line list --json
other=$(printf '%s' "$OUT" | json_get 0.name)
expect_rc 65 "line add with another's name" k line add zzz --name "$other"

finish
