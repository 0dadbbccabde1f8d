#!/usr/bin/env bash
# The tutorial's outputs, made by running its commands: every fenced block
# of docs/tutorial.md (``` with no language) whose first line starts with
# "$ " is a session; its
# commands ("$ " lines, continued by a trailing backslash) are run in
# order, in one scratch folder, with the build's partreg first on PATH,
# and the block is rewritten with each command followed by what it
# printed. `pkg-config` and the example programs resolve to the build.
#
#   scripts/tutorial.sh BUILD --write   regenerate docs/tutorial.md (make tutorial)
#   scripts/tutorial.sh BUILD --check   exit 1 with a diff when it has drifted
#                                       (tests/cli_tutorial.sh, make test)
set -u
if [ $# -ne 2 ] || { [ "$2" != --write ] && [ "$2" != --check ]; }; then
    echo "usage: $0 BUILD --write|--check" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd) || exit 2
SRC=$(cd "$(dirname "$0")/.." && pwd)
DOC=$SRC/docs/tutorial.md
WORK=$(mktemp -d "${TMPDIR:-/tmp}/partreg-tutorial.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin" "$WORK/run"
ln -s "$SRC/examples" "$WORK/run/examples"
ln -s "$SRC/tests" "$WORK/run/tests"
ln -s "$BUILD/partreg" "$WORK/bin/partreg"
# pkg-config partreg: the build tree (the tutorial's readers have it installed)
cat >"$WORK/bin/pkg-config" <<PC
#!/bin/sh
echo "-I$SRC/include -L$BUILD -Wl,-rpath,$BUILD -lpartreg"
PC
chmod +x "$WORK/bin/pkg-config"
# the example programs the tutorial runs without showing their build
for ex in fit_file fit_arrays; do
    cc -std=c11 "$SRC/examples/$ex.c" -I"$SRC/include" -L"$BUILD" -Wl,-rpath,"$BUILD" -lpartreg \
        -lm -o "$WORK/run/$ex" || { echo "tutorial: cannot build examples/$ex.c" >&2; exit 1; }
done

NEW=$WORK/tutorial.md
in_block=0
block=()
flush() { # write the block, run when it is a session
    local first=${block[0]-}
    if [[ $first != '$ '* ]]; then
        printf '%s\n' "${block[@]}" >>"$NEW"
        return
    fi
    local cmd="" line
    for line in "${block[@]}"; do
        if [ -n "$cmd" ]; then # a continuation line
            printf '%s\n' "$line" >>"$NEW"
            cmd="$cmd"$'\n'"$line"
        elif [[ $line == '$ '* ]]; then
            printf '%s\n' "$line" >>"$NEW"
            cmd=${line#'$ '}
        else
            continue # an old output line
        fi
        if [[ $cmd != *'\' ]]; then
            (cd "$WORK/run" && PATH="$WORK/bin:$PATH" LC_ALL=C bash -c "$cmd" 2>&1) >>"$NEW"
            cmd=""
        fi
    done
}
while IFS= read -r line || [ -n "$line" ]; do
    if [ $in_block -eq 0 ]; then
        printf '%s\n' "$line" >>"$NEW"
        if [[ $line == '```'* ]]; then # a fence, with or without a language
            in_block=1
            block=()
        fi
    elif [ "$line" = '```' ]; then
        [ ${#block[@]} -gt 0 ] && flush
        printf '%s\n' "$line" >>"$NEW"
        in_block=0
    else
        block+=("$line")
    fi
done <"$DOC"

if [ "$2" = --write ]; then
    cp "$NEW" "$DOC"
    echo "tutorial: docs/tutorial.md regenerated"
    exit 0
fi
if ! diff -u "$DOC" "$NEW" >"$WORK/diff"; then
    echo "tutorial: docs/tutorial.md differs from what its commands print now (make tutorial"
    echo "regenerates it; check the differences are intended):"
    head -n 80 "$WORK/diff"
    exit 1
fi
echo "tutorial: every output of docs/tutorial.md is what its commands print"
