#!/usr/bin/env bash
# What the small-sample tools cost (bench/small_time.c): CR2 against CR1 at
# 10^6 rows in 40 clusters, and Rubin pooling against the analyses it
# pools. Writes the section between the small-samples markers of
# bench/results.md (bench/run.sh calls it after its own report).
#
# Usage: bench/small_samples.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
bin=$here/data/bin
mkdir -p "$bin"
pc=$build/partreg.pc
requires=$(sed -n 's/^Requires: *//p' "$pc")
private=$(sed -n 's/^Libs.private: *//p' "$pc")
# shellcheck disable=SC2086
cc -O2 -std=c11 -Wall -Wextra -pthread -I"$src/include" $(pkg-config --cflags $requires) \
   "$here/small_time.c" "$build/libpartreg.a" $private $(pkg-config --libs $requires) -o "$bin/small_time"
out=$(OPENBLAS_NUM_THREADS=1 "$bin/small_time" 1000000 10 40 10 20000 5 2)
md=$here/results.md
note="CR2 reads the design twice (CR1 once): the first pass sums each cluster's Z'Z and the range of its working variances, the second the sums of Zolotarev's poles (docs/methods_inference.md, \"CR2\"). It is not bound by those reads but by arithmetic: (k+1)(k+2)/2 products per row times two per pole, 8 to 24 poles a cluster here, because each cluster's B_j^-1/2 has no low-rank form when the working variances differ. So the target 'at most 2 passes more than CR1' holds for reads of the design (2 against 1) and not for time (the last row, in times of one pass of the fit). Pooling adds the pooled statistics, O(m k^2), to the m analyses: nothing measurable beside them. The threads across imputations speed up only on an idle machine; the load average below says how busy this one was."
section=$(printf '%s\n%s\n\n%s\n\n%s\n\nLoad average at the start: %s.\n%s' '<!-- small-samples -->' \
  '## Small-sample tools: CR2 and multiple imputation (bench/small_samples.sh)' "$out" "$note" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" '<!-- /small-samples -->')
if grep -q '<!-- small-samples -->' "$md"; then
  awk -v s="$section" 'BEGIN{skip=0} /<!-- small-samples -->/{print s; skip=1; next}
       /<!-- \/small-samples -->/{skip=0; next} !skip' "$md" > "$md.tmp" && mv "$md.tmp" "$md"
else
  printf '\n%s\n' "$section" >> "$md"
fi
echo "$out"
