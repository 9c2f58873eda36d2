#!/usr/bin/env bash
# test_meeting_cli.sh - the weekly meeting from the command line alone, on
# the demo board: agenda built from the board and edited, start with
# attendees and a guest, next, two decisions with action items (relative
# due dates) attached to the running meeting, end with the minutes written
# to a file (0600, never over the board), `meeting show --json` and
# `case show --json` agreeing with them; confidential case #12 shows only
# its number and title in the minutes (Markdown and --json) and the
# Markdown export unless --include-confidential; a second start while one
# runs is refused (75, naming who started it and since when); an item
# number past the agenda is no such item; `meeting end --out` into a
# directory that does not exist ends nothing; decision and comment texts
# may be given as several words.
. "$(dirname "$0")/lib.sh"
kb_setup

D=$T/demo
mkdir -p "$D"
B=$D/kernteam.kb
P=$D/demo-passphrase.txt
kbd() { "$KB_BIN" --db "$B" --user makelaar --passphrase-file "$P" "$@"; }
lacks() { ! contains "$@"; }
expect_rc 0 "demo board" kb demo "$B"

# ---- prepare
expect_rc 0 "meeting agenda (a proposal from the board)" kbd meeting agenda
check "proposal lists the flagged confidential case #12" contains "$OUT" "#12"
check "proposal says why" contains "$OUT" "on the agenda"
expect_rc 0 "agenda --json" kbd meeting agenda --json
check "agenda json has items with reasons, the flag first" \
    [ "$(printf '%s' "$OUT" | json_get items.0.why | cut -d, -f1)" = agenda ]
expect_rc 0 "edit the draft: #12 first, 10 minutes, drop #2" \
    kbd meeting agenda --move 12 --to 1 --plan 12=10 --drop 2
expect_rc 0 "the draft is stored" kbd --json meeting agenda
printf '%s' "$OUT" >"$T/agenda.json"
check "draft state" [ "$(json_get state "$T/agenda.json")" = draft ]
check "#12 first" [ "$(json_get items.0.case "$T/agenda.json")" = 12 ]
check "#12 planned 600 s" [ "$(json_get items.0.planned "$T/agenda.json")" = 600 ]
check "#2 dropped" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); sys.exit(2 in d["agenda"])' "$T/agenda.json"
expect_rc 64 "--move without --to is a usage error" kbd meeting agenda --move 12
expect_rc 64 "bad --plan is a usage error" kbd meeting agenda --plan 12
expect_rc 64 "meeting next without a meeting: usage ok, but" kbd meeting next extra

# ---- run
expect_rc 66 "next before start: no meeting runs" kbd meeting next
check "says how to start" contains "$ERR" "meeting start"
expect_rc 0 "meeting start --attendees --guest" \
    kbd meeting start --attendees jan,fatima.elamrani --guest "Piet de Gast" --guest "Els"
M=$(printf '%s' "$OUT" | tr -d 'M\n')
check "start prints the meeting number ($OUT)" is_int "$M"
# a state conflict with what someone started (75: "says who and since
# when"), not a lock timeout (69)
expect_rc 75 "a second start is refused while one runs" kbd meeting start
check "names the running meeting" contains "$ERR" "M$M"
check "names who started it" contains "$ERR" "started by makelaar"
check "and since when" contains "$ERR" " at "
check "says what to do" contains "$ERR" "meeting end"
NITEMS=$(kbd --json meeting agenda | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
expect_rc 66 "meeting next --item past the agenda: no such item" kbd meeting next --item 99
check "says there is no item 99" contains "$ERR" "no item 99"
check "names the items there are" contains "$ERR" "items 1 to $NITEMS"
lacks "$ERR" "last item" && kb_pass "not 'this was the last item'" || kb_fail "says last item: $ERR"
expect_rc 0 "meeting next" kbd meeting next
check "next names item 2" contains "$OUT" "Item 2/"
# the decision's words need no quotes (as typed on the TUI's ':' line)
expect_rc 0 "decision 1 with an action item due friday, text in words" \
    kbd case decide 1 Proefplaatsing uitbreiden naar vier kandidaten \
    --action "Werkgever en jobcoach uitnodigen" --owner fatima --due vrijdag
expect_rc 0 "a comment in words" kbd case comment 1 besproken in het overleg
expect_rc 0 "a comment from standard input" kbd case comment 1 - <<<"van stdin"
expect_rc 0 "case show 1 --json" kbd --json case show 1
check "comments joined and read" python3 -c '
import json,sys; d=json.load(sys.stdin); t=[x["text"] for x in d["timeline"]]
assert "besproken in het overleg" in t and "van stdin" in t, t' <<<"$OUT"
expect_rc 0 "decision 2 on confidential #12 with an action item in 2w" \
    kbd case decide 12 "Garantstelling van 120.000 voorleggen aan het college" \
    --action "Collegevoorstel schrijven" --owner jan --due 2w
expect_rc 65 "a bad due date is refused" kbd case decide 1 "x" --action y --owner jan --due someday
check "the error names the accepted forms" contains "$ERR" "2w"
expect_rc 0 "a guest arrives late" kbd meeting attend "Karin" --guest
expect_rc 0 "move a case during the meeting" kbd case move 13 connect --reason "besproken in het overleg"
expect_rc 0 "meeting next again" kbd meeting next

# ---- end
# a file that cannot be created changes nothing: the meeting still runs
expect_rc 73 "meeting end --out into a missing directory" kbd meeting end --out "$T/nonexistent/m.md"
check "the error names the file" contains "$ERR" "nonexistent/m.md"
expect_rc 0 "the meeting is still running" kbd --json meeting agenda
check "state running" [ "$(printf '%s' "$OUT" | json_get state)" = running ]
expect_rc 0 "meeting end --out" kbd meeting end --out "$T/minutes.md"
check "minutes file written" [ -s "$T/minutes.md" ]
check "minutes file mode 0600" [ "$(stat -c %a "$T/minutes.md")" = 600 ]
MIN=$(cat "$T/minutes.md")
check "minutes: attendance" contains "$MIN" "fatima.elamrani (INC)"
check "minutes: guests" contains "$MIN" "Piet de Gast"
check "minutes: late guest" contains "$MIN" "Karin"
check "minutes: decision 1" contains "$MIN" "Proefplaatsing uitbreiden naar vier kandidaten"
check "minutes: action 1 with owner" contains "$MIN" "Werkgever en jobcoach uitnodigen; owner fatima.elamrani (INC)"
check "minutes: confidential #12 by title" contains "$MIN" "#12 Kringloopbedrijf vraagt garantstelling"
check "minutes: #12's decision text left out" lacks "$MIN" "120.000"
check "minutes: #12's description left out" lacks "$MIN" "De Tweede Ronde (sociale"
check "minutes: action items per owner" contains "$MIN" "Action items per owner"
check "minutes: since last meeting" contains "$MIN" "Since the last meeting"

expect_rc 0 "meeting show --json" kbd --json meeting show "M$M"
printf '%s' "$OUT" >"$T/show.json"
check "show: ended" [ "$(json_get state "$T/show.json")" = ended ]
check "show: attendance and guests" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(not ("fatima.elamrani" in d["attendees"] and "jan.devries" in d["attendees"]
              and "Karin" in d["guests"]))' "$T/show.json"
check "show: two decisions, two action items, due dates as in the minutes" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); m=open(sys.argv[2]).read()
assert len(d["decisions"]) == 2, d["decisions"]
assert len(d["actions"]) == 2, d["actions"]
for a in d["actions"]:
    assert a["due"] and a["due"] in m, a
    assert a["owner"] in m, a
assert all("spent" in i and "planned" in i for i in d["items"])
assert d["items"][0]["spent"] >= 0
' "$T/show.json" "$T/minutes.md"
A1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["actions"][0]["id"])' "$T/show.json")
expect_rc 0 "case show 1 --json" kbd --json case show 1
check "case show agrees: decision in meeting M$M" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); m=int(sys.argv[2]); a=int(sys.argv[3])
assert any(x.get("meeting") == m and "vier kandidaten" in x["text"] for x in d["decisions"]), d["decisions"]
assert any(x["id"] == a for x in d["actions"]), d["actions"]' <(printf '%s' "$OUT") "$M" "$A1"

expect_rc 0 "meeting minutes M --include-confidential" \
    kbd meeting minutes "M$M" --include-confidential
check "with the option: #12's decision" contains "$OUT" "120.000"
# --json: one JSON document, confidential details left out as in the Markdown
expect_rc 0 "meeting minutes M --json" kbd meeting minutes "M$M" --json
printf '%s' "$OUT" >"$T/minutes.json"
check "minutes --json: the meeting, items, decisions, actions and the Markdown" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); m=int(sys.argv[2])
assert d["id"] == m and d["state"] == "ended" and d["started"] and d["ended"], d
assert "fatima.elamrani" in d["attendees"] and "Karin" in d["guests"], d
assert len(d["decisions"]) == 2 and len(d["actions"]) == 2, d
it = {i["case"]: i for i in d["items"]}
assert it[12]["masked"] and not it[1]["masked"], it
assert it[1]["decisions"] and it[1]["actions"], it[1]
assert d["minutes"].startswith("# Minutes of meeting M%d" % m), d["minutes"][:40]
assert d["include_confidential"] is False
' "$T/minutes.json" "$M"
check "minutes --json: no amounts of #12" lacks "$OUT" "120.000"
check "minutes --json: #12 by title" contains "$OUT" "Kringloopbedrijf"
expect_rc 0 "meeting minutes M --json --include-confidential" \
    kbd meeting minutes "M$M" --json --include-confidential
check "with the option: #12's decision in the JSON" python3 -c '
import json,sys; d=json.load(sys.stdin)
assert any("120.000" in (x["text"] or "") for x in d["decisions"]), d["decisions"]
assert "120.000" in d["minutes"]' <<<"$OUT"
expect_rc 0 "meeting minutes M --out again" kbd meeting minutes "$M" --out "$T/again.md"
check "rewritten minutes without confidential details" lacks "$(cat "$T/again.md")" "120.000"
expect_rc 73 "minutes never over the board" kbd meeting minutes "$M" --out "$B"
expect_rc 0 "board still verifies" kbd verify

# ---- since:lastmeeting now counts from this meeting
expect_rc 0 "case list since:lastmeeting" kbd case list since:lastmeeting
check "the case moved in the meeting changed since it started" contains "$OUT" "#13 "
check "a case untouched since is not listed" lacks "$OUT" "#40 "
# a decision, an action item or a comment is a change too, though none of
# them rewrites the case record
check "#1 (decision, action item, comments in the meeting) is listed" contains "$OUT" "#1 "
check "#12 (a decision in the meeting) is listed" contains "$OUT" "#12 "
# (a comment after the second the meeting ended)
ENDS=$(date -d "$(json_get ended "$T/show.json")" +%s)
wait_for 10 eval '[ "$(date +%s)" -gt "$ENDS" ]' || kb_fail "the clock did not pass the meeting's end"
V41=$(kbd --json case show 41 | json_get version)
expect_rc 0 "a comment on #41 after the meeting" kbd case comment 41 "nagebeld na het overleg"
check "  does not rewrite the case (version $V41 stays)" \
    [ "$(kbd --json case show 41 | json_get version)" = "$V41" ]
expect_rc 0 "case list 'since:lastmeeting' --json" kbd --json case list since:lastmeeting
check "  lists #41 now, and still not #40" python3 -c '
import json,sys; ids=[c["id"] for c in json.load(sys.stdin)]
assert 41 in ids and 40 not in ids and 1 in ids, ids' <<<"$OUT"
expect_rc 0 "case list updated>=today" kbd --json case list "updated>=today"
check "  updated>=today counts the comment on #41, not untouched #40" python3 -c '
import json,sys; ids=[c["id"] for c in json.load(sys.stdin)]
assert 41 in ids and 40 not in ids, ids' <<<"$OUT"
NSINCE=$(kbd --json case list since:lastmeeting | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_rc 0 "report cross since:lastmeeting --json" kbd report cross since:lastmeeting --json
check "  the report counts the same $NSINCE cases as case list" \
    [ "$(printf '%s' "$OUT" | json_get cross.0.cases)" = "$NSINCE" ]

# ---- Markdown export
expect_rc 0 "export md" kbd export --format md --out "$T/handout.md"
check "export md: #12 title" grep -q "Kringloopbedrijf" "$T/handout.md"
check "export md: no amounts of #12" lacks "$(cat "$T/handout.md")" "120.000"
expect_rc 0 "export md --include-confidential" \
    kbd export --format md --include-confidential --out "$T/full.md"
check "with the option: the description" grep -q "120.000" "$T/full.md"

finish
