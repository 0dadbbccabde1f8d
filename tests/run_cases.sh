#!/usr/bin/env bash
# Runs reference cases in the shared conformance format (../shared/
# conformance/README.md) against the built command, with the shared
# checker when it is present (CI has it; a machine without ../shared skips).
# Usage: run_cases.sh BUILD SOURCE CASE_DIR [ID,ID,...]
#   CASE_DIR relative to SOURCE (tests/cases/NAME) or absolute; the ids,
#   when given, restrict the run to those cases (--only).
set -u
BUILD=$1 SOURCE=$2 DIR=$3 ONLY=${4:-}
checker=$SOURCE/../shared/conformance/check
if [ ! -f "$checker" ]; then
    echo "run_cases: $checker not found; skipped"
    exit 77
fi
case "$DIR" in /*) ;; *) DIR=$SOURCE/$DIR ;; esac
[ -d "$DIR" ] || { echo "run_cases: no case folder $DIR; skipped"; exit 77; }
args=(--cases "$DIR")
[ -n "$ONLY" ] && args+=(--only "$ONLY")
exec python3 "$checker" "${args[@]}" "$BUILD/partreg"
