#!/bin/sh
# distcheck.sh BUILD - the last step of the front Makefile's `make check`:
# `make distcheck` in BUILD (the tarball configures and builds out of
# tree from a read-only copy, runs a quick test subset, installs,
# uninstalls leaving nothing, and makes a tarball again), then
# check-dist.sh (every file git tracks is in the tarball).  It counts as
# one test in BUILD/testsuite/test-summary.txt, whose new last line it
# prints.  DISTCHECK=no skips it (counted as skipped).
build=$1
here=$(cd "$(dirname "$0")" && pwd)
summary=$build/testsuite/test-summary.txt
log=$build/testsuite/distcheck.log
p=0 f=0 s=0

if [ "${DISTCHECK:-yes}" = no ]; then
    echo "skip: distcheck (DISTCHECK=no)"
    s=1
else
    start=$(date +%s)
    rm -f "$build"/gvirtus-*.tar.gz
    # The inner make check runs a quick subset (GVTEST_QUICK): the full
    # suite has just run on this very code.
    if GVTEST_QUICK=1 ${MAKE:-make} -C "$build" -j"$(nproc)" distcheck \
            > "$log" 2>&1 &&
       sh "$here/check-dist.sh" "$(ls "$build"/gvirtus-*.tar.gz)" \
            "$here/.." >> "$log" 2>&1; then
        echo "ok:   distcheck: $(tail -n 1 "$log") ($(($(date +%s) - start)) s)"
        p=1
    else
        echo "FAIL: distcheck (see $log)"
        grep -E -B2 -A8 'Error|error:|FAIL|not in |left after|ERROR' "$log" |
            head -n 40 | sed 's/^/    /'
        f=1
    fi
fi

# Add this one test to the suite's summary line.
line=$(tail -n 1 "$summary" 2>/dev/null)
# shellcheck disable=SC2086 # split into its six words
set -- $line
if [ "$#" -eq 6 ] && [ "$2" = passed, ]; then
    p=$((p + $1)) f=$((f + $3)) s=$((s + $5))
else
    echo "FAIL: no test summary in $summary (did the build fail?)"
    f=$((f + 1))
fi
mkdir -p "$(dirname "$summary")"
echo "$p passed, $f failed, $s skipped" | tee -a "$summary"
[ "$f" -eq 0 ]
