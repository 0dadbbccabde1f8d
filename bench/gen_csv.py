#!/usr/bin/env python3
"""Write a synthetic survey CSV for bench/read_csv.sh: ROWS rows x 12 columns
(8 numeric: integers, decimals, scientific; 4 text: sex, region, education,
and a free-text comment of about 60 characters drawn from 2,000 phrases, some
quoted with commas and doubled quotes), about 5% of the cells missing (empty
or NA); about 150 MB for a million rows. Seeded, so the
file is the same every time. Usage: gen_csv.py OUT [ROWS]"""
import random
import sys

out = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
rng = random.Random(20240611)
regions = ["north", "south", "east", "west", "\"centre, city\""]
edu = ["none", "primary", "secondary", "tertiary"]
words = ("the survey was long but the questions were clear and I would answer "
         "again next year if asked, though some items on income felt intrusive "
         "and the \"other\" option needed a box").split()
notes = []
for _ in range(2000):
    w = " ".join(rng.choice(words) for _ in range(12))[:60]
    if rng.random() < 0.3 or "," in w or '"' in w:
        w = '"' + w.replace('"', '""') + '"'
    notes.append(w)
with open(out, "w", newline="") as f:
    f.write("id,age,income,weight,score,hours,kids,sex,region,education,lat,note\n")
    for i in range(rows):
        def miss(s):
            r = rng.random()
            return "" if r < 0.03 else ("NA" if r < 0.05 else s)
        f.write(",".join([
            str(i + 1),
            miss(str(rng.randint(18, 90))),
            miss("%.2f" % rng.lognormvariate(10, 0.8)),
            miss("%.6f" % rng.uniform(0.2, 4.0)),
            miss("%.4g" % rng.gauss(0, 1)),
            miss("%.1f" % rng.uniform(0, 60)),
            miss(str(rng.randint(0, 5))),
            miss(rng.choice(["male", "female"])),
            miss(rng.choice(regions)),
            miss(rng.choice(edu)),
            miss("%.7e" % rng.uniform(-90, 90)),
            miss(rng.choice(notes)),
        ]))
        f.write("\n")
