# The setup the MPI comparison scripts share (cli_mpi_design.sh,
# cli_mpi_ri.sh), sourced after they set NAME, BUILD and SRC: BIN and
# MPI_BIN, exit 77 (skipped) when the build has no partreg-mpi or mpirun
# is missing, TMP (removed at exit), fail() and the count `fails`,
# mpi NP PROGRAM ARGS... (mpirun as root, oversubscribed, shared memory)
# and compare A B [KEY...] (the two JSON files equal without their
# diagnostics, which a fit read in blocks leaves out, and the KEYs).
BIN=$BUILD/partreg
MPI_BIN=$BUILD/partreg-mpi
if [ ! -x "$MPI_BIN" ] || ! command -v mpirun >/dev/null 2>&1; then
    echo "$NAME: no partreg-mpi or mpirun (MPI not installed: scripts/install-deps.sh mpi); skipped"
    exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "$NAME: FAIL: $*"; fails=$((fails + 1)); }
export OMPI_MCA_rmaps_base_oversubscribe=1
# Open MPI leaves its own allocations at exit, which LeakSanitizer would
# report as partreg's (the asan build): the leak check stays on for the
# one-process runs (and test_rows, test_stream_groups check partreg's
# distributed code with threads as processes)
mpi() {
    local np=$1
    shift
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" nice mpirun --oversubscribe \
        --allow-run-as-root --mca btl self,vader -np "$np" "$@"
}

compare() {
    python3 - "$@" <<'PY'
import json, sys
def load(f):
    d = json.load(open(f))
    for key in ["diagnostics"] + sys.argv[3:]:
        d.pop(key, None)
    return json.dumps(d, sort_keys=True)
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    print("one process:", a[:1500])
    print("compared:   ", b[:1500])
    sys.exit(1)
PY
}
