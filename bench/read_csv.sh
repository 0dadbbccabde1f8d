#!/usr/bin/env bash
# Benchmark of the readers, one run: on the numeric bench file (ROWS rows,
# yb, yo, x1..x10, bench/gen_data.c) and the survey file (ROWS x 12 with
# text, quotes and missing cells, bench/gen_csv.py), each in the page
# cache, best of REPS:
#   - the floors: cat FILE > /dev/null, and the file read by pread in
#     256 KiB blocks into a reused buffer on 1 and 2 threads (csv_peers);
#   - partreg_table_read_csv on 1 and 2 threads (bench_read);
#   - Debian's libcsv: its tokeniser alone (callbacks that count fields),
#     and a numeric reader on it (strtod into column arrays);
#   - the Fast C++ CSV Parser (Debian libfccp-dev) on the numeric file.
# Then the numeric data as .sav and .dta (written once by haven): partreg's
# readers against haven::read_sav and haven::read_dta.
# Prints the load average before and after (the machine may be shared: the
# CPU columns are the ones to compare then).
# Usage: bench/read_csv.sh [BUILD_DIR] [ROWS]   (BUILD_DIR default: build;
# REPS from BENCH_READ_REPS, default 9). Needs the static library built in
# BUILD_DIR (cmake --build BUILD_DIR); make deps-bench installs the rest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
rows=${2:-1000000}
reps=${BENCH_READ_REPS:-9}
num=$build/bench_num_${rows}
survey=$build/bench_${rows}.csv
run=(nice -n 10)

[ -f "$num.csv" ] || {
  cc -O2 "$here/gen_data.c" -lm -o "$build/gen_data"
  "$build/gen_data" "$num" "$rows" 10 >/dev/null
}
[ -f "$survey" ] || python3 "$here/gen_csv.py" "$survey" "$rows"

cmake --build "$build" --target bench_read >/dev/null
bench_read=$build/bench/bench_read
have_libcsv=0
if [ -f /usr/include/csv.h ]; then
  cc -O2 -std=c11 "$here/csv_peers.c" -lcsv -lpthread -lm -o "$build/csv_peers" && have_libcsv=1
else
  echo "libcsv-dev not installed: libcsv skipped (make deps-bench)"
fi
have_fccp=0
if [ -f /usr/include/libfccp/csv.h ]; then
  c++ -O2 -std=c++17 "$here/fccp_read.cpp" -lpthread -o "$build/fccp_read" && have_fccp=1
else
  echo "libfccp-dev not installed: the Fast C++ CSV Parser skipped (make deps-bench)"
fi

# row LABEL BYTES COMMAND...: one table row from a line "wall best W s ...
# CPU best C s" (GB/s = 1e9 bytes over the best wall time, and per CPU
# second)
row() {
  local label=$1 bytes=$2 out
  shift 2
  if declare -F "$1" >/dev/null; then
    out=$("$@" | tail -1)
  else
    out=$("${run[@]}" "$@" | tail -1)
  fi
  echo "$out" | awk -v l="$label" -v b="$bytes" '{
    for (i = 1; i <= NF; i++) {
      if ($i == "best" && $(i - 1) == "wall") w = $(i + 1)
      if ($i == "best" && $(i - 1) == "CPU") c = $(i + 1)
    }
    printf "| %s | %.4f | %.4f | %.2f | %.2f |\n", l, w, c, b / w / 1e9, b / c / 1e9 }'
}

# cat FILE > /dev/null, REPS times: best wall (bash's clock; cat's CPU
# time is below /usr/bin/time's resolution, so the column repeats the wall)
cat_floor() {
  local f=$1 t0 t1
  for _ in $(seq "$reps"); do
    t0=$(date +%s.%N)
    cat "$f" >/dev/null
    t1=$(date +%s.%N)
    echo "$t0 $t1"
  done | awk 'NR == 1 || $2 - $1 < w { w = $2 - $1 }
    END { printf "cat: wall best %.4f s; CPU best %.4f s\n", w, w }'
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for f in "$num.csv" "$survey"; do
  bytes=$(stat -c %s "$f")
  cat "$f" >/dev/null # into the page cache
  echo
  echo "$(basename "$f"): $bytes bytes, best of $reps"
  echo
  echo "| reader | wall (s) | CPU (s) | GB/s (wall) | GB/s per CPU second |"
  echo "|---|---|---|---|---|"
  row "cat FILE > /dev/null" "$bytes" cat_floor "$f"
  if [ $have_libcsv = 1 ]; then
    row "pread, 256 KiB blocks, 1 thread" "$bytes" "$build/csv_peers" pread "$f" "$reps" 1
    row "pread, 256 KiB blocks, 2 threads" "$bytes" "$build/csv_peers" pread "$f" "$reps" 2
  fi
  row "partreg, 1 thread" "$bytes" "$bench_read" "$f" "$reps" 1
  row "partreg, 2 threads" "$bytes" "$bench_read" "$f" "$reps" 2
  if [ $have_libcsv = 1 ]; then
    row "libcsv 3.0.3, fields counted" "$bytes" "$build/csv_peers" libcsv-count "$f" "$reps"
    row "libcsv 3.0.3 + strtod into columns" "$bytes" "$build/csv_peers" libcsv-strtod "$f" "$reps"
  fi
  if [ $have_fccp = 1 ] && [ "$f" = "$num.csv" ]; then
    row "Fast C++ CSV Parser (fccp), doubles" "$bytes" "$build/fccp_read" "$f" "$reps"
  fi
done

echo
if command -v Rscript >/dev/null && Rscript -e 'quit(status = !requireNamespace("haven", quietly = TRUE))'; then
  sreps=$(( reps < 5 ? reps : 5 ))
  Rscript "$here/read_stat.R" "$num.csv" "$num.sav" "$num.dta" 1 >/dev/null # write them once
  for ext in sav dta; do
    f=$num.$ext
    bytes=$(stat -c %s "$f")
    cat "$f" >/dev/null
    echo "$(basename "$f"): $bytes bytes, best of $sreps"
    echo
    echo "| reader | wall (s) | CPU (s) | GB/s (wall) | GB/s per CPU second |"
    echo "|---|---|---|---|---|"
    row "partreg, 1 thread" "$bytes" "$bench_read" "$f" "$sreps" 1
    row "partreg, 2 threads" "$bytes" "$bench_read" "$f" "$sreps" 2
    "${run[@]}" Rscript "$here/read_stat.R" "$num.csv" "$num.sav" "$num.dta" "$sreps" |
      grep "read_$ext" | awk -v b="$bytes" -v e="$ext" '{
        for (i = 1; i <= NF; i++) {
          if ($i == "best" && $(i - 1) == "wall") w = $(i + 1)
          if ($i == "best" && $(i - 1) == "CPU") c = $(i + 1)
        }
        printf "| haven %s read_%s | %.4f | %.4f | %.2f | %.2f |\n", $2, e, w, c, b / w / 1e9, b / c / 1e9 }'
    echo
  done
else
  echo "R with haven not installed: the .sav/.dta comparison skipped (make deps-bench)"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
