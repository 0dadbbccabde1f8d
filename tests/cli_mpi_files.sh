#!/usr/bin/env bash
# A file per process: `partreg-mpi fit --rank-files PATTERN` on the data
# rows of a file cut into 2 and 3 files (uneven, each with the header
# line), one per process, must print the JSON of `partreg fit` on the whole
# file byte for byte (the binary diagnostics, which need every row, are
# left out; "data" names the files): binary, ordinal, cluster covariances
# and missing values on the shared conformance data, survey designs and
# random intercepts on the reference cases, and a simulated survey whose
# rows are shuffled, so that every PSU and community has rows in every
# file; a file of a header alone among them. The errors name the file and
# its own line: headers that differ (a column renamed, one more column), an
# empty file, a file that cannot be opened or read, a file that is not CSV
# (and an SPSS file given to be read in shares), a bad cell in the last
# file, a short line in the middle one, a pattern that matches no file or
# another number of files than processes, an unquoted pattern. Skipped (77)
# when the build has no MPI or mpirun is missing.
# Usage: cli_mpi_files.sh BUILD SOURCE
set -u
NAME=cli_mpi_files
BUILD=$1
SRC=$2
CASES=$SRC/../shared/conformance/cases
SURVEY=$SRC/tests/cases/survey
RI=$SRC/tests/cases/ri
. "$SRC/tests/mpi_compare.sh"

# split_csv FILE K OUT: FILE's data rows into OUT_0.csv .. OUT_{K-1}.csv,
# in order, the first the smallest, each with FILE's header line
split_csv() {
    local n
    n=$(($(wc -l <"$1") - 1))
    rm -f "$3"_*.csv
    awk -v n="$n" -v k="$2" -v out="$3" '
        NR == 1 { for (i = 0; i < k; i++) print > (out "_" i ".csv"); next }
        { r = NR - 2; i = 0
          while (i < k - 1 && r >= int(n * (i + 1) * (i + 2) / (k * (k + 1)))) i++
          print > (out "_" i ".csv") }' "$1"
}

# fit_files K ARGS...: partreg-mpi over K processes on $TMP/part_*.csv (or
# the pattern $PARTS)
fit_files() {
    local k=$1
    shift
    mpi "$k" "$MPI_BIN" fit --rank-files "${PARTS:-$TMP/part_*.csv}" "$@" --format json \
        --threads 1 >"$TMP/b.json" 2>"$TMP/b.err"
}

# same DIR DATA ARGS...: in memory, then the rows in 2 and 3 files
same() {
    local dir=$1 data=$2
    shift 2
    (cd "$dir" && "$BIN" fit "$data" "$@" --format json --threads 1 >"$TMP/a.json" 2>"$TMP/a.err")
    local ra=$? k rb
    for k in 2 3; do
        split_csv "$dir/$data" "$k" "$TMP/part"
        (cd "$dir" && fit_files "$k" "$@")
        rb=$?
        [ "$ra" -eq "$rb" ] || { fail "$(basename "$data") $* ($k files): exit $ra alone, $rb over MPI: $(head -c 400 "$TMP/b.err")"; continue; }
        [ "$ra" -eq 0 ] || continue
        compare "$TMP/a.json" "$TMP/b.json" data >"$TMP/diff" ||
            fail "$(basename "$data") $* ($k files): the JSON differs: $(head -c 3000 "$TMP/diff")"
        grep -qF "\"data\": \"$TMP/part_0.csv to $TMP/part_$((k - 1)).csv ($k files)\"" \
            "$TMP/b.json" || fail "$(basename "$data") ($k files): the files' name: $(grep '"data"' "$TMP/b.json")"
    done
}

case_args() {
    python3 - "$1" <<'PY'
import json, shlex, sys
c = json.load(open(sys.argv[1]))
print(shlex.quote(c["data"]), " ".join(shlex.quote(a) for a in c["args"]))
PY
}

if [ -d "$CASES" ]; then
    for c in mroz_logit wine_logit soup_logit_cluster mroz_missing; do
        [ -f "$CASES/$c.json" ] || { fail "$c.json not found"; continue; }
        eval "set -- $(case_args "$CASES/$c.json")"
        same "$CASES" "$@"
    done
else
    echo "$NAME: $CASES not found; the conformance cases are skipped"
fi
for c in "$SURVEY/apiclus1_api4_oprobit_design" "$SURVEY/nhanes_hichol_logit_subpop" \
         "$RI/ri_cbpp_logit_laplace" "$RI/ri_wine_logit_agq10"; do
    [ -f "$c.json" ] || { fail "$c.json not found"; continue; }
    eval "set -- $(case_args "$c.json")"
    same "$(dirname "$c")" "$@"
done

# a simulated survey, rows shuffled: every PSU (community) in every file
"$BIN" simulate --n 12000 --communities 60 --seed 23 --out "$TMP/sim.csv" >/dev/null ||
    fail "simulate"
(head -n 1 "$TMP/sim.csv" | sed 's/$/,sw/'
 tail -n +2 "$TMP/sim.csv" | awk 'BEGIN { srand(7) } { print rand() "\t" $0 "," (1 + NR % 5) }' |
    sort -k1,1 | cut -f2-) >"$TMP/survey.csv"
F="participated ~ social_capital + age + education + log(income)"
same "$TMP" survey.csv --formula "$F" --sampling-weights sw --strata gender --psu community
same "$TMP" survey.csv --formula "$F + (1 | community)" --nagq 1
same "$TMP" survey.csv --formula "willingness ~ social_capital + age" --vcov cluster \
    --cluster community

# one of the files a header alone: the rows of the others
M=$CASES/mroz.csv
MF="lfp ~ k5 + k618 + age + wc + hc + lwg + inc"
"$BIN" fit "$M" --formula "$MF" --format json --threads 1 >"$TMP/a.json" 2>/dev/null
split_csv "$M" 2 "$TMP/part"
mv "$TMP/part_1.csv" "$TMP/part_2.csv"
head -n 1 "$M" >"$TMP/part_1.csv"
fit_files 3 --formula "$MF" || fail "a header alone: $(head -c 400 "$TMP/b.err")"
compare "$TMP/a.json" "$TMP/b.json" data >"$TMP/diff" ||
    fail "a header alone: the JSON differs: $(head -c 3000 "$TMP/diff")"
# every file a header alone: the whole file's message
for i in 0 1 2; do head -n 1 "$M" >"$TMP/part_$i.csv"; done
fit_files 3 --formula "$MF"
[ $? -eq 1 ] || fail "no rows: wanted exit 1"
grep -qF "partreg: $TMP/part_0.csv to $TMP/part_2.csv (3 files) has no data rows (only a header line)" \
    "$TMP/b.err" || fail "no rows: $(head -c 400 "$TMP/b.err")"

# error CODE EXPECTED K ARGS...: exit CODE and the message (a fixed string)
# on the first line
error() {
    local code=$1 want=$2 k=$3 rb
    shift 3
    fit_files "$k" --formula "$MF" "$@"
    rb=$?
    [ "$rb" -eq "$code" ] || fail "'$want': exit $rb, wanted $code: $(head -c 400 "$TMP/b.err")"
    head -n 1 "$TMP/b.err" | grep -qF -- "$want" ||
        fail "wanted '$want', got: $(head -c 400 "$TMP/b.err")"
}
split_csv "$M" 3 "$TMP/part"
sed -i '1s/,age,/,agee,/' "$TMP/part_2.csv"
error 1 "partreg: $TMP/part_2.csv:1: the header line differs from $TMP/part_0.csv's: column 4 is 'agee' where $TMP/part_0.csv has 'age'; every process's file needs the same header line" 3
split_csv "$M" 3 "$TMP/part"
sed -i '1s/$/,extra/; 2,$s/$/,1/' "$TMP/part_1.csv"
error 1 "partreg: $TMP/part_1.csv:1: the header line differs from $TMP/part_0.csv's: it has 9 columns where $TMP/part_0.csv has 8 ('extra' is extra)" 3
split_csv "$M" 3 "$TMP/part"
: >"$TMP/part_1.csv"
error 1 "partreg: $TMP/part_1.csv is empty; a CSV file needs a header line naming the columns" 3
split_csv "$M" 3 "$TMP/part"
rm "$TMP/part_2.csv"
ln -s "$TMP/gone.csv" "$TMP/part_2.csv"
error 1 "partreg: cannot open '$TMP/part_2.csv': No such file or directory; check the path" 3
rm "$TMP/part_2.csv"
mkdir "$TMP/part_2.csv"
error 1 "partreg: cannot read '$TMP/part_2.csv': Is a directory; give the path of a data file" 3
rmdir "$TMP/part_2.csv"
split_csv "$M" 3 "$TMP/part"
mv "$TMP/part_1.csv" "$TMP/part_1.sav"
PARTS="$TMP/part_*" error 1 "partreg: $TMP/part_1.sav: a file per process is read in blocks, as CSV" 3
mv "$TMP/part_1.sav" "$TMP/part_1.csv"
# (one SPSS file in shares: refused likewise)
mpi 2 "$MPI_BIN" fit "$SRC/tests/data/apistrat_design.sav" --formula "awards ~ meals" \
    >/dev/null 2>"$TMP/b.err"
[ $? -eq 1 ] || fail "an SPSS file in shares: wanted exit 1"
grep -qF "apistrat_design.sav: a distributed fit reads a CSV file in shares; SPSS and Stata files are read in memory by one process" \
    "$TMP/b.err" || fail "an SPSS file in shares: $(head -c 400 "$TMP/b.err")"
# a cell in the last file and a line in the middle one: their own lines
awk -F, 'BEGIN { OFS = "," } NR == 5 { $2 = "x" } { print }' "$TMP/part_2.csv" >"$TMP/x" &&
    mv "$TMP/x" "$TMP/part_2.csv"
error 1 "partreg: column 'k5' holds numbers but line 5 of $TMP/part_2.csv has 'x', which is not a finite number" 3
split_csv "$M" 3 "$TMP/part"
sed -i '7s/$/,2/' "$TMP/part_1.csv"
error 1 "partreg: $TMP/part_1.csv:7:" 3
grep -qF "line 7 of $TMP/part_1.csv has 9 fields, the header has 8" "$TMP/b.err" ||
    fail "a short line: $(head -c 400 "$TMP/b.err")"
# the pattern: no file, fewer and more files than processes, unquoted
split_csv "$M" 3 "$TMP/part"
mpi 2 "$MPI_BIN" fit --rank-files "$TMP/none_*.csv" --formula "$MF" >/dev/null 2>"$TMP/b.err"
[ $? -eq 1 ] || fail "no file: wanted exit 1"
grep -qF "partreg-mpi: --rank-files '$TMP/none_*.csv' matches no file" "$TMP/b.err" ||
    fail "no file: $(head -c 400 "$TMP/b.err")"
error 2 "partreg-mpi: --rank-files '$TMP/part_*.csv' matches 3 files ($TMP/part_0.csv, $TMP/part_1.csv, $TMP/part_2.csv) and the run has 2 processes; give one file per process (mpirun -np 3)" 2
error 2 "partreg-mpi: --rank-files '$TMP/part_*.csv' matches 3 files" 4
mpi 3 "$MPI_BIN" fit --rank-files "$TMP"/part_*.csv --formula "$MF" >/dev/null 2>"$TMP/b.err"
[ $? -eq 2 ] || fail "unquoted: wanted exit 2"
grep -qF "partreg-mpi: --rank-files reads one file per process; give no other data file" \
    "$TMP/b.err" || fail "unquoted: $(head -c 400 "$TMP/b.err")"
# braces give the order: part_2's rows, then part_1's, then part_0's
(head -n 1 "$M"; for i in 2 1 0; do tail -n +2 "$TMP/part_$i.csv"; done) >"$TMP/order.csv"
"$BIN" fit "$TMP/order.csv" --formula "$MF" --format json --threads 1 >"$TMP/a.json"
mpi 3 "$MPI_BIN" fit --rank-files "$TMP/part_{2,1,0}.csv" --formula "$MF" --format json \
    --threads 1 >"$TMP/b.json" 2>"$TMP/b.err" || fail "braces: $(head -c 400 "$TMP/b.err")"
compare "$TMP/a.json" "$TMP/b.json" data >"$TMP/diff" ||
    fail "braces: the JSON differs: $(head -c 3000 "$TMP/diff")"

if [ "$fails" -ne 0 ]; then
    echo "$NAME: $fails failure(s)"
    exit 1
fi
echo "$NAME: ok"
