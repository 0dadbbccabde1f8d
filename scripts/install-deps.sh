#!/usr/bin/env bash
# Installs the Debian packages partreg needs to build and test, if missing.
# Usage: scripts/install-deps.sh [build|test|bench|docs|clang|fuzz|lint|browser|latex|r|mpi]...
# (mpi, optional: Open MPI for libpartreg_mpi, partreg-mpi and their tests;
# the build works without it.)
# Prints what it installs; does nothing when everything is present.
set -euo pipefail

build_pkgs="cmake make gcc pkg-config libgsl-dev libopenblas-dev libreadstat-dev libjansson-dev"
# python3-numpy, python3-pandas and the R packages: the Python and R
# packages' tests (tests/python_binding.sh, tests/r_binding.sh)
test_pkgs="libcmocka-dev python3 python3-numpy python3-pandas valgrind r-base-dev r-cran-jsonlite r-cran-testthat"
# r-cran-sandwich, r-cran-numderiv: the whole analysis in R (bench/peer_analysis.R)
# libcsv-dev, libfccp-dev: the C and C++ CSV parsers bench/read_csv.sh compares
bench_pkgs="r-base-core r-cran-mass r-cran-ordinal r-cran-sandwich r-cran-numderiv r-cran-haven r-cran-data.table python3-statsmodels python3-matplotlib hyperfine time libcsv-dev libfccp-dev"
docs_pkgs="doxygen"
clang_pkgs="clang"
fuzz_pkgs="clang libclang-rt-14-dev"
lint_pkgs="clang-tidy cppcheck"
# the R package alone (bindings/r), for R CMD INSTALL
r_pkgs="r-base-core r-base-dev r-cran-jsonlite r-cran-testthat"
# optional: the rendering and LaTeX checks of tests/cli_table.sh (skipped without them)
browser_pkgs="chromium"
latex_pkgs="texlive-latex-base texlive-latex-recommended"
mpi_pkgs="libopenmpi-dev openmpi-bin"

want=""
for what in "${@:-build test}"; do
  for w in $what; do
    case "$w" in
      build) want="$want $build_pkgs" ;;
      test) want="$want $build_pkgs $test_pkgs" ;;
      bench) want="$want $build_pkgs $bench_pkgs" ;;
      docs) want="$want $docs_pkgs" ;;
      clang) want="$want $build_pkgs $clang_pkgs" ;;
      fuzz) want="$want $build_pkgs $fuzz_pkgs" ;;
      lint) want="$want $lint_pkgs" ;;
      browser) want="$want $browser_pkgs" ;;
      latex) want="$want $latex_pkgs" ;;
      r) want="$want $build_pkgs $r_pkgs" ;;
      mpi) want="$want $build_pkgs $mpi_pkgs" ;;
      *) echo "install-deps: unknown set '$w'" >&2; exit 2 ;;
    esac
  done
done

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    case " $missing " in *" $p "*) ;; *) missing="$missing $p" ;; esac
  fi
done
[ -z "$missing" ] && exit 0

echo "partreg: installing missing Debian packages:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "partreg: not root and no sudo; please install:$missing" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "partreg: installed:$missing"
