#!/usr/bin/env python3
"""report_check.py - compare `report --json` with the numbers report_gen.py
computed independently, and --csv / --md with --json.

  report_check.py json EXPECT.json REPORT.json
  report_check.py csv REPORT.json REPORT.csv
  report_check.py md REPORT.json REPORT.md
Prints one line per mismatch; exit 1 when any."""
import csv
import io
import json
import sys

bad = []


def eq(what, got, want):
    if got != want:
        bad.append("%s: got %r, want %r" % (what, got, want))


def check_json(exp, rep):
    rows = {r["stage"]: r for r in rep["stages"]}
    for s, want in exp["stages"].items():
        for k, v in want.items():
            eq("stages %s %s" % (s, k), rows[s].get(k), v)
    rows = {r["stage"]: r for r in rep["ages"]}
    for s, want in exp["ages"].items():
        for k, v in want.items():
            eq("ages %s %s" % (s, k), rows[s].get(k), v)
    rows = {r["by"] + ":" + r["key"]: r for r in rep["leadtime"]}
    eq("leadtime groups", sorted(rows), sorted(exp["leadtime"]))
    for g, want in exp["leadtime"].items():
        for k, v in want.items():
            eq("leadtime %s %s" % (g, k), rows.get(g, {}).get(k), v)
    got = {r["month"]: r["cases"] for r in rep["throughput"] if r["cases"]}
    eq("throughput", got, exp["throughput"])
    eq("cross", {k: rep["cross"][0][k] for k in ("cases", "cross", "percent")}, exp["cross"])
    got = [{"id": r["id"], "days": r["days"], "past_norm": r["past_norm"],
            "blocked": r["blocked"]} for r in rep["stuck"]]
    eq("stuck", got, exp["stuck"])
    rows = {r["dept"]: r for r in rep["actions"] if r["items"]}
    eq("actions depts", sorted(rows), sorted(exp["actions"]))
    for d, want in exp["actions"].items():
        for k, v in want.items():
            eq("actions %s %s" % (d, k), rows.get(d, {}).get(k), v)
    eq("hooks", {r["hook"]: r["cases"] for r in rep["hooks"]}, exp["hooks"])
    eq("orgkinds", {r["kind"]: r["cases"] for r in rep["orgkinds"]}, exp["orgkinds"])


def text(v):
    if v is None:
        return ""
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if isinstance(v, float):
        return "%.1f" % v
    return str(v)


def sections(rep):
    return {k: v for k, v in rep.items() if isinstance(v, list)}


def check_csv(rep, text_csv):
    got = {}
    for block in text_csv.strip("\n").split("\n\n"):
        rows = list(csv.reader(io.StringIO(block)))
        head = rows[0]
        for r in rows[1:]:
            got.setdefault(r[0], []).append(dict(zip(head[1:], r[1:])))
    for name, rows in sections(rep).items():
        want = [{k: text(v) for k, v in r.items()} for r in rows]
        eq("csv " + name, got.get(name, []), want)


def check_md(rep, md):
    # the tables in order; each row's cells as text
    tables, cur = [], None
    for line in md.splitlines():
        if line.startswith("## "):
            cur = []
            tables.append(cur)
        elif line.startswith("|") and cur is not None and not set(line) <= set("|-:"):
            cur.append([c.strip() for c in line.strip("|").split(" |")])
    secs = list(sections(rep).items())
    eq("md sections", len(tables), len(secs))
    for (name, rows), tab in zip(secs, tables):
        body = tab[1:] if rows else []
        eq("md rows " + name, len(body), len(rows))
        for r, cells in zip(rows, body):
            # every number of the JSON row appears in the Markdown row, in order
            nums = [text(v) for v in r.values() if isinstance(v, (int, float))
                    and not isinstance(v, bool)]
            got = [c for c in cells if c.replace(".", "", 1).isdigit()]
            eq("md %s row %s" % (name, cells[:2]), got, nums)


def main():
    mode = sys.argv[1]
    if mode == "json":
        check_json(json.load(open(sys.argv[2])), json.load(open(sys.argv[3])))
    elif mode == "csv":
        check_csv(json.load(open(sys.argv[2])), open(sys.argv[3]).read())
    else:
        check_md(json.load(open(sys.argv[2])), open(sys.argv[3]).read())
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


main()
