#!/usr/bin/env bash
# The command under adversarial conditions: every subcommand and output
# against a full disk (/dev/full), failed runs that must leave an existing
# --out file as it was, a data file truncated while it is read, models that
# are not nested, outcomes that look continuous, hostile names through
# every output format of every subcommand (parsed back with Python's json,
# csv and html modules), decimal commas, degenerate weights, the survey
# readers' refusals, and the messages that must name the cause. No crash
# (a status >= 128), no hang (timeout), one line on stderr for errors.
# Usage: cli_reliability.sh BUILD SOURCE
set -u
BUILD=$1
SRC=$2
BIN=$BUILD/partreg
DATA=$SRC/examples/data/participation_survey.csv
SURVEY=$SRC/tests/fuzz/corpus/survey
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
checks=0
LIMIT=60
grep -q '^PARTREG_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null && LIMIT=300

fail() { echo "cli_reliability: FAIL: $*"; fails=$((fails + 1)); }

# expect ID STATUS "substring of stderr" -- command... (stdout in $TMP/out)
expect() {
    local id=$1 want=$2 msg=$3
    shift 3
    checks=$((checks + 1))
    timeout "$LIMIT" "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    [ "$got" -eq 124 ] && { fail "$id: timed out: $*"; return; }
    [ "$got" -ge 128 ] && { fail "$id: killed by signal $((got - 128)): $*"; return; }
    [ "$got" -eq "$want" ] || fail "$id: exited $got, wanted $want; stderr: $(head -c 300 "$TMP/err")"
    if [ -n "$msg" ] && ! grep -qF -- "$msg" "$TMP/err"; then
        fail "$id: stderr lacks '$msg': $(head -c 300 "$TMP/err")"
    fi
    if [ "$want" -ne 0 ] && [ "$want" -ne 3 ]; then
        [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$id: stderr has $(wc -l <"$TMP/err") lines"
    fi
}

# full ID -- command... : stdout is /dev/full; exit 1 and a message
full() {
    local id=$1
    shift
    checks=$((checks + 1))
    timeout "$LIMIT" "$@" >/dev/full 2>"$TMP/err"
    local got=$?
    [ "$got" -eq 1 ] || fail "$id: exited $got with standard output full, wanted 1"
    grep -q "No space left on device\|could not write" "$TMP/err" ||
        fail "$id: no message about the failed write: $(head -c 300 "$TMP/err")"
}

F="participated ~ age + education"
FO="willingness ~ age + education"

# ---- every subcommand and output against a full disk --------------------
if [ -c /dev/full ]; then
    for fmt in text json csv; do
        full "W-fit-$fmt" "$BIN" fit "$DATA" --formula "$F" --format $fmt
    done
    full W-fit-help "$BIN" fit --help
    full W-version "$BIN" version
    full W-predict "$BIN" predict "$DATA" --formula "$F" --newdata "$DATA"
    for fmt in text json; do
        full "W-lrtest-$fmt" "$BIN" lrtest "$DATA" --formula "$F" --formula "participated ~ age" --format $fmt
    done
    full W-report-stdout "$BIN" report "$DATA" --formula "$F" --out -
    expect W-report-out 1 "could not write '/dev/full'" "$BIN" report "$DATA" --formula "$F" --out /dev/full
    full W-report-note "$BIN" report "$DATA" --formula "$F" --out "$TMP/w.html"
    full W-simulate "$BIN" simulate --n 50 --communities 5
    full W-simulate-truth "$BIN" simulate --show-truth
    expect W-simulate-out 1 "could not write '/dev/full'" "$BIN" simulate --n 50 --communities 5 --out /dev/full
    full W-simulate-note "$BIN" simulate --n 50 --communities 5 --out "$TMP/w.csv"
    [ -c /dev/full ] || fail "a failed run replaced /dev/full"
fi

# ---- a failed run leaves an existing --out file as it was ----------------
echo "precious" >"$TMP/keep.html"
chmod 640 "$TMP/keep.html"
cp "$DATA" "$TMP/data.csv"
expect O1 2 "--curve 'agee' is not a variable" "$BIN" report "$TMP/data.csv" --formula "$F" --out "$TMP/keep.html" --curve agee
expect O2 2 "is the input file" "$BIN" report "$TMP/data.csv" --formula "$F" --out "$TMP/data.csv"
cmp -s "$DATA" "$TMP/data.csv" || fail "O2: --out naming the data changed the data"
expect O3 1 "unknown column" "$BIN" report "$TMP/data.csv" --formula "participated ~ nosuch" --out "$TMP/keep.html"
expect O4 2 "--n needs" "$BIN" simulate --n 0 --out "$TMP/keep.html"
[ "$(cat "$TMP/keep.html")" = precious ] || fail "O1-O4: a failed run changed the existing --out file"
ls "$TMP" | grep -q partreg- && fail "O1-O4: a temporary file was left behind"
expect O5 0 "" "$BIN" report "$TMP/data.csv" --formula "$F" --out "$TMP/keep.html"
grep -q '<!DOCTYPE html>' "$TMP/keep.html" || fail "O5: the report did not replace the file"
[ "$(stat -c %a "$TMP/keep.html")" = 640 ] || fail "O5: the replaced file lost its mode ($(stat -c %a "$TMP/keep.html"))"
ln -s keep.html "$TMP/link.html"
expect O6 0 "" "$BIN" simulate --n 20 --communities 2 --out "$TMP/link.html"
[ -L "$TMP/link.html" ] || fail "O6: writing through a symbolic link replaced the link"
head -1 "$TMP/keep.html" | grep -q '^resident' || head -1 "$TMP/keep.html" | grep -q ',' ||
    fail "O6: the link's target was not written"
expect O7 1 "cannot create" "$BIN" simulate --n 20 --communities 2 --out "$TMP/no/such/dir/x.csv"

# ---- a data file truncated while it is read (was: SIGBUS) ---------------
awk 'BEGIN { srand(11); print "y,x1,x2,x3"; for (i = 0; i < 400000; i++)
             printf "%d,%.4f,%.4f,%.4f\n", rand() < 0.4, rand(), rand(), rand() }' >"$TMP/big.csv"
cp "$TMP/big.csv" "$TMP/moving.csv"
(
    end=$((SECONDS + 4))
    while [ $SECONDS -lt $end ]; do
        : >"$TMP/moving.csv"
        cp "$TMP/big.csv" "$TMP/moving.csv"
    done
) &
writer=$!
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    checks=$((checks + 1))
    timeout "$LIMIT" "$BIN" fit "$TMP/moving.csv" --formula "y ~ x1 + x2" --format json \
        >/dev/null 2>"$TMP/err"
    got=$?
    [ "$got" -ge 128 ] && fail "T$i: killed by signal $((got - 128)) while the file was rewritten"
done
wait "$writer"

# ---- lrtest refuses models that are not nested -------------------------
N=$TMP/nest.csv
awk 'BEGIN { srand(5); print "y,z,a,b,w"; for (i = 0; i < 200; i++)
             printf "%d,%d,%.3f,%s,%d\n", rand() < 0.5, rand() < 0.3, rand(), (i % 17 == 0) ? "" : sprintf("%.3f", rand()), 1 + i % 3 }' >"$N"
expect L1 1 "different outcomes ('y' and 'z')" "$BIN" lrtest "$N" --formula "y ~ a + b" --formula "z ~ b"
expect L2 1 "different rows" "$BIN" lrtest "$N" --formula "y ~ a + b" --formula "y ~ a"
expect L3 0 "" "$BIN" lrtest "$N" --formula "y ~ a + w" --formula "y ~ a" --weights w

# ---- an outcome that looks continuous -----------------------------------
C=$TMP/cont.csv
awk 'BEGIN { srand(9); print "y,x"; for (i = 0; i < 600; i++) printf "%d,%.3f\n", int(rand() * 55), rand() }' >"$C"
expect C1 1 "looks continuous" "$BIN" fit "$C" --formula "y ~ x"
expect C2 0 "" "$BIN" fit "$C" --formula "y ~ x" --many-levels --format json
python3 -c "import json; d=json.load(open('$TMP/out')); assert len(d['thresholds']) == 54" ||
    fail "C2: --many-levels did not fit 54 thresholds"
awk 'BEGIN { print "y,x"; for (i = 0; i < 40; i++) printf "%d,%.3f\n", i % 11, (i * 7 % 13) / 13 }' >"$TMP/scale.csv"
expect C3 1 "looks continuous" "$BIN" fit "$TMP/scale.csv" --formula "y ~ x"
awk 'BEGIN { print "y,x"; for (i = 0; i < 80; i++) printf "%d,%.3f\n", i % 11, (i * 7 % 13) / 13 }' >"$TMP/scale2.csv"
expect C4 0 "" "$BIN" fit "$TMP/scale2.csv" --formula "y ~ x"

# ---- hostile names through every output of every subcommand -------------
python3 - "$TMP/hostile.csv" <<'PY'
import csv, random, sys
random.seed(3)
levels = ['yes, definitely', 'no']
groups = ['say "hi"', 'back\\slash', 'tab\there']
with open(sys.argv[1], 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['out', 'we"ird\\x', 'grp', 'a,b'])
    for i in range(120):
        x = random.gauss(0, 1)
        g = groups[i % 3]
        y = levels[0] if random.random() < 1 / (1 + 2.718 ** (-x)) else levels[1]
        w.writerow([y, round(x, 3), g, i % 4])
PY
HF='out ~ `we"ird\x` + grp + `a,b`'
HR='out ~ `we"ird\x`'
check_py() { python3 - "$TMP/out" "$@" || fail "$1: the output does not round-trip the names"; }
expect H1 0 "" "$BIN" fit "$TMP/hostile.csv" --formula "$HF" --format json
check_py H1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
terms = {c['term'] for c in d['coefficients']}
assert 'we"ird\\x' in terms and 'grp[tab\there]' in terms and 'a,b' in terms, terms
assert any(t.startswith('grp[back\\slash') or t.startswith('grp[say "hi"') for t in terms), terms
PY
expect H2 0 "" "$BIN" fit "$TMP/hostile.csv" --formula "$HF" --format csv
check_py H2 <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert all(len(r) == len(rows[0]) for r in rows), rows
assert 'we"ird\\x' in [r[0] for r in rows] and 'a,b' in [r[0] for r in rows], rows
PY
expect H3 0 "" "$BIN" fit "$TMP/hostile.csv" --formula "$HF"
grep -qF 'grp[tab\x09here]' "$TMP/out" || fail "H3: a TAB in a name is not shown as \\x09 in the text report"
expect H4 0 "" "$BIN" predict "$TMP/hostile.csv" --formula "$HF" --newdata "$TMP/hostile.csv" --format csv
check_py H4 <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert rows[0][:3] == ['row', 'P(no)', 'P(yes, definitely)'], rows[0]
assert 'se_P(yes, definitely)' in rows[0], rows[0]
assert all(len(r) == len(rows[0]) for r in rows), 'ragged'
PY
expect H5 0 "" "$BIN" lrtest "$TMP/hostile.csv" --formula "$HF" --formula "$HR" --format json
check_py H5 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d['full']['formula'] == 'out ~ `we"ird\\x` + grp + `a,b`', d
assert d['reduced']['formula'] == 'out ~ `we"ird\\x`', d
PY
expect H6 0 "" "$BIN" lrtest "$TMP/hostile.csv" --formula "$HF" --formula "$HR"
grep -qF 'we"ird\x' "$TMP/out" || fail "H6: the text lrtest lost the formula"
expect H7 0 "" "$BIN" report "$TMP/hostile.csv" --formula "$HF" --out "$TMP/hostile.html" --title '<b>"t"</b>'
python3 - "$TMP/hostile.html" <<'PY' || fail "H7: the HTML report does not round-trip the names"
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.text = []; self.tags = []
    def handle_starttag(self, tag, attrs): self.tags.append(tag)
    def handle_data(self, d): self.text.append(d)
p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())
t = ''.join(p.text)
# the title is text, not markup: its tags come back as characters
assert 'we"ird\\x' in t and 'yes, definitely' in t and '<b>"t"</b>' in t, 'names lost'
PY
expect H8 0 "" "$BIN" simulate --n 30 --communities 3
check_py H8 <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert len(rows) == 31 and all(len(r) == len(rows[0]) for r in rows)
PY

# ---- decimal commas (';' file): numbers, with a note ---------------------
printf 'y;income;g\n1;4,5;a\n0;3,25;b\n1;5;a\n0;2,0;b\n1;6,5;a\n0;1,5;b\n1;3;a\n0;2,5;b\n1;2,75;a\n0;4,0;b\n' >"$TMP/comma.csv"
expect D1 0 "" "$BIN" fit "$TMP/comma.csv" --formula "y ~ income" --format json
python3 -c "
import json; d = json.load(open('$TMP/out'))
assert [c['term'] for c in d['coefficients']] == ['(Intercept)', 'income'], d['coefficients']
assert any('decimal commas' in w and \"'4,5' on line 2\" in w for w in d['warnings']), d['warnings']" ||
    fail "D1: decimal commas not read as numbers with a note"

# ---- weights that cannot carry a likelihood -----------------------------
for wv in 4.9e-324 1e-310; do
    awk -v w=$wv 'BEGIN { print "y,x,w"; for (i = 0; i < 30; i++) printf "%d,%.2f,%s\n", (i * 7) % 3 == 0, i * 0.1, w }' >"$TMP/wd.csv"
    expect "G-$wv" 1 "smallest normal double" "$BIN" fit "$TMP/wd.csv" --formula "y ~ x" --weights w
done
awk 'BEGIN { print "y,x,w"; for (i = 0; i < 30; i++) printf "%d,%.2f,1e307\n", (i * 7) % 3 == 0, i * 0.1 }' >"$TMP/wh.csv"
expect G-huge 1 "sum to more than the largest double" "$BIN" fit "$TMP/wh.csv" --formula "y ~ x" --weights w

# ---- the survey-file readers ---------------------------------------------
if [ -f "$SURVEY/haven-stata8.dta" ] && ! "$BIN" fit "$SURVEY/haven-stata8.dta" --formula "out ~ x1" 2>&1 | grep -q "without ReadStat"; then
    for f in "$SURVEY"/haven-*; do
        expect "S-$(basename "$f")" 0 "" "$BIN" fit "$f" --formula "out ~ x1" --format json
    done
    expect S1 0 "" "$BIN" fit "$SURVEY/regress-lbllist-unterminated.dta" --formula "out ~ sx" --format json
    python3 -c "import json; d=json.load(open('$TMP/out')); assert any(c['term'] == 'sx[yes]' for c in d['coefficients'])" ||
        fail "S1: the labels of a set whose name fills its field were not applied"
    expect S2 1 "variable name 'out' appears twice" "$BIN" fit "$SURVEY/regress-duplicate-names.dta" --formula "out ~ sx"
    expect S3 1 "invalid UTF-8 (byte 0xFF" "$BIN" fit "$SURVEY/regress-invalid-utf8.dta" --formula "out ~ grp"
fi

# ---- messages that must name the cause ----------------------------------
awk 'BEGIN { print "y,id,x"; for (i = 0; i < 200000; i++) printf "%d,id%d,%.3f\n", i % 2, i, i / 1000 }' >"$TMP/ids.csv"
# a failed allocation must come back as NULL, also under AddressSanitizer
expect M1 1 "the model would have 200001 coefficients ('id' alone gives 199999)" \
    env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1" \
    "$BIN" fit "$TMP/ids.csv" --formula "y ~ id + x"
printf 'y,x\n1,2\n0,3\n1,1\n0,4\n' | iconv -f UTF-8 -t UTF-16 >"$TMP/u16.csv"
expect M2 1 "is UTF-16 text" "$BIN" fit "$TMP/u16.csv" --formula "y ~ x"
printf 'y,x,z\r0,-0.2559,1\r1,0.3,2\r0,0.1,3\r' >"$TMP/cr.csv"
expect M3 1 "its lines end in CR alone" "$BIN" fit "$TMP/cr.csv" --formula "y ~ z"
expect M4 1 "the model has no predictor variable" "$BIN" fit "$DATA" --formula "participated ~ 1" --margins
grep -q "partreg_margins" "$TMP/err" && fail "M4: the message names an internal function"
head -1 "$DATA" >"$TMP/header.csv"
expect M5 1 "has no data rows (only a header line)" "$BIN" predict "$DATA" --formula "$F" --newdata "$TMP/header.csv"
checks=$((checks + 1))
"$BIN" fit - --formula "$F" --format json <"$DATA" >"$TMP/out" 2>"$TMP/err" || fail "M6: fit - did not read standard input: $(cat "$TMP/err")"
python3 -c "import json; d=json.load(open('$TMP/out')); assert d['n_obs'] > 0" || fail "M6: no fit from standard input"
expect M7 2 "--ref for 'education' is given twice" "$BIN" fit "$DATA" --formula "$F" --ref education=primary --ref education=tertiary
expect M8 2 "entry 2 is empty" "$BIN" fit "$DATA" --formula "$FO" --levels 1,,2,3,4,5
expect M9 2 "'0x10' is not a finite number" "$BIN" fit "$DATA" --formula "$F" --at age=0x10
expect M10 0 "" "$BIN" fit "$DATA" --formula "$F" --at age=16

if [ "$fails" -gt 0 ]; then
    echo "cli_reliability: $fails failure(s) in $checks checks"
    exit 1
fi
echo "cli_reliability: all $checks checks passed"
