#!/usr/bin/env bash
# test_export_concurrent.sh - an export is one state of the board although
# it does not hold the board's lock while it copies (issue 16):
#   - a writer makes changes "seq-1", "seq-2", ... one after the other, to
#     cases 1..K in turn — odd ones `case edit --title seq-I` (the case
#     record and a timeline entry), even ones `case comment ... seq-I` (a
#     timeline entry) — while `export --format json` runs with its chunks
#     made tiny (KERNBOARD_SNAPSHOT_CHUNK=2: a thousand read transactions,
#     the writer commits between them);
#   - every writer exits 0, the export exits 0;
#   - the export is the board after change M for one M: every comment and
#     title-change timeline entry up to M and none after it, every case's
#     title the last one it got up to M (a torn copy — the cases copied
#     before a change, the timelines after it or after a later one — shows
#     a gap or an old title); M is at least the number of changes
#     committed before the export started;
#   - changes landed while the export ran (else the run is inconclusive
#     and the test fails loudly: give it a bigger board, KB_EC_CASES);
#   - a bad KERNBOARD_SNAPSHOT_CHUNK is one line and exit 64.
# The board is made by kb-genboard (tests/tools/kb_genboard.c).  No fixed
# sleeps: the export starts once the writer has committed twice.
. "$(dirname "$0")/lib.sh"
kb_setup

CASES=${KB_EC_CASES:-1500}
K=20
GEN=${KB_GENBOARD:-}
[ -n "$GEN" ] && [ -x "$GEN" ] || GEN=$KB_BUILD/tests/kb-genboard
[ -x "$GEN" ] || die "no kb-genboard (KB_GENBOARD) to make the board"

B=$T/b.kb
init_board "$B"
"$GEN" "$B" alice "$PASS" "$CASES" 300 7 >"$T/gen.out" 2>"$T/gen.err" ||
    die "kb-genboard: $(cat "$T/gen.err")"
kb_log "board: $(cat "$T/gen.out")"

# a bad chunk size is a usage error before anything runs
KERNBOARD_SNAPSHOT_CHUNK=0 expect_rc 64 "KERNBOARD_SNAPSHOT_CHUNK=0" kba --db "$B" export --format json
check "  names the variable and the range ($ERR)" \
    contains "$ERR" "KERNBOARD_SNAPSHOT_CHUNK='0' is not a whole number from 1 to 1000000"

# ---- the writer: one change at a time, each line "i rc" when it ended
: >"$T/done"
(
    i=0
    while [ ! -e "$T/stop" ]; do
        i=$((i + 1))
        if [ $((i % 2)) = 1 ]; then
            kba --db "$B" case edit $(((i - 1) % K + 1)) --title "seq-$i" >/dev/null 2>>"$T/w.err"
        else
            kba --db "$B" case comment $(((i - 1) % K + 1)) "seq-$i" >/dev/null 2>>"$T/w.err"
        fi
        echo "$i $?" >>"$T/done"
    done
) &
WPID=$!
at_exit "kill $WPID"
wait_for 120 lines_ge "$T/done" 2 || die "the writer made no changes: $(cat "$T/w.err")"
N0=$(wc -l <"$T/done")
KERNBOARD_SNAPSHOT_CHUNK=2 run kba --db "$B" export --format json --out "$T/x.json"
XRC=$RC XERR=$ERR
N1=$(wc -l <"$T/done")
touch "$T/stop"
wait "$WPID"
check "the export succeeds (exit $XRC: $XERR)" [ "$XRC" = 0 ]
check "every writer succeeded ($(grep -vc ' 0$' "$T/done") failed: $(head -3 "$T/w.err"))" \
    [ "$(grep -vc ' 0$' "$T/done")" = 0 ]
[ "$N1" -ge "$((N0 + 2))" ] ||
    die "inconclusive: only $((N1 - N0)) changes were committed while the export ran; use a bigger board (KB_EC_CASES)"
kb_pass "$((N1 - N0)) changes were committed while the export ran"

cat >"$T/check.py" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
n0, k = int(sys.argv[2]), int(sys.argv[3])


def seq(t):
    m = re.fullmatch(r"seq-(\d+)", t or "")
    return int(m.group(1)) if m else 0


def case(i):
    return (i - 1) % k + 1


# comments (even changes), titles, and the timeline entries of the title
# changes (odd ones: "seq-I" named in a change entry of its case)
comments, titles, edits = {}, {}, set()
for c in d["cases"]:
    titles[c["id"]] = seq(c["title"])
    for e in c.get("timeline", []):
        if e.get("kind") == "comment" and seq(e.get("text")):
            comments[seq(e["text"])] = c["id"]
        if e.get("kind") == "change":
            edits.update(int(x) for x in re.findall(r"seq-(\d+)", e.get("text") or "")
                         if int(x) % 2 == 1 and case(int(x)) == c["id"])
m = max(list(comments) + list(titles.values()) + list(edits) + [0])
for i in range(1, m + 1):
    if i % 2 == 0 and comments.get(i) != case(i):
        sys.exit("not one state: seq-%d is in the export, the comment seq-%d is not" % (m, i))
    if i % 2 == 1 and i not in edits:
        sys.exit("not one state: seq-%d is in the export, the timeline entry of seq-%d is not"
                 % (m, i))
for cid in range(1, k + 1):
    want = max([i for i in range(1, m + 1, 2) if case(i) == cid] + [0])
    if titles.get(cid) != want:
        sys.exit("not one state: seq-%d is in the export, but case #%d has title seq-%d, not seq-%d"
                 % (m, cid, titles.get(cid), want))
if sorted(comments) != list(range(2, m + 1, 2)):
    sys.exit("comments that do not belong: %s" % sorted(comments))
if m < n0:
    sys.exit("only changes up to seq-%d, but %d were committed before the export started" % (m, n0))
print(m)
EOF
run python3 "$T/check.py" "$T/x.json" "$N0" "$K"
check "the export is one state of the board: the changes seq-1..seq-$OUT ($ERR)" [ "$RC" = 0 ]
finish
