#!/bin/sh
# check-all.sh - the front Makefile's `make check`: every stage CI runs,
# each with its own summary, then one line adding them up, printed last:
#
#   suite      the unit, simulator, registry, Slurm and install tests in
#              BUILD, then `make distcheck` (DISTCHECK=no skips it)
#   sanitizers the same suite built with --enable-asan --enable-ubsan in
#              BUILD-san (SANITIZE=no skips it)
#   valgrind   the client libraries under memcheck, from BUILD
#              (VALGRIND=no skips it)
#   fuzz       each libFuzzer target for FUZZ_SECONDS, default 60
#              (FUZZ=no skips it)
#
# A skipped stage counts as one skipped test, so it shows in the line.
# Environment: MAKE, BUILD (default build), CONFIGURE_FLAGS (the first
# build's), and the switches above.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
make=${MAKE:-make}
build=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
P=0 F=0 S=0
report=''

# The last "N passed, N failed, N skipped" line of a log, added to the
# totals; a stage that printed none failed before its tests ran.
count() { # stage, log, exit status
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$2" |
           tail -n 1)
    # shellcheck disable=SC2086 # six words
    set -- "$1" "$3" $line
    if [ "$#" -eq 8 ]; then
        p=$3 f=$5 s=$7
        [ "$2" -eq 0 ] || [ "$f" -gt 0 ] || f=1
    else
        p=0 f=1 s=0
        echo "FAIL: $1 stage printed no summary (exit $2)"
    fi
    P=$((P + p)) F=$((F + f)) S=$((S + s))
    report="$report$(printf '  %-11s %s passed, %s failed, %s skipped' \
        "$1" "$p" "$f" "$s")
"
}

skip() { # stage, why
    echo "skip: $1 ($2)"
    S=$((S + 1))
    report="$report$(printf '  %-11s skipped: %s' "$1" "$2")
"
}

stage() { # name, then the command
    name=$1
    shift
    echo "=== $name"
    start=$(date +%s)
    { "$@"; echo $? > "$tmp/$name.rc"; } 2>&1 | tee "$tmp/$name.log"
    st=$(cat "$tmp/$name.rc" 2>/dev/null || echo 1)
    count "$name" "$tmp/$name.log" "$st"
    echo "=== $name: $(($(date +%s) - start)) s"
}

stage suite "$make" check-suite BUILD="$build" \
    CONFIGURE_FLAGS="${CONFIGURE_FLAGS:-}"
if [ "${SANITIZE:-yes}" = no ]; then
    skip sanitizers "SANITIZE=no"
else
    # Distcheck ran in the first stage: it checks the tarball, not the
    # compiler flags.
    stage sanitizers "$make" check-suite BUILD="$build-san" DISTCHECK=no \
        CONFIGURE_FLAGS="--enable-asan --enable-ubsan"
fi
if [ "${VALGRIND:-yes}" = no ]; then
    skip valgrind "VALGRIND=no"
elif [ ! -f "$build/testsuite/Makefile" ]; then
    skip valgrind "no build in $build"
else
    stage valgrind "$make" -C "$build/testsuite" check-valgrind
fi
if [ "${FUZZ:-yes}" = no ]; then
    skip fuzz "FUZZ=no"
elif ! grep -q '^CLANG = .' "$build/testsuite/Makefile" 2>/dev/null; then
    skip fuzz "no clang with libFuzzer"
else
    # A fixed seed: what CI finds, the same command finds again here
    # (`make fuzz` alone explores with a random one).
    export FUZZ_SEED="${FUZZ_SEED:-1}"
    stage fuzz "$make" -C "$build/testsuite" fuzz \
        FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
fi

echo "stages:"
printf '%s' "$report"
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
