#!/usr/bin/env bash
# Benchmark of the CSV reader: generate a 1,000,000 x 12 survey CSV (once,
# cached in the build dir) and time partreg_table_read_csv on it.
# Usage: bench/read_csv.sh [BUILD_DIR] [ROWS]   (BUILD_DIR default: build)
# Needs the static library built in BUILD_DIR (cmake --build BUILD_DIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${1:-$src/build}
rows=${2:-1000000}
csv=$build/bench_${rows}.csv
[ -f "$csv" ] || python3 "$here/gen_csv.py" "$csv" "$rows"
ls -l "$csv"
cc -O2 -std=c11 -I"$src/include" "$here/bench_read.c" "$build/libpartreg.a" \
   $(pkg-config --libs gsl) -lm -o "$build/bench_read"
"$build/bench_read" "$csv" 7
