#!/usr/bin/env bash
# test_demo.sh - `kernboard demo BOARD` (used by scripts/demo): a board with
# about 40 Dutch example cases over 8 departments, with overdue action items
# and cross-domain cases, that verifies; the passphrase file next to it
# opens it; running it again on the same path exits 73 and changes nothing;
# a demo that fails half-way leaves no board behind.
# Its history lies in the past months, not at the moment it was made
# (docs audit: all cases were created "now", the meeting's decisions were
# dated after the meeting, ages, lead times and stuck lists were empty):
# cases came in on many days, each timeline is in time order, the past
# meeting's decisions carry its date, cases past their stage norm are
# stuck (#34 in Signaal for 61 days, as the docs show), lead times and
# days in stage are not 0, and follow-ups came after the meeting.
. "$(dirname "$0")/lib.sh"
kb_setup

D=$T/demo
mkdir -p "$D"
B=$D/kernteam.kb
P=$D/demo-passphrase.txt
kbd() { "$KB_BIN" --db "$B" --user makelaar --passphrase-file "$P" "$@"; }

DAY0=$(date +%F)
expect_rc 0 "demo creates the board" kb demo "$B"
check "demo created BOARD and BOARD.lock" [ -f "$B" -a -f "$B.lock" ]
check "demo prints the passphrase" contains "$OUT" "demo passphrase: kernteam-demo"
check "demo prints how to open it" contains "$OUT" "--user makelaar"
check "demo-passphrase.txt next to the board" [ -f "$P" ]
check "demo-passphrase.txt has mode 0600" [ "$(stat -c %a "$P" 2>/dev/null)" = 600 ]

expect_rc 0 "case list --json" kbd --json case list
printf '%s' "$OUT" >"$T/cases.json"
NCASES=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/cases.json" 2>/dev/null)
check "about 40 cases ($NCASES)" [ "${NCASES:-0}" -ge 35 -a "${NCASES:-0}" -le 50 ]
MULTI=$(python3 -c '
import json, sys
cs = json.load(open(sys.argv[1]))
print(sum(1 for c in cs if len(set([c["lead_dept"]] + c["depts"])) > 1))' "$T/cases.json" 2>/dev/null)
check "at least 3 cases with more than one department ($MULTI)" [ "${MULTI:-0}" -ge 3 ]
STAGES=$(python3 -c '
import json, sys
print(len({c["stage"] for c in json.load(open(sys.argv[1]))}))' "$T/cases.json" 2>/dev/null)
check "cases in every one of the 5 stages ($STAGES)" [ "${STAGES:-0}" = 5 ]
check "Dutch demo data (a festival case)" contains "$OUT" "Zomer aan de Gracht"

expect_rc 0 "dept list --json" kbd --json dept list
NDEPTS=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
check "8 departments ($NDEPTS)" [ "${NDEPTS:-0}" = 8 ]
check "departments have Dutch names" contains "$OUT" "Economie"

expect_rc 0 "action list --overdue --json" kbd --json action list --overdue
NOVER=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
check "at least one overdue action item ($NOVER)" [ "${NOVER:-0}" -ge 1 ]

expect_rc 0 "user list" kbd user list
check "the team is on the board" contains "$OUT" "fatima.elamrani"
expect_rc 0 "a member opens the board with the demo passphrase" \
    "$KB_BIN" --db "$B" --user jan.devries --passphrase-file "$P" case show 4
check "the past meeting's decision is on the case" contains "$OUT" "Besloten dat Pieter Bakker"
run kbd meeting list --json
MEET=$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), len(d[0]["agenda"]), len(d[0]["attendees"]))' 2>/dev/null)
check "one past meeting with agenda and attendees ($MEET)" [ "${MEET%% *}" = 1 ]
run kbd meeting show M1 --json
NDEC=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["decisions"]))' 2>/dev/null)
check "the meeting has its decisions ($NDEC)" [ "${NDEC:-0}" -ge 5 ]

# ---- the history: back-dated, consistent, relative to today
expect_rc 0 "export --format json (every case with its timeline)" \
    kbd export --format json --out "$T/e.json"
check "the cases came in on many days over the past months, none today" python3 -c '
import json, sys, datetime
cs = json.load(open(sys.argv[1]))
today = datetime.date.today()
days = sorted({datetime.datetime.fromisoformat(c["created"].replace("Z", "+00:00")).astimezone().date()
               for c in cs})
assert len(days) >= 25, days
assert days[-1] < today and (today - days[0]).days >= 180, (days[0], days[-1])' "$T/cases.json"
check "every timeline is in time order, starts when its case came in and ends by now" python3 -c '
import json, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).isoformat()[:19] + "Z"
for c in json.load(open(sys.argv[1]))["cases"]:
    t = [x["time"] for x in c["timeline"]]
    assert t == sorted(t), (c["id"], t)
    assert c["timeline"][0]["text"] == "case created" and t[0] == c["created"], (c["id"], t[0])
    assert t[-1] <= now and c["updated"] <= now, (c["id"], t[-1])' "$T/e.json"
run kbd --json meeting show M1
printf '%s' "$OUT" >"$T/m1.json"
check "the past meeting lies before today and its decisions carry its date" python3 -c '
import json, sys, datetime
m = json.load(open(sys.argv[1]))
day = datetime.date.fromisoformat(m["date"])
assert 3 <= (datetime.date.today() - day).days <= 9, day
for d in m["decisions"]:
    t = datetime.datetime.fromisoformat(d["time"].replace("Z", "+00:00")).astimezone().date()
    assert t == day, (d["id"], t, day)' "$T/m1.json"
check "comments after the meeting: the members followed up" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
after = [x for c in json.load(open(sys.argv[2]))["cases"] for x in c["timeline"]
         if x["kind"] == "comment" and x["time"][:10] > m["date"]]
assert len(after) >= 10, len(after)' "$T/m1.json" "$T/e.json"
expect_rc 0 "case list stuck" kbd --json case list stuck
STUCK=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(str(c["id"]) for c in json.load(sys.stdin)))')
check "cases are stuck, in more than one stage ($STUCK)" python3 -c '
import sys; s = sys.argv[1].split(); assert len(s) >= 5 and "34" in s and "8" in s' "$STUCK"
expect_rc 0 "report stuck --json" kbd report stuck --json
check "#34 has been in Signaal for 61 days, past its norm of 14" python3 -c '
import json, sys
r = {x["id"]: x for x in json.load(sys.stdin)["stuck"]}
assert r[34]["days"] == 61 and r[34]["norm_days"] == 14 and r[34]["past_norm"], r.get(34)' <<<"$OUT"
expect_rc 0 "report leadtime --json" kbd report leadtime --json
check "finished cases have lead times of weeks" python3 -c '
import json, sys
a = [x for x in json.load(sys.stdin)["leadtime"] if x["by"] == "all"][0]
assert a["cases"] >= 5 and a["median_days"] >= 30, a' <<<"$OUT"
expect_rc 0 "report throughput --json" kbd report throughput --json
check "cases finished in more than one month" python3 -c '
import json, sys
rows = json.load(sys.stdin)["throughput"]
assert sum(1 for r in rows if r["cases"]) >= 3, rows' <<<"$OUT"
expect_rc 0 "a second demo made now" kb demo "$D/again.kb"
run "$KB_BIN" --db "$D/again.kb" --user makelaar --passphrase-file "$P" --json case list
# (both made on one day: a run across midnight cannot compare them)
[ "$(date +%F)" = "$DAY0" ] &&
    check "... has the same history (deterministic relative to today)" python3 -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(sys.stdin)
key = lambda cs: [(c["id"], c["created"], c["updated"], c["stage"]) for c in cs]
assert key(a) == key(b), [x for x in zip(key(a), key(b)) if x[0] != x[1]][:3]' "$T/cases.json" <<<"$OUT"

expect_rc 0 "verify passes" kbd verify
expect_rc 0 "export --format md" kbd export --format md

SUM=$(sha256sum "$B" | cut -d' ' -f1)
expect_rc 73 "demo again on the same path" kb demo "$B"
check "second demo left the board alone" [ "$(sha256sum "$B" | cut -d' ' -f1)" = "$SUM" ]
expect_rc 65 "demo with a bad --kdf" kb demo "$D/other.kb" --kdf fast
check "bad --kdf created nothing" [ ! -e "$D/other.kb" ]
expect_rc 73 "demo into a missing directory" kb demo "$T/missing/dir/x.kb"
check "failed demo left no files" [ ! -e "$T/missing" ]
# A failure after the board was created (here: the passphrase file cannot
# be written) removes the half-made board.
mkdir -p "$T/half/demo-passphrase.txt"
expect_rc 73 "demo fails when the passphrase file cannot be written" kb demo "$T/half/x.kb"
check "the half-made board was removed" [ ! -e "$T/half/x.kb" -a ! -e "$T/half/x.kb.lock" ]

finish
