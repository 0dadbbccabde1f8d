#!/usr/bin/env bash
# partreg table end to end: the Markdown text, CSV numbers against the fit's
# JSON, saved results beside fitted formulas, LaTeX that compiles (when
# pdflatex is installed; skipped otherwise), and the HTML table rendered in
# headless Chromium (when installed; skipped otherwise): a script in the
# page checks the layout the reader sees (every column of every row in its
# place, nothing overflowing) and a screenshot is taken.
# Usage: cli_table.sh BUILD SOURCE
set -u
BUILD=$1
SRC=$2
BIN=$BUILD/partreg
DATA=$SRC/examples/data/participation_survey.csv
TMP=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
fails=0
checks=0
fail() { echo "cli_table: FAIL: $*"; fails=$((fails + 1)); }
run() { # run STATUS command...: stdout to $TMP/out
    local want=$1
    shift
    checks=$((checks + 1))
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, wanted $want: $(tail -n1 "$TMP/err")"
}
has() {
    checks=$((checks + 1))
    grep -qF -- "$2" "$1" || fail "$1 lacks '$2'"
}

F1="participated ~ social_capital + age"
F2="participated ~ social_capital + age + insured"
O1="willingness ~ social_capital + age"
run 0 "$BIN" fit "$DATA" --formula "$O1" --format json
cp "$TMP/out" "$TMP/ordinal.json"
run 0 "$BIN" fit "$DATA" --formula "$F2" --format json
cp "$TMP/out" "$TMP/binary.json"

# Markdown: the rows, brackets, stars, statistics and note
run 0 "$BIN" table "$DATA" --formula "$F1" --formula "$F2" --results "$TMP/ordinal.json" \
    --stars --title "Took part" --title "Took part (2)" --title "Willingness"
has "$TMP/out" "| | Took part | Took part (2) | Willingness |"
has "$TMP/out" "| *Thresholds* |"
has "$TMP/out" "| 1\\|2 |"
has "$TMP/out" "| N | 2000 | 2000 | 2000 |"
has "$TMP/out" "Pseudo R2 (McFadden)"
has "$TMP/out" "standard errors in brackets"
has "$TMP/out" "\\*\\*\\*"

# CSV: the numbers are the fit's, full precision; odds ratios under --eform
run 0 "$BIN" table "$DATA" --formula "$F2" --results "$TMP/binary.json" --format csv --eform \
    --brackets ci
python3 - "$TMP/out" "$TMP/binary.json" <<'PY' || fail "CSV numbers"
import csv, json, math, sys
rows = list(csv.reader(open(sys.argv[1])))
fit = json.load(open(sys.argv[2]))
head = rows[0]
assert head[:2] == ["term", "section"], head
by = {r[0]: r for r in rows[1:]}
for c in fit["coefficients"]:
    r = by[c["term"]]
    for m in (0, 1):  # the formula fitted here and the saved results agree
        est = float(r[2 + 5 * m])
        assert abs(est - math.exp(c["estimate"])) <= 1e-12 * est, (c["term"], est)
        lo = float(r[4 + 5 * m])
        assert abs(lo - math.exp(c["conf_low"])) <= 1e-12 * lo
assert float(by["N"][2]) == 2000
assert abs(float(by["Log-likelihood"][2]) - fit["loglik"]) < 1e-9
PY

# errors: titles that do not match, a file that is not partreg's JSON
run 2 "$BIN" table "$DATA" --formula "$F1" --formula "$F2" --title "only one"
has "$TMP/err" "1 --title for 2 models"
echo '{"x": 1}' >"$TMP/bad.json"
run 1 "$BIN" table --results "$TMP/bad.json"
has "$TMP/err" "has no \"coefficients\" array"
printf '{"coefficients": [\n  {"term": "a",}\n]}\n' >"$TMP/broken.json"
run 1 "$BIN" table --results "$TMP/broken.json"
has "$TMP/err" "line 2"
run 2 "$BIN" table "$DATA" --formula "$F1" --margins
has "$TMP/err" "--margins is not an option of partreg table"

# LaTeX (booktabs) compiles
run 0 "$BIN" table "$DATA" --formula "$F1" --results "$TMP/ordinal.json" --stars --format latex \
    --title "a_b & c" --title "100%"
cp "$TMP/out" "$TMP/table.tex"
has "$TMP/table.tex" "\\toprule"
has "$TMP/table.tex" "a\\_b \\& c"
if command -v pdflatex >/dev/null 2>&1; then
    printf '\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\\input{table.tex}\n\\end{document}\n' \
        >"$TMP/doc.tex"
    checks=$((checks + 1))
    (cd "$TMP" && timeout 120 pdflatex -interaction=nonstopmode -halt-on-error doc.tex >latex.log 2>&1) ||
        fail "LaTeX does not compile: $(grep -m1 '^!' "$TMP/latex.log")"
else
    echo "cli_table: pdflatex not installed: LaTeX compile check skipped"
fi

# HTML rendered in headless Chromium
run 0 "$BIN" table "$DATA" --formula "$F1" --formula "$F2" --results "$TMP/ordinal.json" \
    --stars --format html --out "$TMP/table.html"
has "$TMP/table.html" "<table class=\"partreg-models\">"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROMIUM" ]; then
    # the page measures itself: every row has 1 + 3 cells, each column's
    # cells share their left edge, the table fits the window, no cell text
    # overflows its cell
    sed 's|</body>|<pre id="layout"></pre><script>\
var t = document.querySelector("table.partreg-models"), bad = [];\
var rows = t.querySelectorAll("tbody tr:not(.section), thead tr, tfoot tr:not(.note)");\
var left = null;\
rows.forEach(function (r, i) {\
  if (r.cells.length !== 4) bad.push("row " + i + " has " + r.cells.length + " cells");\
  var l = Array.prototype.map.call(r.cells, function (c) { return Math.round(c.getBoundingClientRect().left); });\
  if (left === null) left = l; else if (l.join() !== left.join()) bad.push("row " + i + " columns " + l);\
  Array.prototype.forEach.call(r.cells, function (c) { if (c.scrollWidth > c.clientWidth + 1) bad.push("overflow in row " + i); });\
});\
var b = t.getBoundingClientRect();\
if (b.width < 300 \|\| b.right > window.innerWidth) bad.push("table width " + b.width);\
document.getElementById("layout").textContent = bad.length ? "LAYOUT-BAD " + bad.join("; ") : "LAYOUT-OK " + Math.round(b.width) + "x" + Math.round(b.height);\
</script></body>|' "$TMP/table.html" >"$TMP/check.html"
    FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
        --disable-background-networking --disable-component-update --disable-sync
        --user-data-dir="$TMP/chromium" --window-size=900,1200)
    checks=$((checks + 1))
    timeout 120 "$CHROMIUM" "${FLAGS[@]}" --dump-dom "file://$TMP/check.html" >"$TMP/dom.html" 2>/dev/null
    grep -q '<pre id="layout">LAYOUT-OK [0-9]' "$TMP/dom.html" ||
        fail "the rendered table: $(grep -o '<pre id="layout">[^<]*' "$TMP/dom.html" || echo 'no layout report')"
    checks=$((checks + 1))
    timeout 120 "$CHROMIUM" "${FLAGS[@]}" --screenshot="$TMP/table.png" "file://$TMP/table.html" \
        >/dev/null 2>&1
    python3 - "$TMP/table.png" <<'PY' || fail "the screenshot is not a picture of the table"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (900, 1200), (w, h)
# decode the image (8-bit RGB or RGBA, no interlace) and count dark pixels
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
depth, ctype = data[24], data[25]
bpp = {2: 3, 6: 4}[ctype]
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
dark_rows = 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if any(line[x] < 100 for x in range(0, stride, bpp)):
        dark_rows += 1
# text and rules on about a third of the rows: a table, not a blank page
assert 100 < dark_rows < 1100, dark_rows
PY
else
    echo "cli_table: chromium not installed: rendering check skipped"
fi

# the report embeds the table when given several formulas
run 0 "$BIN" report "$DATA" --formula "$F1" --formula "$F2" --out "$TMP/report.html"
has "$TMP/report.html" "<h2>Models side by side</h2>"

echo "cli_table: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
