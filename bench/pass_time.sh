#!/bin/sh
# Build bench/pass_time against a CMake build (default build/):
#   sh bench/pass_time.sh [BUILD_DIR]  ->  BUILD_DIR/pass_time
src=$(cd "$(dirname "$0")/.." && pwd); build=${1:-$src/build}
libs="$build/libpartreg.a $(pkg-config --libs openblas) $(pkg-config --libs-only-l gsl | sed 's/-lgslcblas//') -lpthread -lm"
exec cc -O2 -g -std=c11 -Wall -Wextra -I"$src/include" -I"$build/generated" -I"$src/lib" \
  "$src/bench/pass_time.c" $libs -o "$build/pass_time"
