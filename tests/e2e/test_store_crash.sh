#!/usr/bin/env bash
# test_store_crash.sh - writers killed with SIGKILL at random moments.
# KB_CRASH_ROUNDS (30) rounds: three writers loop over `case add` and
# `case edit` (each writer edits only its own case). A writer logs a change
# only after its command exited 0 (acknowledged). Each round waits until the
# writers have acknowledged 1-3 new changes (a random number; the wait is
# bounded by KB_CRASH_ACK_WAIT, 120 s, as a failure guard only), then after a
# further random 0-0.3 s kills all of them - the shell loops and the
# kernboard processes - with SIGKILL, so every round kills in the middle of
# real work however slow the machine is. Afterwards the board must open and
# verify, every acknowledged add must be there with its title, and each
# writer's case must hold its last acknowledged title or a later attempted one.
. "$(dirname "$0")/lib.sh"
kb_setup

ROUNDS=${KB_CRASH_ROUNDS:-30}
NW=3
B=$T/board.kb
init_board "$B"
for w in $(seq 1 $NW); do
    kba --db "$B" case add --title "own$w" >/dev/null || die "case add own$w failed"
done

# writer W ROUND: loop forever; log lines "add ID TITLE", "try W TITLE",
# "ack W TITLE", "err RC MESSAGE" to $T/log.W.
writer() {
    local w=$1 r=$2 j=0 title out rc log=$T/log.$1 fd
    for fd in "${LOGFD[@]}" "$TICK"; do exec {fd}<&-; done # the poller's, not ours
    while :; do
        j=$((j + 1))
        if [ $(((j + w + r) % 2)) = 1 ]; then # alternate add/edit, starting differently
            title=add-w$w-r$r-$j
            out=$("$KB_BIN" --user alice --passphrase-file "$PASS" --db "$B" case add --title "$title" --json 2>"$log.err")
            rc=$?
            if [ $rc = 0 ] && [[ $out =~ \"id\":\ *([0-9]+) ]]; then
                echo "add ${BASH_REMATCH[1]} $title" >>"$log"
            elif [ $rc -lt 128 ]; then
                echo "err $rc add: $out $(head -c 200 "$log.err")" >>"$log"
            fi
        else
            title=edit-w$w-r$r-$j
            echo "try $w $title" >>"$log"
            "$KB_BIN" --user alice --passphrase-file "$PASS" --db "$B" case edit "$w" --title "$title" \
                >/dev/null 2>"$log.err"
            rc=$?
            if [ $rc = 0 ]; then
                echo "ack $w $title" >>"$log"
            elif [ $rc -lt 128 ]; then
                echo "err $rc edit: $(head -c 200 "$log.err")" >>"$log"
            fi
        fi
    done
}

# count_logs - add the acknowledged changes (ACKS) and writer errors (ERRS)
# that the writers' logs gained since the last call. Polled often while the
# writers run, so it forks nothing and reads only new lines: each log stays
# open on LOGFD, and a line still being written waits in PART.
LOGFD=() PART=() ACKS=0 ERRS=0
count_logs() {
    local i l
    for i in "${!LOGFD[@]}"; do
        while IFS= read -r -u "${LOGFD[i]}" l; do
            l=${PART[i]}$l PART[i]=
            case $l in
            'add '* | 'ack '*) ACKS=$((ACKS + 1)) ;;
            'err '*) ERRS=$((ERRS + 1)) ;;
            esac
        done
        PART[i]+=$l
    done
}

# wait_acks N - poll until the logs hold at least N acknowledged changes.
# Returns 1 after $ACK_WAIT s without them, 2 as soon as a writer logs an error.
# The 50 ms pause is a read timeout on a FIFO that never gets data (no fork).
mkfifo "$T/tick" || die "cannot make a FIFO in $T"
exec {TICK}<>"$T/tick"
wait_acks() {
    local deadline=$((SECONDS + ACK_WAIT))
    while count_logs && [ "$ACKS" -lt "$1" ]; do
        [ "$ERRS" -gt 0 ] && return 2
        [ "$SECONDS" -ge "$deadline" ] && return 1
        read -r -t 0.05 -u "$TICK" _
    done
}

ACK_WAIT=${KB_CRASH_ACK_WAIT:-120}
for w in $(seq 1 $NW); do
    : >"$T/log.$w"
    exec {fd}<"$T/log.$w"
    LOGFD+=("$fd") PART+=("")
done
PG=()
at_exit 'for p in "${PG[@]}"; do kill -9 -- "-$p"; done'
rounds_log=
for r in $(seq 1 "$ROUNDS"); do
    count_logs
    base=$ACKS
    extra=$((RANDOM % 3))                       # kill after 1-3 new acknowledged changes ...
    delay=$(printf '0.%03d' $((RANDOM % 301))) # ... plus 0-0.3 s, to land mid-command
    PG=()
    set -m # each writer gets its own process group, so kill -9 -PGID hits its children too
    for w in $(seq 1 $NW); do
        writer "$w" "$r" &
        PG+=($!)
    done
    set +m
    wait_acks $((base + 1 + extra))
    wrc=$?
    [ "$wrc" = 2 ] && die "round $r: a writer reported an error: $(grep -h '^err ' "$T"/log.[0-9] | head -3 | tr '\n' ' ')"
    [ "$wrc" = 1 ] && die "round $r: no acknowledged change within $ACK_WAIT s (before: $base, now: $ACKS): $(tail -qn 2 "$T"/log.[0-9] "$T"/log.[0-9].err 2>/dev/null | head -c 600 | tr '\n' ' ')"
    sleep "$delay"
    for p in "${PG[@]}"; do kill -9 -- "-$p" 2>/dev/null; done
    for p in "${PG[@]}"; do wait "$p" 2>/dev/null; done
    PG=()
    count_logs
    rounds_log+=" $r:+$((ACKS - base))"
    if [ $((r % 10)) = 0 ]; then
        expect_rc 0 "verify after round $r" kba --db "$B" verify
    fi
done
kb_log "acknowledged changes per round (round:+count):$rounds_log"

cat "$T"/log.[0-9] >"$T/all.log" 2>/dev/null
nadd=$(grep -c '^add ' "$T/all.log")
nack=$(grep -c '^ack ' "$T/all.log")
kb_log "$ROUNDS rounds: $nadd acknowledged adds, $nack acknowledged edits"
check "writers reported no errors: $(grep '^err ' "$T/all.log" | head -3 | tr '\n' ' ')" \
    [ "$(grep -c '^err ' "$T/all.log")" = 0 ]
check "every round acknowledged changes before the kill (else the test proves nothing)" \
    [ $((nadd + nack)) -ge "$ROUNDS" ]

expect_rc 0 "board opens after the crashes" kba --db "$B" case list --json
printf '%s' "$OUT" >"$T/list.json"
expect_rc 0 "verify after all crashes" kba --db "$B" verify

run python3 - "$T/list.json" "$NW" "$T"/log.[0-9] <<'EOF'
import json, sys
cases = {c["id"]: c["title"] for c in json.load(open(sys.argv[1]))}
nw = int(sys.argv[2])
problems = []
seen = {}
for path in sys.argv[3:]:
    seq = []  # (kind, title) of this writer's own-case edits, in order
    w = None
    for line in open(path):
        f = line.split()
        if f[0] == "add":
            cid, title = int(f[1]), f[2]
            if cid in seen:
                problems.append(f"case #{cid} acknowledged twice: {seen[cid]} and {title}")
            seen[cid] = title
            if cases.get(cid) != title:
                problems.append(f"acknowledged add lost: #{cid} {title!r}, board has {cases.get(cid)!r}")
        elif f[0] in ("try", "ack"):
            w = int(f[1])
            seq.append((f[0], f[2]))
    if w is None:
        continue
    acks = [i for i, (k, _) in enumerate(seq) if k == "ack"]
    allowed = {seq[acks[-1]][1]} if acks else {f"own{w}"}
    allowed |= {t for k, t in seq[(acks[-1] + 1 if acks else 0):] if k == "try"}
    if cases.get(w) not in allowed:
        last = seq[acks[-1]][1] if acks else None
        problems.append(f"case #{w} has {cases.get(w)!r}; last acknowledged edit {last!r}")
for p in problems[:10]:
    print(p)
sys.exit(1 if problems else 0)
EOF
check "every acknowledged change is on the board${OUT:+: $OUT}" [ "$RC" = 0 ]
finish
