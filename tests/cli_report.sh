#!/usr/bin/env bash
# partreg report: the HTML report is one self-contained file with
# the tables and hand-written SVG figures it promises, every data string
# escaped, and the usual exit statuses. Usage: cli_report.sh BUILD SOURCE
#
# Always: structural checks with python3's html.parser (no URL, script,
# link or external resource; the tables; per figure the SVG elements: a CI
# line per coefficient in the forest plot, a curve and a band per outcome
# series, the ROC path, a calibration point per group, the caterpillar
# plot of a random intercept's communities), numbers against
# `partreg fit --format json`. When chromium is installed it also loads
# each report headless (--dump-dom: the parsed DOM has the figures) and
# saves screenshots for a person to look at:
#   BUILD/report/report_binary.png, BUILD/report/report_ordinal.png
set -u
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
BIN=$BUILD/partreg
DATA=$SRC/examples/data/participation_survey.csv
OUT=$BUILD/report
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() { echo "cli_report: FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS "substring of stderr" -- command...
expect() {
    local want=$1 msg=$2
    shift 2
    "$@" >"$TMP/stdout" 2>"$TMP/stderr"
    local got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, wanted $want; stderr: $(tail -n1 "$TMP/stderr")"
    if [ -n "$msg" ] && ! grep -qF -- "$msg" "$TMP/stderr"; then
        fail "'$*': stderr lacks '$msg': $(tail -n1 "$TMP/stderr")"
    fi
}

X="social_capital + insured + age + education + log(income)"
BFIT=(--formula "participated ~ $X" --levels no,yes --ref education=primary --vcov cluster
      --cluster community --margins)
OFIT=(--formula "willingness ~ $X" --ref education=primary --brant --margins)

expect 0 "" "$BIN" report "$DATA" "${BFIT[@]}" --curve income --out "$OUT/report_binary.html"
grep -q "report_binary.html" "$TMP/stdout" || fail "report does not say where it wrote"
# the captions name the cluster column and the number of clusters
n_cap=$(grep -oF "clustered by <code>community</code> (40 clusters)" "$OUT/report_binary.html" | wc -l)
[ "$n_cap" -ge 3 ] || fail "cluster-robust captions name the cluster column $n_cap times (want >= 3)"
expect 0 "" "$BIN" fit "$DATA" "${BFIT[@]}" --format json
cp "$TMP/stdout" "$TMP/binary.json"
expect 0 "" "$BIN" report "$DATA" "${OFIT[@]}" --out "$OUT/report_ordinal.html"
expect 0 "" "$BIN" fit "$DATA" "${OFIT[@]}" --format json
cp "$TMP/stdout" "$TMP/ordinal.json"
expect 0 "" "$BIN" report "$DATA" "${OFIT[@]}" --curve education --out "$TMP/categorical.html"

# the structural checker: report.html expectations.json
cat >"$TMP/check.py" <<'PY'
import json, math, re, sys
from html.parser import HTMLParser

path, kind = sys.argv[1], sys.argv[2]
fit = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None
text = open(path, encoding="utf-8").read()
errors = []
def check(cond, what):
    if not cond:
        errors.append(what)

# self-contained: nothing fetched, nothing run
check(not re.search(r"https?:", text, re.I), "an http(s) URL")
check(not re.search(r"<script", text, re.I), "a <script> element")
check(not re.search(r"<link\b", text, re.I), "a <link> element")
check(not re.search(r"\bsrc\s*=", text, re.I), "a src= attribute")
check(not re.search(r"url\(|@import", text, re.I), "a CSS url() or @import")
check(not re.search(r"<img\b|<iframe\b|<object\b|<embed\b", text, re.I), "an embedded resource")
check(text.startswith("<!DOCTYPE html>"), "no doctype")

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "source", "wbr"}
class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], ""
    def classes(self):
        return (self.attrs.get("class") or "").split()
    def find(self, tag=None, cls=None):
        out = []
        for c in self.children:
            if (tag is None or c.tag == tag) and (cls is None or cls in c.classes()):
                out.append(c)
            out.extend(c.find(tag, cls))
        return out
    def alltext(self):
        return self.text + "".join(c.alltext() for c in self.children)

class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root
        self.mismatch = []
    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n
    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))
    def handle_endtag(self, tag):
        if self.cur.tag != tag:
            self.mismatch.append((tag, self.getpos()))
            return
        self.cur = self.cur.parent
    def handle_data(self, data):
        self.cur.text += data

t = Tree()
t.feed(text)
check(not t.mismatch, "unbalanced tags %s" % t.mismatch[:3])
check(t.cur is t.root, "unclosed elements")
root = t.root

def table(cls):
    tabs = root.find("table", cls)
    check(len(tabs) == 1, "table.%s appears %d times" % (cls, len(tabs)))
    return tabs[0] if tabs else None

def body_rows(tab):
    return [r for r in tab.find("tr") if r.parent.tag == "tbody"] if tab else []

def svg(cls):
    s = [e for e in root.find("svg") if cls in e.classes()]
    check(len(s) == 1, "svg.%s appears %d times" % (cls, len(s)))
    return s[0] if s else None

def num(cell):
    s = cell.alltext().replace("\u2212", "-").strip()
    return float(s)

for cls in ("outcome", "numeric", "categorical", "coefficients", "fitstats", "tests", "wald", "margins"):
    table(cls)

# the coefficient table against the JSON of `partreg fit`
coef = table("coefficients")
rows = body_rows(coef)
terms = [c["term"] for c in fit["coefficients"]]
check([r.children[0].alltext().strip() for r in rows] == terms,
      "coefficient terms %s != %s" % ([r.children[0].alltext() for r in rows], terms))
for r, c in zip(rows, fit["coefficients"]):
    est = num(r.children[1])
    check(abs(est - c["estimate"]) <= 0.5 * 10 ** -3 + 1e-12 * abs(c["estimate"]) + 1e-9,
          "%s: estimate %s vs %s" % (c["term"], est, c["estimate"]))
    if fit["link"] == "logit":
        odds = num(r.children[6])
        check(abs(odds - math.exp(c["estimate"])) <= 0.0005 + 1e-9, "%s: odds ratio %s" % (c["term"], odds))

# forest plot: one CI line and one estimate per coefficient but the intercept
forest = svg("forest")
slopes = [t for t in terms if t != "(Intercept)"]
check(len(forest.find("line", "ci")) == len(slopes), "forest: %d CI lines for %d coefficients"
      % (len(forest.find("line", "ci")), len(slopes)))
check(len(forest.find("rect", "est")) == len(slopes), "forest: estimate markers")
check(len(forest.find("line", "ref")) == 1, "forest: no reference line")
check(len(forest.find("text", "ticklabel")) >= 3, "forest: fewer than 3 tick labels")
for lab in slopes:
    check(any(e.alltext() == lab for e in forest.find("text")), "forest: no label %s" % lab)

def points(s):
    return [tuple(map(float, p.split(","))) for p in s.replace("M", " ").replace("L", " ").split()]

# curves: one path and one band per series, band around the path
J = len(fit["thresholds"]) + 1 if fit["family"] == "ordinal" else 2
series = J if fit["family"] == "ordinal" else 1
if kind == "categorical":
    cur = svg("categorical")
    levels = 3
    check(len(cur.find("circle", "curve-point")) == levels * series, "categorical curves: points")
    check(len(cur.find("line", "curve-ci")) == levels * series, "categorical curves: intervals")
else:
    cur = svg("curves")
    paths, bands = cur.find("path", "curve"), cur.find("polygon", "band")
    check(len(paths) == series, "curves: %d paths for %d series" % (len(paths), series))
    check(len(bands) == series, "curves: %d bands for %d series" % (len(bands), series))
    for p, b in zip(paths, bands):
        pts, poly = points(p.attrs["d"]), points(b.attrs["points"])
        check(len(pts) >= 10 and len(poly) == 2 * len(pts), "curves: grid of %d points" % len(pts))
        upper, lower = poly[:len(pts)], poly[len(pts):][::-1]
        for (x, y), (xu, yu), (xl, yl) in zip(pts, upper, lower):
            # pixels grow downwards: the upper band edge has the smaller y
            check(abs(x - xu) < 0.05 and abs(x - xl) < 0.05 and yu <= y + 0.05 and y <= yl + 0.05,
                  "curves: band does not hold the curve at x=%g" % x)
    check(len(cur.find("text", "axislabel")) == 2, "curves: axis titles")
    check(len(cur.find("line", "rug")) > 10, "curves: no rug")
cap = " ".join(f.alltext() for f in root.find("figcaption"))
check("predictive margins" in cap, "curves caption does not say predictive margins")

if fit["family"] == "binary":
    table("discrimination")
    roc = svg("roc")
    rp = roc.find("path", "roc")
    check(len(rp) == 1 and len(points(rp[0].attrs["d"])) >= 10, "ROC path")
    cal = svg("calibration")
    check(len(cal.find("circle", "cal-point")) == 10, "calibration: %d points, wanted 10"
          % len(cal.find("circle", "cal-point")))
    check(sum(int(c.attrs["data-n"]) for c in cal.find("circle", "cal-point")) == fit["n_obs"],
          "calibration groups do not add up to the rows used")
else:
    table("thresholds")
    table("brant")
    check(len(body_rows(root.find("table", "thresholds")[0])) == J - 1, "threshold rows")
    check(not [e for e in root.find("svg") if "roc" in e.classes()], "an ordinal report has a ROC curve")

if errors:
    for e in errors:
        print("cli_report: %s: %s" % (path, e))
    sys.exit(1)
PY

python3 "$TMP/check.py" "$OUT/report_binary.html" numeric "$TMP/binary.json" || fail "binary report"
python3 "$TMP/check.py" "$OUT/report_ordinal.html" numeric "$TMP/ordinal.json" || fail "ordinal report"
python3 "$TMP/check.py" "$TMP/categorical.html" categorical "$TMP/ordinal.json" || fail "categorical curve report"

# a random intercept: the community-effects section, its table and the
# caterpillar plot (one interval and one mode per community, the ICC and
# sd of `partreg fit`); at the boundary the section says sd = 0 and draws
# no plot
RFIT=(--formula "willingness ~ $X + (1 | community)" --ref education=primary)
expect 0 "" "$BIN" report "$DATA" "${RFIT[@]}" --out "$OUT/report_random.html"
expect 0 "" "$BIN" fit "$DATA" "${RFIT[@]}" --format json
cp "$TMP/stdout" "$TMP/random.json"
expect 0 "" "$BIN" report "$DATA" --formula "education ~ age + (1 | community)" \
    --levels primary,secondary,tertiary --out "$TMP/boundary.html"
python3 - "$OUT/report_random.html" "$TMP/random.json" "$TMP/boundary.html" <<'PY'
import json, re, sys
html, fit, boundary = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), open(sys.argv[3]).read()
re_ = fit["random_effects"][0]
errors = []
def check(c, what):
    if not c:
        errors.append(what)
check('<section id="random">' in html, "no community-effects section")
check(html.count('<table class="random">') == 1, "no random-intercept table")
cat = re.search(r'<svg[^>]*class="caterpillar".*?</svg>', html, re.S)
check(cat is not None, "no caterpillar plot")
if cat:
    n = re_["n_groups"]
    check(cat.group(0).count('class="ci"') == n, "caterpillar: %d intervals for %d communities"
          % (cat.group(0).count('class="ci"'), n))
    check(cat.group(0).count('<circle class="est"') == n, "caterpillar: modes")
check("%.3f" % re_["icc"] in html, "the ICC %.3f is not in the report" % re_["icc"])
check("%.3f" % re_["sd"] in html, "the sd %.3f is not in the report" % re_["sd"])
check("population-averaged" in html, "the report does not say its predictions are averaged")
check('<section id="random">' in boundary and "estimated at 0" in boundary,
      "the boundary report does not say sd = 0")
check('class="caterpillar"' not in boundary, "a caterpillar plot at sd = 0")
for e in errors:
    print("cli_report: random: %s" % e)
sys.exit(1 if errors else 0)
PY
[ $? -eq 0 ] || fail "random-intercept report"

# every string from the data, the formula and the user is escaped
python3 - "$TMP/esc.csv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write("y,x,g\n")
    for i in range(300):
        x = random.gauss(0, 1)
        g = random.choice(['<i>low</i>', 'R&D "x"', "it's"])
        y = 1 if random.random() < 1 / (1 + 2.718 ** (-x)) else 0
        f.write('%d,%.4f,"%s"\n' % (y, x, g.replace('"', '""')))
PY
expect 0 "" "$BIN" report "$TMP/esc.csv" --formula "y ~ x + g" --title "<script>alert(1)</script>" \
    --out "$TMP/esc.html"
expect 0 "" "$BIN" report "$TMP/esc.csv" --formula "y ~ x + g" --curve g --out "$TMP/esc_g.html"
for f in "$TMP/esc.html" "$TMP/esc_g.html"; do
    if grep -qF '<i>low</i>' "$f" || grep -qF '<script>' "$f" || grep -qF 'R&D' "$f" ||
        grep -qF "it's" "$f"; then
        fail "a data string reached $(basename "$f") unescaped"
    fi
done
grep -qF '<text x="' "$TMP/esc_g.html" && grep -qF 'R&amp;D &quot;x&quot;</text>' "$TMP/esc_g.html" ||
    fail "the level names of the curve axis are not escaped text"
grep -qF '&lt;i&gt;low&lt;/i&gt;' "$TMP/esc.html" || fail "escaped level name missing"
grep -qF '&lt;script&gt;' "$TMP/esc.html" || fail "escaped title missing"

# errors: one line naming the problem, the usual exit statuses, no file left
expect 2 "--out FILE is required" "$BIN" report "$DATA" "${OFIT[@]}"
expect 2 "'nosuch' is not a variable of the model" "$BIN" report "$DATA" "${OFIT[@]}" \
    --curve nosuch --out "$TMP/bad.html"
[ -e "$TMP/bad.html" ] && fail "a refused report left a file behind"
expect 1 "" "$BIN" report "$DATA" "${OFIT[@]}" --out "$TMP/no/such/dir/r.html"
expect 1 "" "$BIN" report "$TMP/missing.csv" "${OFIT[@]}" --out "$TMP/r.html"
if [ -c /dev/full ]; then
    expect 1 "could not write '/dev/full': No space left on device" "$BIN" report "$DATA" "${OFIT[@]}" --out /dev/full
    [ -c /dev/full ] || fail "a failed report removed /dev/full"
fi
expect 0 "" "$BIN" report --help
grep -q -- "--curve" "$TMP/stdout" || fail "--help does not list --curve"

# a model with cut-specific slopes: one panel per nominal term, each cut's
# estimate and interval; the tables show the cuts as blocks and the tests
"$BIN" report "$SRC/tests/data/wine.csv" --formula "rating ~ temp + contact" --nominal contact \
    --scale temp --nominal-test --parallel-test --out "$TMP/nominal.html" >/dev/null 2>"$TMP/nominal.err" ||
    fail "report with --nominal failed: $(tail -1 "$TMP/nominal.err")"
[ "$(grep -o '<g class="panel">' "$TMP/nominal.html" | wc -l)" -eq 1 ] ||
    fail "nominal report: not one per-cut panel"
[ "$(grep -o '<circle class="est"' "$TMP/nominal.html" | wc -l)" -eq 4 ] ||
    fail "nominal report: not four cut estimates in the panel"
grep -q 'Cut 1|2: effect on P(Y &gt; 1)' "$TMP/nominal.html" || fail "nominal report: no per-cut block"
grep -q 'class="nominal-test"' "$TMP/nominal.html" || fail "nominal report: no nominal test table"
grep -q 'class="parallel-test"' "$TMP/nominal.html" || fail "nominal report: no parallel-lines table"
grep -q 'class="scale"' "$TMP/nominal.html" || fail "nominal report: no scale table"

# render in headless Chromium when it is installed
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
    for r in binary ordinal; do
        prof=$(mktemp -d "$TMP/chrome.XXXXXX")
        flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
               --disable-component-update --disable-sync --no-first-run --hide-scrollbars
               --user-data-dir="$prof")
        timeout 120 "$CHROME" "${flags[@]}" --dump-dom "file://$OUT/report_$r.html" \
            >"$TMP/dom_$r.html" 2>"$TMP/chrome_$r.log" || fail "chromium could not load report_$r.html"
        n_svg=$(grep -o '<svg' "$TMP/dom_$r.html" | wc -l)
        want=$([ $r = binary ] && echo 4 || echo 2)
        [ "$n_svg" -eq "$want" ] || fail "chromium DOM of report_$r.html has $n_svg figures, wanted $want"
        grep -q 'class="ci"' "$TMP/dom_$r.html" || fail "chromium DOM lacks the forest plot's CIs"
        rm -f "$OUT/report_$r.png"
        timeout 120 "$CHROME" "${flags[@]}" --screenshot="$OUT/report_$r.png" --window-size=1200,3000 \
            "file://$OUT/report_$r.html" >>"$TMP/chrome_$r.log" 2>&1 || fail "chromium screenshot of $r"
        size=$(stat -c %s "$OUT/report_$r.png" 2>/dev/null || echo 0)
        [ "$size" -gt 20000 ] || fail "screenshot $OUT/report_$r.png is missing or blank ($size bytes)"
    done
    echo "cli_report: screenshots in $OUT/report_binary.png and $OUT/report_ordinal.png"
else
    echo "cli_report: chromium not installed; rendering skipped (structural checks ran)"
fi

if [ "$fails" -ne 0 ]; then
    echo "cli_report: $fails failure(s)"
    exit 1
fi
echo "cli_report: all checks passed"
