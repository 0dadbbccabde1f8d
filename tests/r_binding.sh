#!/usr/bin/env bash
# The R package (bindings/r) against the built command and library:
# R CMD INSTALL into a temporary library (linked to BUILD's libpartreg),
# then bindings/r/tests/testthat/test-partreg.R with the shared conformance
# cases and the reference case folders given. Skipped (exit 77) with a
# line saying why without R, its headers (r-base-dev), jsonlite or testthat
# (Debian: r-base-dev r-cran-jsonlite r-cran-testthat, installed by
# scripts/install-deps.sh r), or without the shared library.
# Usage: r_binding.sh BUILD SOURCE [CASE_DIR...] (relative to SOURCE)
set -u
BUILD=$1 SOURCE=$2
shift 2
lib=$BUILD/libpartreg.so
skip() { echo "r_binding: $*; skipped (scripts/install-deps.sh r installs R's packages)"; exit 77; }
[ -e "$lib" ] || skip "$lib not built"
command -v Rscript >/dev/null 2>&1 || skip "Rscript not installed"
[ -f "$(R RHOME 2>/dev/null)/include/R.h" ] || [ -f /usr/share/R/include/R.h ] ||
    skip "R's headers (r-base-dev) not installed"
Rscript -e 'for (p in c("jsonlite", "testthat")) if (!requireNamespace(p, quietly = TRUE)) quit(status = 1)' \
    >/dev/null 2>&1 || skip "jsonlite or testthat not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$SOURCE/bindings/r" "$tmp/src"
rm -f "$tmp/src/src/"*.o "$tmp/src/src/"*.so
mkdir "$tmp/lib"
abs_build=$(cd "$BUILD" && pwd)
if ! PARTREG_CPPFLAGS="-I$SOURCE/include" \
     PARTREG_LIBS="-L$abs_build -Wl,-rpath,$abs_build -lpartreg" \
     R CMD INSTALL --no-test-load -l "$tmp/lib" "$tmp/src" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    echo "r_binding: R CMD INSTALL bindings/r failed"
    exit 1
fi
echo "r_binding: R CMD INSTALL bindings/r: ok"
cases=""
shared=$SOURCE/../shared/conformance/cases
[ -d "$shared" ] && cases=$shared
for d in "$@"; do
    cases="$cases:$SOURCE/$d"
done
export PARTREG_CLI=$abs_build/partreg PARTREG_CASES=$cases R_LIBS=$tmp/lib
Rscript -e 'library(testthat); library(partreg)
r <- test_file(commandArgs(TRUE)[1], reporter = "summary", stop_on_failure = TRUE)' \
    "$SOURCE/bindings/r/tests/testthat/test-partreg.R" || exit 1
for ex in "$SOURCE"/examples/r/*.R; do
    [ -e "$ex" ] || continue
    Rscript "$ex" >/dev/null || { echo "r_binding: $ex failed"; exit 1; }
    echo "r_binding: $(basename "$ex"): ok"
done
