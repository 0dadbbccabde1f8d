#!/usr/bin/env bash
# The tutorial's outputs are what its commands print now
# (scripts/tutorial.sh; `make tutorial` regenerates them). Skipped (77) in
# a sanitizer build, whose library a plain `cc` of the tutorial's example
# programs cannot link against without the sanitizer runtime.
# Usage: cli_tutorial.sh BUILD SOURCE
set -u
if grep -q '^PARTREG_SANITIZE:BOOL=ON' "$1/CMakeCache.txt" 2>/dev/null; then
    echo "cli_tutorial: sanitizer build: skipped (make test checks the tutorial)"
    exit 77
fi
bash "$2/scripts/tutorial.sh" "$1" --check
