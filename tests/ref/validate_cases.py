#!/usr/bin/env python3
"""Checks the case files under tests/cases/: valid JSON, id = file name,
data file present, args only from CONTRACT.md (plus --levels/--ref)."""
import json, os, sys
ALLOWED = {"--formula", "--family", "--link", "--levels", "--ref", "--weights", "--vcov",
           "--cluster", "--ci", "--conf-level", "--margins", "--brant", "--na",
           "--sampling-weights", "--strata", "--psu", "--fpc", "--subpop", "--lonely-psu",
           "--repweights", "--rep-type", "--fay-rho", "--rep-mse", "--nagq", "--nominal",
           "--autofit", "--nominal-test", "--scale", "--firth", "--imputations"}
root = sys.argv[1] if len(sys.argv) > 1 else "tests/cases"
bad = 0; n = 0
for d, _, files in os.walk(root):
    for f in sorted(files):
        if not f.endswith(".json"):
            continue
        n += 1
        p = os.path.join(d, f)
        c = json.load(open(p))
        probs = []
        if c.get("id") + ".json" != f: probs.append("id != file name")
        if not os.path.exists(os.path.join(d, c["data"])): probs.append("data missing: " + c["data"])
        for a in c["args"]:
            if a.startswith("--") and a not in ALLOWED: probs.append("option not in the contract: " + a)
        if "--format" in c["args"]: probs.append("--format in args")
        for k in ("source", "crosscheck", "expect"):
            if k not in c: probs.append("no " + k)
        if probs:
            bad += 1; print("BAD", p, "; ".join(probs))
print("%d passed, %d failed" % (n - bad, bad))
sys.exit(1 if bad else 0)
