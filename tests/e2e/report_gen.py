#!/usr/bin/env python3
"""report_gen.py - a board with known stage histories for test_report.sh.

gen OUT.json EXPECT.json: write an import file (cases with timelines of
stage moves at known dates relative to today, action items, organisations,
stage norms) and the report numbers expected for it, computed here
independently of kernboard (docs/reports.md has the definitions)."""
import datetime as dt
import json
import math
import random
import sys

STAGES = ["signal", "explore", "connect", "progress", "done"]
NORMS = {"signal": 14, "explore": 30, "connect": 0, "progress": 60, "done": 0}
DEPTS = ["ECO", "INC", "DUU", "INK", "VAS", "SOC"]
LINES = ["service", "trade", "procure", "finance", "visible"]
ORGS = {"Bakkerij Jansen": "entrepreneur", "Stichting Groen": "foundation",
        "Provincie": "government", "ROC": "partner"}


def median(v):
    v = sorted(v)
    n = len(v)
    m = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    return int(m) if m == int(m) else m


def p80(v):
    v = sorted(v)
    return v[max(1, math.ceil(0.8 * len(v))) - 1]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main(out, expect):
    rnd = random.Random(13)
    today = dt.date.today()
    noon = dt.datetime(today.year, today.month, today.day, 12, 0, 0)
    cases, actions, expected_cases = [], [], []
    for n in range(1, 41):
        age0 = rnd.randint(5, 400)  # created this many days ago
        created = noon - dt.timedelta(days=age0)
        final = rnd.randrange(len(STAGES))
        t = created
        tl = [{"kind": "change", "author": "alice", "text": "case created", "time": iso(t)}]
        left = age0
        for s in range(1, final + 1):
            step = rnd.randint(0, max(0, left // (final - s + 2)))
            left -= step
            t = t + dt.timedelta(days=step)
            tl.append({"kind": "change", "author": "alice", "time": iso(t),
                       "text": "stage: %s -> %s" % (STAGES[s - 1], STAGES[s]),
                       "move_from": STAGES[s - 1], "move_to": STAGES[s]})
        lead = rnd.choice(DEPTS[:3] + [None])
        also = [d for d in rnd.sample(DEPTS, rnd.randint(0, 2)) if d != lead]
        line = rnd.choice(LINES + [None])
        hooks = rnd.sample(["Werk", "Groen", "Innovatie"], rnd.randint(0, 2))
        orgs = rnd.sample(list(ORGS) + ["Onbekend BV"], rnd.randint(0, 2))
        blocked = "wacht op ontheffing" if n % 7 == 0 else None
        c = {"id": n, "title": "Casus %d" % n, "stage": STAGES[final], "depts": also,
             "hooks": hooks, "orgs": orgs, "created": iso(created), "updated": iso(t),
             "moved": iso(t), "timeline": tl}
        if lead:
            c["lead_dept"] = lead
        if line:
            c["action_line"] = line
        if blocked:
            c["blocked"] = blocked
        cases.append(c)
        expected_cases.append(dict(n=n, created=created.date(), moved=t.date(),
                                   stage=STAGES[final], lead=lead, also=also, line=line,
                                   hooks=hooks, orgs=orgs, blocked=blocked))
        for k in range(rnd.randint(0, 2)):
            due = today + dt.timedelta(days=rnd.randint(-30, 30))
            done = rnd.random() < 0.4
            actions.append({"case": n, "text": "Bellen %d" % k, "owner": "alice",
                            "due": due.isoformat(), "done": done})
    doc = {"format": "kernboard-export", "format_version": 1, "stages": [{"code": s, "name": s.capitalize(), "position": i + 1,
                       "norm_days": NORMS[s]} for i, s in enumerate(STAGES)],
           "organisations": [{"name": k, "kind": v} for k, v in ORGS.items()],
           "cases": cases, "actions": actions}
    json.dump(doc, open(out, "w"), indent=1)

    # ---- the expected numbers
    E = {}
    E["stages"] = {}
    for s in STAGES:
        row = {d: 0 for d in DEPTS}
        row["none"] = 0
        row["total"] = 0
        for c in expected_cases:
            if c["stage"] == s:
                row["total"] += 1
                row[c["lead"] if c["lead"] else "none"] += 1
        E["stages"][s] = row
    E["ages"] = {}
    for s in STAGES:
        ages = [(today - c["moved"]).days for c in expected_cases if c["stage"] == s]
        row = {"cases": len(ages),
               "norm_days": NORMS[s] or None,
               "median_days": median(ages) if ages else None,
               "p80_days": p80(ages) if ages else None,
               "max_days": max(ages) if ages else None,
               "past_norm": sum(1 for a in ages if NORMS[s] and a > NORMS[s])}
        E["ages"][s] = row
    done = [c for c in expected_cases if c["stage"] == "done"]
    lead = {}

    def group(by, key, cs):
        days = [(c["moved"] - c["created"]).days for c in cs]
        if days:
            lead[by + ":" + key] = {"cases": len(days), "median_days": median(days),
                                     "p80_days": p80(days)}
    group("all", "all", done)
    for d in DEPTS:
        group("dept", d, [c for c in done if c["lead"] == d])
    group("dept", "-", [c for c in done if not c["lead"]])
    for l in LINES:
        group("line", l, [c for c in done if c["line"] == l])
    group("line", "-", [c for c in done if not c["line"]])
    E["leadtime"] = lead
    months = {}
    for c in done:
        m = c["moved"].strftime("%Y-%m")
        months[m] = months.get(m, 0) + 1
    E["throughput"] = months
    ncross = sum(1 for c in expected_cases
                 if len(set(([c["lead"]] if c["lead"] else []) + c["also"])) >= 2)
    E["cross"] = {"cases": len(expected_cases), "cross": ncross,
                  "percent": (ncross * 100 + len(expected_cases) // 2) // len(expected_cases)}
    stuck = []
    for c in expected_cases:
        age = (today - c["moved"]).days
        past = NORMS[c["stage"]] > 0 and age > NORMS[c["stage"]]
        if past or c["blocked"]:
            stuck.append({"id": c["n"], "days": age, "past_norm": past,
                          "blocked": c["blocked"]})
    stuck.sort(key=lambda r: (-r["days"], r["id"]))
    E["stuck"] = stuck
    acts = {}
    for a in actions:
        c = expected_cases[a["case"] - 1]
        d = c["lead"] or "-"
        r = acts.setdefault(d, {"items": 0, "done": 0, "open": 0, "late": 0})
        r["items"] += 1
        due = dt.date.fromisoformat(a["due"])
        if a["done"]:
            r["done"] += 1
        elif due < today:
            r["late"] += 1
        else:
            r["open"] += 1
    for r in acts.values():
        r["on_time"] = r["done"] + r["open"]
    E["actions"] = acts
    hooks = {}
    for c in expected_cases:
        for h in set(c["hooks"]):
            hooks[h] = hooks.get(h, 0) + 1
    E["hooks"] = hooks
    kinds = {k: 0 for k in ["entrepreneur", "foundation", "partner", "government", "other",
                            "unknown", "none"]}
    for c in expected_cases:
        seen = {ORGS.get(o, "unknown") for o in c["orgs"]}
        for k in seen:
            kinds[k] += 1
        if not c["orgs"]:
            kinds["none"] += 1
    E["orgkinds"] = kinds
    json.dump(E, open(expect, "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv[2], sys.argv[3])
