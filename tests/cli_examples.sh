#!/usr/bin/env bash
# The example programs a research-tool author copies from.
#
#   bash tests/cli_examples.sh BUILD_DIR SOURCE_DIR
#
# Compiles examples/fit_arrays.c and examples/fit_file.c the way a user
# would (cc, the public headers only, the build's static libpartreg.a and
# the link flags its pkg-config file declares), with the project's warning
# flags as errors, runs them from the source directory and diffs their
# output against the committed examples/*.out. A numerical change that
# moves a printed digit shows here; update the .out files on purpose only.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd) || exit 2
SRC=$(cd "$2" && pwd) || exit 2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/partreg-examples.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

# Link flags: what partreg.pc declares (Libs.private and the libraries of
# Requires and Requires.private, as pkg-config --static gives them).
# The build keeps the file as partreg.pc.in until install time.
PC=$BUILD/partreg.pc.in
[ -f "$PC" ] || PC=$BUILD/partreg.pc
[ -f "$PC" ] || { echo "cli_examples: FAIL: no partreg.pc(.in) in $BUILD" >&2; exit 1; }
[ -f "$BUILD/libpartreg.a" ] || { echo "cli_examples: FAIL: no $BUILD/libpartreg.a" >&2; exit 1; }
PRIVATE=$(sed -n 's/^Libs.private: *//p' "$PC")
REQUIRES="$(sed -n 's/^Requires: *//p' "$PC") $(sed -n 's/^Requires.private: *//p' "$PC")"
REQ_LIBS=$(pkg-config --libs $REQUIRES) || { echo "cli_examples: FAIL: pkg-config --libs $REQUIRES" >&2; exit 1; }
REQ_CFLAGS=$(pkg-config --cflags $REQUIRES)
CC=${CC:-cc}
# a sanitizer build's archive needs the sanitizer runtime in the program too
if grep -q '^PARTREG_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    PRIVATE="$PRIVATE -fsanitize=address,undefined"
fi
WARN="-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wstrict-prototypes -Wmissing-prototypes -Werror"

FAILED=0
for ex in fit_arrays fit_file; do
    if ! $CC -std=c11 $WARN -I"$SRC/include" $REQ_CFLAGS "$SRC/examples/$ex.c" \
        "$BUILD/libpartreg.a" $PRIVATE $REQ_LIBS -o "$TMP/$ex" 2>"$TMP/$ex.cc"; then
        echo "cli_examples: FAIL: $ex.c does not compile:" >&2
        cat "$TMP/$ex.cc" >&2
        FAILED=1
        continue
    fi
    if ! (cd "$SRC" && "$TMP/$ex") >"$TMP/$ex.out" 2>"$TMP/$ex.err"; then
        echo "cli_examples: FAIL: $ex exited non-zero: $(cat "$TMP/$ex.err")" >&2
        FAILED=1
        continue
    fi
    if ! diff -u "$SRC/examples/$ex.out" "$TMP/$ex.out" >"$TMP/$ex.diff"; then
        echo "cli_examples: FAIL: $ex output differs from examples/$ex.out:" >&2
        cat "$TMP/$ex.diff" >&2
        FAILED=1
        continue
    fi
    echo "cli_examples: $ex ok"
done
exit "$FAILED"
