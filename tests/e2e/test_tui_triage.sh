#!/usr/bin/env bash
# test_tui_triage.sh - the broker's day (issue 12) on the demo board, keys
# only, in tmux: the triage inbox (T) triages five signals (lead and
# involved department, action line, a hook picked from a department's
# goals, a next-step action item, move on), checked through
# `case show --json`, in fewer key presses than the bar (60); the
# new-case form starts in the first stage, lists a similar case while you
# type its title, and one key saves it as that case's duplicate; Esc on a
# typed form asks first; `case list text:cafe` finds "Café de Zwaan";
# `triage list/next`, `goal add/list`, `case edit --hook/--set-hooks`.
. "$(dirname "$0")/tui_lib.sh"
tui_setup

# the demo board, with alice as a broker on it (the TUI helpers run alice)
D=$T/demo
mkdir -p "$D"
B=$D/kernteam.kb
P=$D/demo-passphrase.txt
kbd() { "$KB_BIN" --db "$B" --user makelaar --passphrase-file "$P" "$@"; }
expect_rc 0 "demo board" kb demo "$B" --kdf interactive
expect_rc 0 "alice joins as broker" kbd user add alice --role broker --new-passphrase-file "$PASS" \
    --kdf interactive
DB=$B

# ---- the command line
expect_rc 0 "goal list --json" kba --db "$DB" --json goal list
NGOALS=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "the demo has department goals ($NGOALS)" [ "${NGOALS:-0}" -ge 8 ]
expect_rc 0 "triage list --json" kba --db "$DB" --json triage list
printf '%s' "$OUT" >"$T/inbox.json"
INBOX=$(python3 -c 'import json,sys; print(" ".join(str(c["id"]) for c in json.load(open(sys.argv[1]))))' "$T/inbox.json")
NIN=$(echo "$INBOX" | wc -w)
check "the demo has signals to triage ($NIN)" [ "$NIN" -ge 5 ]
expect_rc 0 "triage next --json" kba --db "$DB" --json triage next
FIRST=$(printf '%s' "$OUT" | json_get id)
LEFT=$(printf '%s' "$OUT" | json_get left)
check "triage next is the oldest in the inbox (#$FIRST)" [ "$FIRST" = "$(echo "$INBOX" | cut -d' ' -f1)" ]
check "triage next says how many are left ($LEFT)" [ "$LEFT" = "$NIN" ]
expect_rc 0 "triage list (text)" kba --db "$DB" triage list
check "triage list counts the inbox" contains "$OUT" "$NIN cases to triage"
# the rows name the stage (the demo board's Dutch name), never its code
check "triage list shows the stage by name" contains "$OUT" " Signaal "
check "triage list shows no stage code" eval '! printf "%s" "$OUT" | grep -qw signal'

# ---- triage five signals with keys only
tui_start 100 30
tui_check "board shown" "Signaal"
PRESSES=0
k() { # send keys, counting each one
    tui_keys "$@"
    PRESSES=$((PRESSES + $#))
}
k T
tui_check "triage inbox opens with the count" "cases left"
SIGNALS=$(echo "$INBOX" | cut -d' ' -f1-5)
for n in $SIGNALS; do
    tui_wait 5 "#$n " || kb_fail "signal #$n not shown"
    k d
    tui_wait 3 "Lead department of #$n" || kb_fail "lead picker for #$n"
    k 1
    tui_wait_gone 3 "Lead department of #$n"
    k i
    tui_wait 3 "Involved department of #$n" || kb_fail "involved picker for #$n"
    k 2
    tui_wait_gone 3 "Involved department of #$n"
    k a
    tui_wait 3 "Action line of #$n" || kb_fail "line picker for #$n"
    k 1
    tui_wait_gone 3 "Action line of #$n"
    k g
    tui_wait 3 "Policy hook for #$n" || kb_fail "hook picker for #$n"
    k 1
    tui_wait_gone 3 "Policy hook for #$n"
    k x
    tui_wait 3 "Next step for #$n" || kb_fail "next-step line for #$n"
    k Enter
    tui_wait 3 "#$n: next step added" || kb_fail "next step for #$n"
    k L
    tui_wait 3 "#$n: moved to" || kb_fail "#$n moved on"
done
tui_check "the next signal appears after the fifth" "cases left"
kb_pass "five signals triaged in $PRESSES key presses"
check "under the bar of 60 key presses ($PRESSES)" [ "$PRESSES" -lt 60 ]

# ---- the next step's suggestion is selected text: the first key typed
# replaces it; Backspace and line-start keep it for editing; @owner and the due
# date are taken out of the text wherever they are typed
S6=$(echo "$INBOX" | cut -d' ' -f6)
tui_wait 5 "#$S6 " || kb_fail "signal #$S6 not shown"
tui_keys x
tui_check "the next-step line suggests a first contact" "> First contact with the entrepreneur @"
tui_type "Bel de ondernemer @makelaar 3d"
tui_check "typing replaced the suggestion" "> Bel de ondernemer @makelaar 3d"
tui_keys Enter
tui_wait_gone 3 "Next step for #$S6"
tui_check "the typed next step is added" "#$S6: next step added"
tui_keys x
tui_check "the suggestion again" "> First contact with the entrepreneur @"
tui_keys BSpace BSpace
tui_type "2w"
tui_keys C-a # line-start (Home)
tui_type "Now: "
tui_check "Backspace and line-start kept the suggestion" "> Now: First contact with the entrepreneur @"
tui_keys Enter
tui_wait_gone 3 "Next step for #$S6"
tui_check "the edited suggestion is added" "#$S6: next step added"
tui_keys x
tui_type "Mail @makelaar 1w de wethouder"
tui_keys Enter
tui_wait_gone 3 "Next step for #$S6"
tui_check "a next step with @owner and due inside the text" "#$S6: next step added"
kba --db "$DB" --json case show "$S6" >"$T/c$S6.json"
R=$(python3 - "$T/c$S6.json" <<'EOF'
import datetime, json, sys
c = json.load(open(sys.argv[1]))
today = datetime.date.today()
def day(n): return (today + datetime.timedelta(days=n)).isoformat()
acts = {a["text"]: a for a in c.get("actions", [])}
want = {"Bel de ondernemer": ("makelaar", 3),
        "Now: First contact with the entrepreneur": (None, 14),
        "Mail de wethouder": ("makelaar", 7)}
bad = []
for text, (owner, n) in want.items():
    a = acts.get(text)
    if not a: bad.append("no action %r" % text); continue
    if owner and a.get("owner") != owner: bad.append("%r: owner %s" % (text, a.get("owner")))
    if not a.get("owner"): bad.append("%r: no owner" % text)
    if a.get("due") not in (day(n), day(n + 1)): bad.append("%r: due %s" % (text, a.get("due")))
print("; ".join(bad) or "ok", "|", sorted(acts))
EOF
)
check "next steps stored with text, owner and due apart ($R)" [ "${R%% |*}" = ok ]

GOALS=$(kba --db "$DB" --json goal list)
for n in $SIGNALS; do
    kba --db "$DB" --json case show "$n" >"$T/c$n.json"
    R=$(python3 - "$T/c$n.json" "$GOALS" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
goals = {g["code"]: g["dept"] for g in json.loads(sys.argv[2])}
bad = []
if not c.get("lead_dept"): bad.append("no lead")
if not c.get("depts"): bad.append("no involved department")
if not c.get("action_line"): bad.append("no action line")
picked = [h for h in c.get("hooks", []) if h in goals]
if not picked: bad.append("no goal as hook")
elif goals[picked[-1]] not in [c.get("lead_dept")] + c.get("depts", []): bad.append("goal of another department")
if c.get("stage") == "signal": bad.append("still a signal")
acts = c.get("actions", [])
if not any(a.get("owner") and a.get("due") and a["text"].startswith("First contact") for a in acts): bad.append("no next step with owner and due date")
print("; ".join(bad) or "ok")
EOF
)
    check "#$n triaged: lead, involved, line, goal hook, next step, moved on ($R)" [ "$R" = ok ]
done

# ---- the new-case form: first stage, similar cases, one key links
k Escape
tui_wait_gone 3 "cases left"
expect_rc 0 "a case to find" kba --db "$DB" case add --title "Café de Zwaan wil een terras aan de kade" \
    --org "Café de Zwaan" --stage explore --dept ECO
ZWAAN=$(printf '%s' "$OUT" | tr -dc 0-9)
tui_keys C-l
tui_keys l l # the cursor on another stage: the new case still starts in the first one
tui_keys n
tui_check "new-case form" "New case"
tui_check "the form starts in the first stage" "Signaal"
tui_type "Cafe de Zwaan terras kade"
tui_check "a similar case is listed while typing" "#$ZWAAN Café de Zwaan"
tui_keys C-d
tui_check "one key saves the new case as its duplicate" "duplicate of #$ZWAAN"
NEW=$(kba --db "$DB" --json case list 'text:"Cafe de Zwaan terras kade"' | json_get 0.id)
kba --db "$DB" --json case show "$NEW" >"$T/new.json"
R=$(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
ok = any(l["from"] == c["id"] and l["to"] == int(sys.argv[2]) and l["kind"] == "duplicate" for l in c["links"])
print("ok" if ok and c["stage"] == "signal" else json.dumps(c["links"]) + " " + c["stage"])' "$T/new.json" "$ZWAAN")
check "the new case is a duplicate of #$ZWAAN, in the first stage ($R)" [ "$R" = ok ]

# Esc on a typed form asks first
tui_keys n
tui_check "empty form" "New case"
tui_type "Half getypt"
tui_esc
tui_check "Esc on a typed form asks" "Discard changes? y/n"
tui_type n
tui_check "n keeps the input" "Half getypt"
tui_esc
tui_check "asks again" "Discard changes? y/n"
tui_type y
tui_check "y discards" "New case discarded"
tui_keys n
tui_check "an untouched form" "New case"
tui_esc
tui_check "Esc on an untouched form closes at once" "New case discarded"
tui_quit
check "the TUI exits 0 ($TUI_RC)" [ "$TUI_RC" = 0 ]

# ---- at 80x24: the triage picker clears its whole band; the move-reason
# label is shown whole, and shortened with its ": " kept when narrow; a move
# into the stage a case is in says so and leaves nothing to undo
PROG=$(kba --db "$DB" --json case list stage:progress | json_get 0.id)
tui_start 80 24
tui_check "board at 80x24" "Signaal"
tui_keys T
tui_check "triage inbox at 80x24" "cases left"
tui_keys d
tui_check "lead picker at 80x24" "Lead department of #"
tui_screen >"$T/picker.txt"
R=$(python3 - "$T/picker.txt" <<'EOF'
import sys
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
top = next(i for i, r in enumerate(rows) if "Lead department of #" in r)
foot = next(i for i, r in enumerate(rows) if i > top and "type to narrow" in r)
x, w = (80 - 72) // 2, 72  # the picker's box
bad = [r for r in rows[top:foot + 1] if r[:x].strip() or r[x + w:].strip()]
print("ok" if not bad else " / ".join(bad))
EOF
)
check "nothing of the screen behind shows around the picker ($R)" [ "$R" = ok ]
tui_keys Escape
tui_wait_gone 3 "Lead department of"
tui_keys Escape
tui_wait_gone 3 "cases left"
tui_keys :
tui_type "open $PROG"
tui_keys Enter
tui_check "case #$PROG opens" "#$PROG"
tui_keys L
tui_check "the move asks for a reason" "Reason for moving #$PROG to"
tui_type "Klaar"
tui_check "the whole label at 80 columns, then the text" "Reason for moving #$PROG to Geborgd/Afgerond: Klaar"
tmux -L "$SOCK" resize-window -t tui -x 50 -y 24
tui_check "narrow: the label shortened, its ': ' kept" "…: Klaar"
tmux -L "$SOCK" resize-window -t tui -x 80 -y 24
tui_esc
tui_wait_gone 3 "Reason for moving"
tui_keys :
tui_type "move $PROG progress"
tui_keys Enter
tui_check ":move into its own stage says so" "#$PROG is already in In uitvoering"
tui_keys u
tui_check "and leaves nothing to undo" "Nothing to undo"
# a triage decision is the last change: u undoes it, u again redoes it
tui_keys Escape
tui_wait_gone 3 "Policy hooks"
tui_keys T
tui_check "triage inbox again" "cases left"
tui_keys A
tui_check "the agenda key decides" "the agenda"
tui_keys u
tui_check "u undoes the triage decision" "Undone: #"
tui_keys u
tui_check "u again says it redid it" "Redone: #"
# a next step cannot be undone: u says so, and reverts nothing older
tui_keys x
tui_check "next-step line" "Next step for #"
tui_type "bellen"
tui_keys Enter
tui_check "next step added" "next step added"
tui_keys u
tui_check "u says the next step cannot be undone" "cannot be undone"
tui_esc
tui_wait_gone 3 "cases left"
tui_quit
check "the TUI exits 0 ($TUI_RC)" [ "$TUI_RC" = 0 ]
N0=$(kba --db "$DB" --json case show "$PROG" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["timeline"]))')
expect_rc 0 "case move into its own stage: exit 0" kba --db "$DB" case move "$PROG" progress
check "  and says it is already there ($OUT)" [ "$OUT" = "#$PROG is already in In uitvoering" ]
N1=$(kba --db "$DB" --json case show "$PROG" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["timeline"]))')
check "  with no timeline entry ($N0 -> $N1)" [ "$N0" = "$N1" ]

# ---- links: two cases have one link (a contradiction is refused and says
# what exists and how to change it), `case unlink` removes a wrong one; a
# duplicate leaves the triage inbox (CLI and TUI agree); an involved
# department made the lead leaves the involved ones
newcase() { kba --db "$DB" case add --title "$1" "${@:2}" | tr -dc 0-9; }
LA=$(newcase "Koppeltest: signaal A")
LB=$(newcase "Koppeltest: signaal B")
LC=$(newcase "Koppeltest: signaal C")
LD=$(newcase "Koppeltest: signaal D")
inbox_n() { kba --db "$DB" --json triage list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
N0=$(inbox_n)
expect_rc 0 "#$LA duplicate of #$LB" kba --db "$DB" case link "$LA" "$LB" --as duplicate
N1=$(inbox_n)
check "the duplicate left the triage inbox ($N0 -> $N1)" [ "$N1" = $((N0 - 1)) ]
expect_rc 0 "triage list" kba --db "$DB" triage list
check "  triage list counts it ($N1)" contains "$OUT" "$N1 cases to triage"
check "  and does not list #$LA" eval '! printf "%s" "$OUT" | grep -q "^#$LA "'
expect_rc 65 "each a duplicate of the other: refused" kba --db "$DB" case link "$LB" "$LA" --as duplicate
check "  says which link exists ($ERR)" contains "$ERR" "#$LA is already a duplicate of #$LB"
check "  and how to change it" contains "$ERR" "kernboard case unlink $LA $LB"
expect_rc 65 "related next to duplicate: refused" kba --db "$DB" case link "$LA" "$LB" --as related
expect_rc 0 "#$LC blocks #$LD" kba --db "$DB" case link "$LC" "$LD" --as blocks
expect_rc 65 "blocking each other: refused" kba --db "$DB" case link "$LD" "$LC" --as blocks
check "  says which ($ERR)" contains "$ERR" "#$LC already blocks #$LD"
expect_rc 0 "#$LD blocks #$LA" kba --db "$DB" case link "$LD" "$LA" --as blocks
expect_rc 65 "a blocks circle through #$LD: refused" kba --db "$DB" case link "$LA" "$LC" --as blocks
check "  names the path ($ERR)" contains "$ERR" "#$LC already blocks #$LA (through #$LD)"
expect_rc 64 "case unlink needs two cases" kba --db "$DB" case unlink "$LA"
expect_rc 66 "case unlink of a kind that is not there" kba --db "$DB" case unlink "$LB" "$LA" --as related
expect_rc 66 "case unlink of cases that are not linked" kba --db "$DB" case unlink "$LB" "$LC"
expect_rc 0 "case unlink, named from the other end" kba --db "$DB" case unlink "$LB" "$LA"
check "  prints the link removed ($OUT)" [ "$OUT" = "Link removed: #$LA duplicate #$LB" ]
expect_rc 66 "  and it is gone" kba --db "$DB" case unlink "$LA" "$LB"
check "  the inbox has #$LA again" [ "$(inbox_n)" = "$N0" ]
R=$(kba --db "$DB" --json case show "$LA" | python3 -c '
import json, sys
c = json.load(sys.stdin)
texts = [t["text"] for t in c["timeline"]]
ok = "link removed: #%s duplicate" % sys.argv[1] in texts and not any(l["kind"] == "duplicate" for l in c["links"])
print("ok" if ok else json.dumps([texts, c["links"]]))' "$LB")
check "the timeline says the link was removed ($R)" [ "$R" = ok ]
expect_rc 0 "case unlink --json" kba --db "$DB" --json case unlink "$LC" "$LD" --as blocks
check "  prints the removed links" [ "$(printf '%s' "$OUT" | json_get 0.kind)" = blocks ]
# an involved department made the lead (audit #3)
LE=$(newcase "Koppeltest: overdracht" --dept INC --also SOC,OND)
expect_rc 0 "case edit --dept OND, OND involved: the lead changes" kba --db "$DB" case edit "$LE" --dept OND
check "  OND is the lead" [ "$(case_field "$LE" lead_dept)" = OND ]
check "  and no longer involved" [ "$(case_field "$LE" depts)" = '["SOC"]' ]
R=$(kba --db "$DB" --json case show "$LE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["timeline"][-1]["text"])')
check "  one change, both in the timeline ($R)" [ "$R" = "lead department: INC -> OND; departments: SOC,OND -> SOC" ]
expect_rc 65 "--dept SOC --also SOC: refused" kba --db "$DB" case edit "$LE" --dept SOC --also SOC
check "  with a true message ($ERR)" contains "$ERR" "department SOC is the lead department; do not list it again"
expect_rc 0 "verify after the link changes" kba --db "$DB" verify

# the TUI: the picker's Down arrow moves the highlight; an involved
# department picked as the lead; D takes the signal out of the inbox and
# `:unlink` brings it back, the count following
expect_rc 0 "a signal with involved departments" kba --db "$DB" case edit "$LA" --also SOC,OND
tui_start 80 24
tui_check "board for the link checks" "Signaal"
tui_keys T
tui_check "triage inbox" "cases left"
# skip to #LA (the newest signals come last), waiting for each next one
shown() { tui_screen | sed -n '3s/^ #\([0-9]*\) .*/\1/p'; }
for i in $(seq 1 60); do
    CUR=$(shown)
    [ "$CUR" = "$LA" ] && break
    tui_keys s
    deadline=$(($(date +%s%N) / 1000000 + 3000))
    while [ "$(shown)" = "$CUR" ] && [ $(($(date +%s%N) / 1000000)) -lt "$deadline" ]; do
        sleep 0.05
    done
done
tui_check "the triage inbox shows #$LA" "#$LA Koppeltest: signaal A" 5
tui_keys d
tui_check "lead picker" "Lead department of #$LA"
tui_check "the picker's footer names the arrows" "Up/Down move"
ROW2=$(tui_screen | sed -n 's/^ *2 \([A-Z]*\) .*/\1/p' | head -1)
tui_keys Down Down Up Enter
tui_wait_gone 3 "Lead department of #$LA"
check "Down, Down, Up picks row 2 ($ROW2)" [ "$(case_field "$LA" lead_dept)" = "$ROW2" ]
tui_keys d
tui_check "lead picker again" "Lead department of #$LA"
tui_type ond
tui_keys Enter
tui_check "an involved department as the lead says it left" "#$LA: lead department set; OND is no longer involved"
check "  OND is the lead" [ "$(case_field "$LA" lead_dept)" = OND ]
check "  SOC still involved" [ "$(case_field "$LA" depts)" = '["SOC"]' ]
NB=$(inbox_n)
tui_check "the count before D" "inbox: $NB cases left"
tui_keys D
tui_check "duplicate picker" "#$LA is a duplicate of"
tui_type "#$LB"
tui_keys Enter
tui_check "D marks it" "#$LA: marked as duplicate of #$LB"
tui_check "the count goes down" "inbox: $((NB - 1)) cases left"
check "triage list agrees" [ "$(inbox_n)" = $((NB - 1)) ]
tui_keys :
tui_type "unlink $LA $LB"
tui_keys Enter
tui_check ":unlink removes the link" "Link removed: #$LA duplicate #$LB"
tui_check "the count goes up again" "inbox: $NB cases left"
tui_esc
tui_wait_gone 3 "cases left"
tui_quit
check "the TUI exits 0 ($TUI_RC)" [ "$TUI_RC" = 0 ]

# ---- search is accent- and case-insensitive
expect_rc 0 "case list text:cafe" kba --db "$DB" --json case list 'text:cafe'
check "text:cafe finds Café de Zwaan" contains "$OUT" "de Zwaan wil een terras"

# ---- hooks: --hook adds, --set-hooks replaces, free text is kept
expect_rc 0 "hook as free text" kba --db "$DB" case edit "$ZWAAN" --hook "Terrassenbeleid 2027"
expect_rc 0 "--hook adds a goal" kba --db "$DB" case edit "$ZWAAN" --hook binnenstad
H=$(case_field "$ZWAAN" hooks)
check "both hooks kept ($H)" contains "$H" "Terrassenbeleid 2027"
check "the goal added ($H)" contains "$H" "binnenstad"
expect_rc 0 "--set-hooks replaces" kba --db "$DB" case edit "$ZWAAN" --set-hooks "binnenstad"
H=$(case_field "$ZWAAN" hooks)
check "only the goal left ($H)" [ "$H" = '["binnenstad"]' ]
expect_rc 0 "goal add --promote" kba --db "$DB" case edit "$ZWAAN" --hook "Terrassen in de binnenstad"
expect_rc 0 "promote a free-text hook" kba --db "$DB" goal add ECO terras "Terrassen in de binnenstad" \
    --promote "terrassen in de binnenstad"
H=$(case_field "$ZWAAN" hooks)
check "the free-text hook became the goal ($H)" [ "$H" = '["binnenstad", "terras"]' ]
expect_rc 0 "verify" kba --db "$DB" verify

finish
