#!/usr/bin/env bash
# The library's guarantees that can be read off its object code
# (include/partreg.h): the static archive calls nothing that ends the
# process (abort, exit, ...), prints (printf, puts, perror, stdout/stderr),
# touches process-global settings (GSL's error handler, setlocale, signal
# handlers, atexit) or keeps hidden state in non-reentrant C calls (rand,
# strtok, localtime, ...); and it defines no writable global or
# zero-initialised (bss) variables. Usage: cli_symbols.sh BUILD SOURCE
set -u
BUILD=$1
LIB=$BUILD/libpartreg.a
fails=0
fail() { echo "cli_symbols: FAIL: $*"; fails=$((fails + 1)); }

if ! command -v nm >/dev/null 2>&1; then
    echo "cli_symbols: nm not found; skipped"
    exit 77
fi
[ -f "$LIB" ] || { echo "cli_symbols: $LIB not built"; exit 1; }

forbidden="abort exit _exit _Exit quick_exit atexit at_quick_exit
printf vprintf puts putchar perror stdout stderr
gsl_set_error_handler gsl_set_error_handler_off gsl_set_stream gsl_set_stream_handler
setlocale signal sigaction raise
rand srand random srandom drand48 strtok localtime gmtime asctime ctime getenv
system popen"

# undefined symbols referenced by each object, as "object symbol"
undef=$(nm -u -A "$LIB" 2>/dev/null | awk '{ print $1, $NF }')
for sym in $forbidden; do
    hits=$(printf '%s\n' "$undef" | awk -v s="$sym" '$2 == s || $2 == s "@GLIBC" { print $1 }' | sed 's/:$//' | sort -u | tr '\n' ' ')
    [ -z "$hits" ] || fail "calls $sym: $hits"
done

# no writable global state: data (D), bss (B/b) or common (C) symbols
state=$(nm -A "$LIB" 2>/dev/null | awk '$(NF-1) ~ /^[BbCD]$/ { print $1, $NF }')
[ -z "$state" ] || fail "writable global or static variables: $state"

if [ "$fails" -gt 0 ]; then
    echo "cli_symbols: $fails failure(s)"
    exit 1
fi
echo "cli_symbols: libpartreg.a calls no abort/exit/printing/global-state functions and has no mutable globals"
