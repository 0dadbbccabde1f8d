#!/usr/bin/env bash
# Out of core and over MPI (docs/scaling.md): writes the section between
# the scale markers of bench/results.md (bench/run.sh calls it in full
# mode; alone it takes 10 to 20 minutes and 20 GB of disk).
#
#   1. a 10^8-row CSV of a binary outcome and 10 predictors (bench/gen_big.c,
#      7.7 GB), made once in bench/data/scale/ (kept between runs);
#   2. `partreg fit` on it with --memory 1G (out of core: the design file,
#      9.6 GB, goes to bench/data/scale/): wall time, phases, peak RSS;
#   3. the same model in memory on its first 10^7 rows (the per-row
#      baseline), and out of core on those 10^7 rows;
#   4. the floors: the disk's sequential read (O_DIRECT, no page cache) and
#      the page cache's, times the bytes the fit reads (passes x design);
#   5. mpirun -np 1 and -np 2 partreg-mpi on the 10^7 rows (one thread a
#      process), and the latency of the allgather a pass makes
#      (bench/mpi_latency.c) for the scaling model of docs/scaling.md.
#
# Usage: bench/scale.sh [BUILD_DIR]   (BENCH_SCALE_N overrides 10^8;
# BENCH_SCALE_DIR the data directory, so that a reduced run leaves the
# 10^8-row file of bench/data/scale alone; BENCH_SCALE_CSV an existing
# CSV made by bench/gen_big.c to use as the large file, read only and
# never regenerated: its rows from FILE.rows, else counted, and the
# outputs, the 10^7-row head and the design files in BENCH_SCALE_DIR;
# BENCH_SCALE_REPS runs each fit that many times, keeping the run of the
# median wall time: on a shared machine one run's time moves by half)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/results_section.sh
. "$here/results_section.sh"
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
dir=${BENCH_SCALE_DIR:-$here/data/scale}
mkdir -p "$dir"
N=${BENCH_SCALE_N:-100000000}
P=10
TIME=/usr/bin/time
big=$dir/big.csv
small=$dir/small.csv
if [ -n "${BENCH_SCALE_CSV:-}" ]; then
    big=$BENCH_SCALE_CSV
    [ -s "$big" ] || { echo "bench/scale.sh: $big is not a CSV file" >&2; exit 1; }
    if [ -s "$big.rows" ]; then
        N=$(cat "$big.rows")
    else
        N=$(($(wc -l <"$big") - 1))
    fi
fi
N7=$((N / 10))
F="yb ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"

cc -O2 -std=c11 -Wall -Wextra "$here/gen_big.c" -o "$dir/gen_big" -lm
need=$(( (N / 1000000) * 180 / 1000 + 2 ))   # GB: the CSV (77 B a row) and the design file (96 B)
[ -z "${BENCH_SCALE_CSV:-}" ] || need=$(( (N / 1000000) * 110 / 1000 + 2 ))   # the design file and the head
free_gb=$(df -BG --output=avail "$dir" | tail -n 1 | tr -dc 0-9)
if [ "$free_gb" -lt "$need" ]; then
    echo "bench/scale.sh: $free_gb GB free in $dir, $need GB needed; skipped" >&2
    exit 1
fi
if [ -z "${BENCH_SCALE_CSV:-}" ] && { [ ! -s "$big" ] || [ "$(cat "$big.rows" 2>/dev/null)" != "$N" ]; }; then
    echo "generating $N rows into $big (once)" >&2
    nice "$dir/gen_big" "$big" "$N" "$P"
    echo "$N" >"$big.rows"
fi
if [ ! -s "$small" ] || [ "$(cat "$small.rows" 2>/dev/null)" != "$N7" ]; then
    head -n $((N7 + 1)) "$big" >"$small"
    echo "$N7" >"$small.rows"
fi

load0=$(cut -d' ' -f1-3 /proc/loadavg)
REPS=${BENCH_SCALE_REPS:-1}
# run NAME CMD...: the JSON on stdout kept in $dir/NAME.json, /usr/bin/time's
# wall seconds and peak RSS (KB) in $dir/NAME.time (of the run of the
# median wall time of REPS)
run() {
    local name=$1 r
    shift
    for r in $(seq 1 "$REPS"); do
        $TIME -f "%e %M" -o "$dir/$name.time.$r" nice "$@" >"$dir/$name.json.$r"
    done
    r=$(for r in $(seq 1 "$REPS"); do echo "$(cut -d' ' -f1 "$dir/$name.time.$r") $r"; done |
        sort -n | sed -n "$(((REPS + 1) / 2))p" | cut -d' ' -f2)
    mv "$dir/$name.time.$r" "$dir/$name.time"
    mv "$dir/$name.json.$r" "$dir/$name.json"
    rm -f "$dir/$name.time."* "$dir/$name.json."*
}
run ooc_big "$build/partreg" fit "$big" --formula "$F" --out-of-core --memory 1G --tmpdir "$dir" \
    --format json --timing
run mem_small "$build/partreg" fit "$small" --formula "$F" --format json --timing
run ooc_small "$build/partreg" fit "$small" --formula "$F" --out-of-core --memory 1G \
    --tmpdir "$dir" --format json --timing

# the floors: the disk's read without the page cache, and the cache's
# (at most 4 GiB; a smaller file is read whole: the bytes dd says it copied)
ddout=$(dd if="$big" of=/dev/null bs=16M count=256 iflag=direct 2>&1 | grep copied)
disk_bytes=${ddout%% bytes*}
disk=$(sed -n 's/.*copied, \([0-9.]*\) s.*/\1/p' <<<"$ddout")
cat "$small" >/dev/null
cache=$(dd if="$small" of=/dev/null bs=16M 2>&1 | sed -n 's/.*copied, \([0-9.]*\) s.*/\1/p')
disk_bw=$(python3 -c "print($disk_bytes / $disk / 1e9)")
cache_bw=$(python3 -c "import os; print(os.path.getsize('$small') / $cache / 1e9)")

mpi_rows=""
if [ -x "$build/partreg-mpi" ] && command -v mpirun >/dev/null 2>&1; then
    MPIRUN=(mpirun --oversubscribe --allow-run-as-root --mca btl self,vader)
    for np in 1 2; do
        run "mpi_$np" "${MPIRUN[@]}" -np "$np" "$build/partreg-mpi" fit "$small" --formula "$F" \
            --threads 1 --format json --timing
    done
    run "one_thread" "$build/partreg" fit "$small" --formula "$F" --threads 1 --format json --timing
    mpicc -O2 -std=c11 -I"$src/lib" -I"$src/include" -I"$src/mpi" $(pkg-config --cflags gsl) \
        "$here/mpi_latency.c" "$src/mpi/partreg_mpi.c" "$build/libpartreg.a" \
        $(pkg-config --libs openblas) -lgsl -lpthread -lm -o "$dir/mpi_latency"
    "${MPIRUN[@]}" -np 2 "$dir/mpi_latency" 200 >"$dir/latency.tsv"
    mpi_rows=1
fi
load1=$(cut -d' ' -f1-3 /proc/loadavg)

section=$(python3 - "$dir" "$N" "$N7" "$disk_bw" "$cache_bw" "$load0" "$load1" "$mpi_rows" "$REPS" <<'PY'
import json, math, os, sys
d, N, N7 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
reps = int(sys.argv[9])
def e(n):  # 10^8, or the count when it is not a power of ten
    k = round(math.log10(n))
    return "10^%d" % k if 10 ** k == n else "%d" % n
EN, EN7 = e(N), e(N7)
disk_bw, cache_bw = float(sys.argv[4]), float(sys.argv[5])
load0, load1, mpi = sys.argv[6], sys.argv[7], sys.argv[8] == "1"
def get(name):
    j = json.load(open(os.path.join(d, name + ".json")))
    wall, rss = open(os.path.join(d, name + ".time")).read().split()
    return j, float(wall), int(rss) / 1024.0
p = 11  # design columns: the intercept and 10 predictors; + the outcome: 12 doubles a row
row_bytes = (p + 1) * 8
out = []
w = out.append
w("<!-- scale -->")
w("## Out of core and over MPI (`bench/scale.sh`)")
w("")
if N != 10 ** 8:
    w("A reduced run: `BENCH_SCALE_N=%d%s bench/scale.sh` (%s rows out of core, %s in memory)." % (
        N, " BENCH_SCALE_REPS=%d" % reps if reps > 1 else "", EN, EN7))
    w("")
w("A binary logit with 10 predictors (`bench/gen_big.c`), `partreg fit DATA.csv --format json "
  "--timing`, each run alone under `nice` (%s), peak RSS from `/usr/bin/time`. Out of core: the "
  "CSV file read in 64 MiB blocks, once when the design file written during its survey holds "
  "(CSV parses 1: the survey column is then the whole reading, the design column the coding "
  "frame's check), else twice (the survey, then the design file); the fit and its "
  "covariance reading the design file in segments. Load average at the start %s, at the end %s "
  "(2 cores shared with other jobs)." % (
      "once" if reps == 1 else "%d times, the run of the median wall time shown" % reps,
      load0, load1))
w("")
w("| run | rows | wall | survey / read | design | fit | passes | CSV parses | peak RSS | ns/row end to end | ns/row/pass fit |")
w("|---|---|---|---|---|---|---|---|---|---|---|")
rows = [("out of core, --memory 1G", "ooc_big", N), ("in memory", "mem_small", N7),
        ("out of core, --memory 1G", "ooc_small", N7)]
res = {}
for label, name, n in rows:
    j, wall, rss = get(name)
    t = j["timing"]
    res[name] = (j, wall, rss, n)
    w("| %s | %.0e | %.1f s | %.1f s | %.1f s | %.2f s | %.2f | %s | %.0f MB | %.0f | %.2f |" % (
        label, n, wall, t["read_s"], t["design_s"], t["fit_s"], t["data_passes"],
        t.get("csv_passes", "-"), rss, 1e9 * wall / n, 1e9 * t["fit_s"] / t["data_passes"] / n))
jb, wb, rb, nb = res["ooc_big"]
jm, wm, rm, nm = res["mem_small"]
js, ws, rs, ns = res["ooc_small"]
same = [c["estimate"] for c in js["coefficients"]] == [c["estimate"] for c in jm["coefficients"]]
tb = jb["timing"]
design = nb * row_bytes
floor_disk = tb["data_passes"] * design / (disk_bw * 1e9)
floor_cache = tb["data_passes"] * design / (cache_bw * 1e9)
w("")
w("- Peak memory at %s rows out of core: %.0f MB (the in-memory fit of %s rows: %.0f MB)." % (EN, rb, EN7, rm))
w("- Time per row, end to end: %.2f x the in-memory fit's (%s out of core against %s in memory; "
  "%.2f x at %s both). The in-memory run's inference includes the binary diagnostics "
  "(%.1f s), which out of core leaves out." % ((wb / nb) / (wm / nm), EN, EN7, (ws / ns) / (wm / nm), EN7,
                                                 jm["timing"]["inference_s"]))
w("- The fit phase at %s: %.1f s for %.2f passes over the %.1f GB design file; the floor of "
  "those reads is %.1f s from the disk (%.2f GB/s, O_DIRECT) and %.1f s from the page cache "
  "(%.2f GB/s): %.2f x and %.2f x the floors." % (EN, tb["fit_s"], tb["data_passes"], design / 1e9,
                                                   floor_disk, disk_bw, floor_cache, cache_bw,
                                                   tb["fit_s"] / floor_disk, tb["fit_s"] / floor_cache))
w("- Out of core and in memory give the same estimates at %s rows: %s (tests/cli_out_of_core.sh "
  "holds the whole JSON to the byte on the conformance cases)." % (EN7, "yes" if same else "NO"))
if mpi:
    w("")
    w("Over MPI on this machine (shared memory, `--mca btl self,vader`), %s rows, one thread a "
      "process:" % EN7)
    w("")
    w("| run | wall | read | design | fit | fit speed-up |")
    w("|---|---|---|---|---|---|")
    j1 = get("mpi_1")[0]
    for name, label in (("one_thread", "partreg fit --threads 1"), ("mpi_1", "mpirun -np 1 partreg-mpi"),
                        ("mpi_2", "mpirun -np 2 partreg-mpi")):
        j, wall, rss = get(name)
        t = j["timing"]
        w("| %s | %.2f s | %.2f s | %.2f s | %.3f s | %.2f |" % (
            label, wall, t["read_s"], t["design_s"], t["fit_s"], j1["timing"]["fit_s"] / t["fit_s"]))
    same2 = json.dumps(get("mpi_2")[0]["coefficients"]) == json.dumps(get("one_thread")[0]["coefficients"])
    w("")
    w("The two-process estimates equal the one-process ones: %s." % ("yes" if same2 else "NO"))
    w("")
    w("Latency of the allgather of a pass (2 processes, median of 200; libpartreg_mpi over "
      "Open MPI's shared-memory transport):")
    w("")
    w("| bytes a process | seconds |")
    w("|---|---|")
    for line in open(os.path.join(d, "latency.tsv")):
        b, s = line.split()
        w("| %s | %.2e |" % (b, float(s)))
w("<!-- /scale -->")
print("\n".join(out))
PY
)
md=$here/results.md
results_section "$md" scale "$section"
echo "$section"
