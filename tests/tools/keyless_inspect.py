#!/usr/bin/python3
"""keyless_inspect.py BOARD - what a copied board file reveals without any key.

Reads the LMDB file the way someone who copied it from the share would (no
passphrase, no data key), rebuilds as much structure as it can and prints a
JSON report.  With --check it exits 1 when it finds a link pair or a
per-case relation count, or a case key inside any other table's keys
(docs/security.md lists what the report may contain).  Needs python3-lmdb.
"""
import json
import sys

import lmdb


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check = "--check" in sys.argv
    env = lmdb.open(args[0], subdir=False, lock=False, readonly=True, max_dbs=64)
    tables = {}
    with env.begin() as txn:
        names = [k.decode() for k, _ in txn.cursor()]
        for name in names:
            db = env.open_db(name.encode(), txn=txn, create=False)
            tables[name] = [(bytes(k), bytes(v)) for k, v in txn.cursor(db)]
    env.close()

    case_keys = {k for k, _ in tables.get("cases", [])}
    record_keys = set()
    for t in ("actions", "links", "decisions", "cases"):
        record_keys |= {k for k, _ in tables.get(t, [])}
    problems = []
    report = {"tables": {}, "board_format": None}
    if "board" in tables:
        hdr = dict(tables["board"]).get(b"board", b"")
        if len(hdr) == 48:
            report["board_format"] = int.from_bytes(hdr[8:12], "big")
    for name, kv in sorted(tables.items()):
        sizes = sorted({len(v) for _, v in kv})
        report["tables"][name] = {"records": len(kv), "value_sizes": sizes}

    # 1. case keys inside other tables' keys: ties records to a case
    for name, kv in tables.items():
        if name in ("cases",):
            continue
        for k, _ in kv:
            for ck in case_keys:
                if ck in k:
                    problems.append("%s key %s contains case key %s" % (name, k.hex(), ck.hex()))
    # 2. link pairs: one 16-byte piece in two relation keys, or record keys in them
    pieces = {}
    for k, _ in tables.get("rels", []):
        for i in range(0, max(len(k) - 15, 1)):
            pieces.setdefault(k[i:i + 16], set()).add(k)
        for rk in record_keys:
            if rk in k:
                problems.append("rels key %s contains record key %s" % (k.hex(), rk.hex()))
    shared = [p for p, ks in pieces.items() if len(ks) > 1]
    if shared:
        problems.append("%d 16-byte pieces shared between relation keys (link pairs)" % len(shared))
    # 3. per-case relation counts: groups of relation keys, or value sizes that differ
    prefixes = {}
    for k, _ in tables.get("rels", []):
        prefixes[k[:16]] = prefixes.get(k[:16], 0) + 1
    if any(n > 1 for n in prefixes.values()):
        problems.append("relation keys group by a common prefix (per-case counts)")
    rel_sizes = {len(v) for _, v in tables.get("rels", [])}
    if len(rel_sizes) > 1:
        problems.append("relation values differ in size %s (per-case counts)" % sorted(rel_sizes))
    # 4. leases keyed by a case key
    for k, _ in tables.get("leases", []):
        if k in case_keys:
            problems.append("lease key %s is a case key" % k.hex())
    # what remains: timeline entries grouped by an opaque per-case prefix
    groups = {}
    for k, _ in tables.get("comments", []):
        groups[k[:16]] = groups.get(k[:16], 0) + 1
    report["comment_groups"] = sorted(groups.values(), reverse=True)
    report["versions"] = {
        name: sorted({int.from_bytes(v[8:16], "big") for _, v in kv if len(v) >= 40 and v[:1] == b"K"})
        for name, kv in tables.items() if name in ("cases", "actions", "comments", "rels")}
    report["problems"] = problems
    json.dump(report, sys.stdout, indent=1, sort_keys=True)
    print()
    if check and problems:
        sys.exit(1)


main()
