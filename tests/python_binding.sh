#!/usr/bin/env bash
# The Python package (python/) against the built command and library:
# python/tests/test_partreg.py with the shared conformance cases and the
# reference case folders given. Skipped (exit 77) with a line saying why
# when no Python 3 with NumPy is found (Debian: python3-numpy, installed by
# scripts/install-deps.sh test) or the shared library was not built.
# Usage: python_binding.sh BUILD SOURCE [CASE_DIR...] (relative to SOURCE)
set -u
BUILD=$1 SOURCE=$2
shift 2
lib=$BUILD/libpartreg.so
if [ ! -e "$lib" ]; then
    echo "python_binding: $lib not built; skipped"
    exit 77
fi
py=""
for cand in "${PARTREG_PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$cand" ] || continue
    if "$cand" -c 'import numpy' >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
if [ -z "$py" ]; then
    echo "python_binding: no python3 with NumPy (Debian: python3-numpy; scripts/install-deps.sh test installs it); skipped"
    exit 77
fi
cases=""
shared=$SOURCE/../shared/conformance/cases
[ -d "$shared" ] && cases=$shared
for d in "$@"; do
    cases="$cases:$SOURCE/$d"
done
export PARTREG_LIBRARY=$lib PARTREG_CLI=$BUILD/partreg PARTREG_CASES=$cases
export PYTHONPATH=$SOURCE/python${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1
# the package installs with pip from Debian's packages alone (no index, no
# build isolation), when pip is present
if "$py" -m pip --version >/dev/null 2>&1; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cp -r "$SOURCE/python" "$tmp/src"
    rm -rf "$tmp/src/build" "$tmp/src/"*.egg-info
    if ! "$py" -m pip install -q --no-build-isolation --no-deps --no-index \
            --target "$tmp/site" "$tmp/src" >"$tmp/pip.log" 2>&1; then
        cat "$tmp/pip.log"
        echo "python_binding: pip install --no-build-isolation failed"
        exit 1
    fi
    (cd "$tmp" && PYTHONPATH=$tmp/site "$py" -c \
        'import partreg; assert partreg.fit and partreg.version()') || exit 1
    echo "python_binding: pip install --no-build-isolation ./python: ok"
else
    echo "python_binding: pip not installed: the install check is skipped"
fi
(cd "$SOURCE/python" && "$py" -m unittest -v tests.test_partreg) || exit 1
# the examples run (they read the data with pandas)
if "$py" -c 'import pandas' >/dev/null 2>&1; then
    for ex in "$SOURCE"/examples/python/*.py; do
        "$py" "$ex" >/dev/null || { echo "python_binding: $ex failed"; exit 1; }
        echo "python_binding: $(basename "$ex"): ok"
    done
else
    echo "python_binding: pandas not installed: examples/python skipped"
fi
