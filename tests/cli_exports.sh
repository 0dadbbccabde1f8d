#!/usr/bin/env bash
# The shared library exports the public API and nothing else: the functions
# defined in libpartreg.so's dynamic symbol table (nm -D --defined-only)
# are exactly the functions declared in include/*.h. An internal function
# that is exported, or a declared one that is not (a declaration without
# PARTREG_API, a function never defined), fails. The declarations are read
# by the compiler (gcc -aux-info), not by pattern matching.
# Usage: cli_exports.sh BUILD SOURCE
set -u
BUILD=$1
SRC=$2
LIB=$BUILD/libpartreg.so

for tool in nm gcc; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "cli_exports: $tool not found; skipped"
        exit 77
    fi
done
[ -f "$LIB" ] || { echo "cli_exports: $LIB not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inc=$(cd "$SRC/include" && pwd)
for h in "$inc"/*.h; do
    printf '#include "%s"\n' "$(basename "$h")"
done >"$tmp/all.c"
# -aux-info lists every function declaration seen, one a line:
#   /* FILE:LINE:NC */ extern RET NAME (PARAMS);
if ! gcc -std=c11 -I"$inc" $(pkg-config --cflags gsl 2>/dev/null) -fsyntax-only \
        -aux-info "$tmp/aux.txt" "$tmp/all.c"; then
    echo "cli_exports: FAIL: the public headers do not compile on their own"
    exit 1
fi
grep -F "/* $inc/" "$tmp/aux.txt" \
    | sed -E 's/^.*[ *]([A-Za-z_][A-Za-z0-9_]*) \(.*$/\1/' | sort -u >"$tmp/declared"
nm -D --defined-only "$LIB" | awk '$2 ~ /^[TtWiV]$/ { print $3 }' | sed 's/@.*//' \
    | sort -u >"$tmp/exported"
# data symbols have no business in the table either
nm -D --defined-only "$LIB" | awk '$2 !~ /^[TtWiV]$/ { print $3 }' >"$tmp/data"

fails=0
n_decl=$(wc -l <"$tmp/declared")
if [ "$n_decl" -lt 100 ]; then
    echo "cli_exports: FAIL: only $n_decl declarations read from $inc (expected the whole API)"
    fails=$((fails + 1))
fi
internal=$(comm -13 "$tmp/declared" "$tmp/exported")
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
if [ -n "$internal" ]; then
    echo "cli_exports: FAIL: exported but not declared in include/:" $internal
    fails=$((fails + 1))
fi
if [ -n "$missing" ]; then
    echo "cli_exports: FAIL: declared in include/ but not exported (PARTREG_API missing?):" $missing
    fails=$((fails + 1))
fi
if [ -s "$tmp/data" ]; then
    echo "cli_exports: FAIL: exported data symbols:" $(cat "$tmp/data")
    fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] || exit 1
echo "cli_exports: libpartreg.so exports exactly the $n_decl functions of include/*.h"
