#!/usr/bin/env bash
# The installed library as a consumer sees it.
#
#   bash tests/cli_install.sh BUILD_DIR SOURCE_DIR
#
# Installs BUILD_DIR into a temporary prefix, then checks:
#   1. the public headers are installed (and lib/'s private ones are not),
#      and each installed header compiles on its own;
#   2. libpartreg.so has a versioned SONAME (libpartreg.so.<major>) and the
#      usual symlink chain;
#   3. examples/consumer builds with CMake's find_package(partreg) and runs
#      against the installed shared library;
#   4. examples/consumer builds with `pkg-config --cflags --libs partreg`
#      (examples/consumer/Makefile.pkgconfig) and runs the same way;
#   5. it links statically against libpartreg.a with
#      `pkg-config --static --libs partreg` (checks Libs.private);
# and that each program prints the library version and the logit estimates
# of examples/consumer/reference.R (R 4.2.2 glm) to 1e-5 relative.
# Any failure exits non-zero with a line saying what failed.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
    exit 2
fi
BUILD_DIR=$(cd "$1" && pwd) || exit 2
# A sanitizer build's library needs the sanitizer runtime in every
# consumer; installing it for third parties is not what this checks.
if grep -q '^PARTREG_SANITIZE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    echo "cli_install: skipped in a sanitizer build"
    exit 77
fi
SOURCE_DIR=$(cd "$2" && pwd) || exit 2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/partreg-install.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
PREFIX=$TMP/prefix
LOG=$TMP/log

# fail: stop here. defect: record a failure but go on, so that one run
# reports every problem it can; the test still exits non-zero at the end.
DEFECTS=()
fail() {
    echo "cli_install: FAIL: $*" >&2
    if [ -s "$LOG" ]; then
        echo "---- last output ----" >&2
        tail -n 40 "$LOG" >&2
    fi
    for d in "${DEFECTS[@]}"; do echo "cli_install: FAIL (earlier): $d" >&2; done
    exit 1
}
defect() {
    echo "cli_install: FAIL: $*" >&2
    DEFECTS+=("$*")
}
step() { echo "cli_install: $*"; }

# the version the build claims, from project(partreg VERSION x.y.z)
VERSION=$(sed -n 's/^project(partreg VERSION \([0-9.]*\).*/\1/p' "$SOURCE_DIR/CMakeLists.txt")
[ -n "$VERSION" ] || fail "cannot read the project version from $SOURCE_DIR/CMakeLists.txt"
MAJOR=${VERSION%%.*}

# ---- install --------------------------------------------------------------
step "installing $BUILD_DIR into $PREFIX"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$LOG" 2>&1 ||
    fail "cmake --install $BUILD_DIR --prefix $PREFIX failed"

# GNUInstallDirs picks lib, lib64 or lib/<multiarch> depending on the system.
SO=$(find "$PREFIX" -name "libpartreg.so" \( -type l -o -type f \) | head -n 1)
[ -n "$SO" ] || fail "no libpartreg.so under $PREFIX (install(TARGETS partreg ...) missing?)"
LIBDIR=$(dirname "$SO")
step "libdir is ${LIBDIR#"$PREFIX"/}"
[ -f "$LIBDIR/libpartreg.a" ] || fail "no libpartreg.a beside $SO"
PCDIR=$LIBDIR/pkgconfig
[ -f "$PCDIR/partreg.pc" ] || fail "no partreg.pc in $PCDIR"
CMAKEDIR=$LIBDIR/cmake/partreg
for f in partregConfig.cmake partregConfigVersion.cmake partregTargets.cmake; do
    [ -f "$CMAKEDIR/$f" ] || fail "no $f in $CMAKEDIR"
done

# ---- headers ----------------------------------------------------------------
INC=$PREFIX/include
[ -f "$INC/partreg.h" ] || fail "partreg.h is not installed in $INC"
for h in "$SOURCE_DIR"/include/*.h; do
    [ -f "$INC/$(basename "$h")" ] || fail "public header $(basename "$h") is not installed"
done
for h in "$SOURCE_DIR"/lib/*/*.h; do
    [ -e "$INC/$(basename "$h")" ] && fail "private header lib/.../$(basename "$h") was installed"
done
# every header the installed partreg.h pulls in with "..." is installed too,
# and each installed header compiles alone (C11, no lib/ on the include path)
CC=${CC:-cc}
for h in "$INC"/*.h; do
    for dep in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$h"); do
        [ -f "$INC/$dep" ] || fail "$(basename "$h") includes \"$dep\", which is not installed"
    done
    printf '#include <%s>\nint main(void) { return 0; }\n' "$(basename "$h")" >"$TMP/hdr.c"
    hcc=$CC
    if [ "$(basename "$h")" = partreg_mpi.h ]; then
        # libpartreg_mpi's header needs MPI's: compiled as MPI programs are
        command -v mpicc >/dev/null 2>&1 || continue
        hcc=mpicc
    fi
    "$hcc" -std=c11 -Wall -Werror -fsyntax-only -I"$INC" "$TMP/hdr.c" >"$LOG" 2>&1 ||
        fail "installed header $(basename "$h") does not compile on its own"
done

# ---- shared library: SONAME and symlinks ------------------------------------
SONAME=$(readelf -d "$SO" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$SONAME" = "libpartreg.so.$MAJOR" ] ||
    fail "SONAME of $SO is '${SONAME:-none}', expected libpartreg.so.$MAJOR"
[ -e "$LIBDIR/libpartreg.so.$MAJOR" ] || fail "no libpartreg.so.$MAJOR symlink in $LIBDIR"
[ -f "$LIBDIR/libpartreg.so.$VERSION" ] || fail "no libpartreg.so.$VERSION in $LIBDIR"
step "SONAME $SONAME"

# ---- checking a consumer's output ------------------------------------------
# check_output NAME FILE: version line, convergence, and the estimates of
# examples/consumer/reference.R to 1e-5 relative.
check_output() {
    local name=$1 out=$2
    grep -qx "partreg $VERSION (header $VERSION)" "$out" ||
        { cat "$out" >"$LOG"; fail "$name: expected 'partreg $VERSION (header $VERSION)'"; }
    awk '
        function rel(a, b) { return (a - b < 0 ? b - a : a - b) / (b < 0 ? -b : b) }
        function want(what, got, ref) {
            if (got == "" || rel(got + 0, ref) > 1e-5) {
                printf "%s = %s, reference %.10g\n", what, got, ref; bad = 1
            }
            seen[what] = 1
        }
        /^converged / { conv = $2; ll = $NF }
        $1 == "(Intercept)" { want("(Intercept)", $2, -2.8298104704); want("se(Intercept)", $4, 1.2295282439) }
        $1 == "hours"       { want("hours", $2, 0.9463017908);        want("se(hours)", $4, 0.3719895896) }
        END {
            if (conv != 1) { print "the fit did not report converged 1"; bad = 1 }
            want("loglik", ll, -11.21552443)
            if (!seen["hours"] || !seen["(Intercept)"]) { print "coefficient lines missing"; bad = 1 }
            exit bad
        }' "$out" >"$LOG" 2>&1 || { cat "$out" >>"$LOG"; fail "$name: wrong output"; }
}

# uses_installed NAME BINARY: the binary resolves libpartreg from the prefix
uses_installed() {
    local name=$1 bin=$2 where
    where=$(LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$bin" 2>/dev/null |
            awk '$1 ~ /^libpartreg\.so/ { print $3 }')
    case "$where" in
        "$PREFIX"/*) ;;
        *) fail "$name: resolves libpartreg to '${where:-nothing}', not the installed $LIBDIR" ;;
    esac
}

# ---- 3. CMake find_package ---------------------------------------------------
step "building examples/consumer with find_package(partreg)"
cmake -S "$SOURCE_DIR/examples/consumer" -B "$TMP/build-cmake" \
      -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_FIND_PACKAGE_PREFER_CONFIG=ON \
      -DCMAKE_BUILD_TYPE=Release >"$LOG" 2>&1 ||
    fail "configuring examples/consumer with CMAKE_PREFIX_PATH=$PREFIX failed (partregConfig.cmake?)"
found=$(sed -n 's/^partreg_DIR:PATH=//p' "$TMP/build-cmake/CMakeCache.txt")
case "$found" in
    "$PREFIX"/*) ;;
    *) fail "find_package(partreg) used '$found', not the package in $PREFIX" ;;
esac
cmake --build "$TMP/build-cmake" >"$LOG" 2>&1 ||
    fail "building examples/consumer against partreg::partreg failed"
BIN=$TMP/build-cmake/consumer
uses_installed "find_package consumer" "$BIN"
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$BIN" >"$TMP/out-cmake" 2>"$LOG" ||
    fail "the find_package consumer exited with status $?"
check_output "find_package consumer" "$TMP/out-cmake"
step "find_package consumer OK"

# ---- 4. pkg-config, shared ---------------------------------------------------
export PKG_CONFIG_PATH="$PCDIR"
pkg-config --exists --print-errors partreg >"$LOG" 2>&1 ||
    fail "pkg-config cannot use $PCDIR/partreg.pc"
pcver=$(pkg-config --modversion partreg)
[ "$pcver" = "$VERSION" ] || fail "pkg-config reports version '$pcver', expected $VERSION"
# The installed .pc must describe the prefix it was installed into: its
# include and library directories must resolve to $INC and $LIBDIR.
pc_inc=$(pkg-config --variable=includedir partreg)
pc_lib=$(pkg-config --variable=libdir partreg)
if [ "$(cd "$pc_inc" 2>/dev/null && pwd -P)" != "$(cd "$INC" && pwd -P)" ] ||
   [ "$(cd "$pc_lib" 2>/dev/null && pwd -P)" != "$(cd "$LIBDIR" && pwd -P)" ]; then
    defect "the installed partreg.pc is not relocatable: after 'cmake --install --prefix $PREFIX' it says includedir=$pc_inc, libdir=$pc_lib (the prefix fixed at configure time); continuing with --define-variable=prefix=$PREFIX"
    PKG_CONFIG="pkg-config --define-variable=prefix=$PREFIX"
else
    PKG_CONFIG="pkg-config"
fi
step "building examples/consumer with pkg-config ($($PKG_CONFIG --cflags --libs partreg))"
make -s -f "$SOURCE_DIR/examples/consumer/Makefile.pkgconfig" CC="$CC" PKG_CONFIG="$PKG_CONFIG" \
     OUT="$TMP/consumer-pkgconfig" >"$LOG" 2>&1 ||
    fail "building examples/consumer with pkg-config --cflags --libs partreg failed"
BIN=$TMP/consumer-pkgconfig
uses_installed "pkg-config consumer" "$BIN"
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$BIN" >"$TMP/out-pc" 2>"$LOG" ||
    fail "the pkg-config consumer exited with status $?"
check_output "pkg-config consumer" "$TMP/out-pc"
cmp -s "$TMP/out-cmake" "$TMP/out-pc" ||
    fail "the find_package and pkg-config consumers print different results"
step "pkg-config consumer OK"

# ---- 5. pkg-config --static against libpartreg.a ----------------------------
# Link the archive by path (so -lpartreg cannot pick the .so) plus every
# other flag pkg-config --static gives: this is what Libs.private is for.
static_libs=$($PKG_CONFIG --static --libs partreg | sed 's/\(^\| \)-lpartreg\( \|$\)/ /')
"$CC" -std=c11 -O2 $($PKG_CONFIG --cflags partreg) -o "$TMP/consumer-static" \
      "$SOURCE_DIR/examples/consumer/consumer.c" "$LIBDIR/libpartreg.a" $static_libs >"$LOG" 2>&1 ||
    fail "static link with libpartreg.a and pkg-config --static --libs partreg failed (Libs.private incomplete?)"
if ldd "$TMP/consumer-static" 2>/dev/null | grep -q 'libpartreg\.so'; then
    fail "the static consumer still needs libpartreg.so"
fi
env -u LD_LIBRARY_PATH "$TMP/consumer-static" >"$TMP/out-static" 2>"$LOG" ||
    fail "the statically linked consumer exited with status $?"
check_output "static consumer" "$TMP/out-static"
step "static consumer OK"

cat "$TMP/out-cmake"
if [ ${#DEFECTS[@]} -gt 0 ]; then
    echo "cli_install: ${#DEFECTS[@]} check(s) failed:" >&2
    for d in "${DEFECTS[@]}"; do echo "  - $d" >&2; done
    exit 1
fi
echo "cli_install: all checks passed"
exit 0
