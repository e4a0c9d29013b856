# shtest.sh - helpers for the shell test scripts (sourced, not run):
# check NAME CMD... runs a test, skip NAME WHY counts a skip, result
# prints the "RESULT passed failed skipped" line run-tests.sh adds up.
# Scripts set src and build first (GVTEST_SRCDIR, GVTEST_BUILDDIR).
p=0 f=0 s=0

check() { # name, command...
    name=$1
    shift
    if out=$("$@" 2>&1); then
        echo "  Test: $name ...passed"
        p=$((p + 1))
    else
        echo "  Test: $name ...FAILED"
        echo "$out" | tail -n 20 | sed 's/^/      /'
        f=$((f + 1))
    fi
}

skip() { # name, why
    echo "  Test: $1 ...skipped"
    echo "    SKIP $1: $2"
    s=$((s + 1))
}

result() {
    echo
    echo "RESULT $p $f $s"
    [ "$f" -eq 0 ]
}

# A fresh private directory, removed at exit.
shtest_tmp=$(mktemp -d "${TMPDIR:-/tmp}/gvtest.XXXXXX") || exit 1
trap 'rm -rf "$shtest_tmp"' EXIT
