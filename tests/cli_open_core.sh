#!/usr/bin/env bash
# The model interface stays the only door to the models: outside
# lib/models/ no code branches on the model family (PARTREG_BINARY,
# PARTREG_ORDINAL or a comparison of partreg_fit_family() with one of
# them). Allowed: the family table itself (lib/core/family.c), the frame
# options' default, and the Brant test's binary sub-fits, which fit the
# binary model by design. Usage: cli_open_core.sh BUILD SOURCE
set -u
SRC=$2
cd "$SRC" || exit 1
hits=$(grep -rnE 'PARTREG_(BINARY|ORDINAL)\b' lib tools --include='*.c' --include='*.h' \
    | grep -v '^lib/models/' \
    | grep -v '^lib/core/family\.c:' \
    | grep -v '^lib/frame/frame\.c:.*o\.family = PARTREG_BINARY;' \
    | grep -v '^lib/inference/brant\.c:.*partreg_fit_create(&bd, PARTREG_BINARY, PARTREG_LOGIT')
if [ -n "$hits" ]; then
    echo "cli_open_core: FAIL: family branches outside lib/models (use the model's table or traits):"
    echo "$hits"
    exit 1
fi
echo "cli_open_core: no family branches outside lib/models"
